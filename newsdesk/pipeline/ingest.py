"""Ingest outside feeds: one article URL now, an archive (WARC, JSONL, folder of pages), and export.

These reuse the crawl's own steps (fetch, extract, dedup, store) so an article arrives the same way
whatever brought it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from newsdesk.enrich.dedup import normalize_url
from newsdesk.errors import StageError, UsageError
from newsdesk.extract.modes import AUTO, ExtractionRules
from newsdesk.extract.trace import Trace
from newsdesk.models import ExtractedArticle
from newsdesk.pipeline.articles import StoredArticle, store_extracted
from newsdesk.pipeline.crawl import process_entry
from newsdesk.pipeline.follow import home_of
from newsdesk.pipeline.prepare import extract_page
from newsdesk.pipeline.report import CrawlReport
from newsdesk.settings import Settings
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article


def fetch_url(settings: Settings, url: str) -> CrawlReport:
    """Fetch, extract and store one article now (``newsdesk fetch-url``).

    The entry is queued under its host's source only when that source exists already; otherwise
    the source is made in the transaction that stores the article (``Crawler._write``), so a
    fetch that fails leaves no empty source behind in the site's lists.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise UsageError(f"fetch-url: not an http(s) URL: {url!r}")
    entry_url = normalize_url(url)
    with session_scope(engine_for(settings.database_url)) as session:
        source = repo.find_source_for_host(session, home_of(url))
        entry = repo.entry_by_url(session, entry_url)
        if entry is None:
            entry = repo.queue_entry(session, url=entry_url, source_id=source.id if source else None, feed_id=None)
            session.flush()
        entry.status = "pending"  # fetched again on request, even if it was done or failed
        entry_id = entry.id
    return process_entry(settings, entry_id)


def extract_one(settings: Settings, target: str, url: str | None = None, *, rules: ExtractionRules = AUTO,
                trace: Trace | None = None) -> ExtractedArticle:
    """Extract a local file or a URL without storing anything (``newsdesk extract``), in the mode
    ``rules`` say; ``trace`` collects each step's decisions (``--explain``)."""
    path = Path(target)
    if path.is_file():
        from newsdesk.fetch.decode import decode_body
        from newsdesk.sources.sniff import sniff

        body = path.read_bytes()
        head = body[:4096].lstrip()
        shape = "JSON" if head.startswith((b"{", b"[")) else {"rss": "a feed", "sitemap": "a sitemap",
                                                              "opml": "an OPML file"}.get(sniff(body))
        if shape is not None:  # why: extraction would happily find "text" in it and print nonsense
            raise UsageError(f"extract: {target} is {shape}, not a web page (to store an export, use "
                             f"'newsdesk import'; to follow a feed, 'newsdesk sources add')")
        html, _ = decode_body(body, None)
        return extract_page(html, url or path.resolve().as_uri(), rules, trace=trace)
    if urlsplit(target).scheme in ("http", "https"):
        from newsdesk.fetch import fetch_sync
        from newsdesk.pipeline.articles import HTML_TYPES

        result = fetch_sync(target, settings, accept_types=HTML_TYPES)
        return extract_page(result.text, url or result.final_url, rules, trace=trace)
    raise UsageError(f"extract: {target!r} is neither a file nor an http(s) URL")


@dataclass
class ImportReport:
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] | None = None
    # records the archive reader passed over, by reason, with the first few of each
    dropped: dict[str, int] = field(default_factory=dict)
    dropped_examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "duplicates": self.duplicates, "failed": self.failed,
                "errors": self.errors or [], "dropped": self.dropped, "dropped_examples": self.dropped_examples}

    def note_dropped(self, drops: list[tuple[str, str]]) -> None:
        for reason, detail in drops:
            self.dropped[reason] = self.dropped.get(reason, 0) + 1
            if self.dropped[reason] <= MAX_DROP_EXAMPLES:
                self.dropped_examples.append(f"{reason}: {detail}")


# Example lines kept per drop reason: enough to see what was dropped, not a copy of the archive.
MAX_DROP_EXAMPLES = 5


def import_archive(settings: Settings, path: Path, *, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Store every article page of a WARC file, a JSONL export or a folder of saved pages."""
    from newsdesk.sources import ArchiveReader

    if not path.exists():
        raise UsageError(f"import: {path} does not exist")
    report = ImportReport(errors=[])
    engine = engine_for(settings.database_url)
    reader = ArchiveReader(path)
    for page in reader:
        try:
            extracted = extract_page(page.html, page.url)
            with session_scope(engine) as session:
                source = repo.source_for_host(session, home_of(page.url), urlsplit(page.url).hostname or "archive")
                stored: StoredArticle = store_extracted(
                    session, entry_url=page.url, fetched=None, extracted=extracted,
                    source_id=source.id, fetched_at=page.fetched_at,
                )
            if stored.created:
                report.stored += 1
            else:
                report.duplicates += 1
        except StageError as exc:
            report.failed += 1
            if report.errors is not None and len(report.errors) < 200:
                report.errors.append(f"{page.url}: {exc}")
        if progress:
            progress(1)
    report.note_dropped(reader.dropped)
    return report


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def article_record(article: Article) -> dict[str, Any]:
    """Every stored field of an article, as one JSON object (the export format)."""
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "urls": sorted(u.url for u in article.urls),
        "title": article.title,
        "text": article.text,
        "html": article.html,
        "teaser": article.teaser,
        "description": article.description,
        "authors": list(article.authors or []),
        "published_at": _iso(article.published_at),
        "updated_at": _iso(article.updated_at),
        "fetched_at": _iso(article.fetched_at),
        "lang": article.lang,
        "image": article.image,
        "section": article.section,
        "tags": list(article.tags or []),
        "source": article.source.name if article.source else None,
        "source_url": article.source.home_url if article.source else None,
        "site_name": article.site_name,
        "cited_sources": list(article.cited_sources or []),
        "text_sources": list(article.text_sources or []),
        "content_hash": article.content_hash,
        "translations": {
            t.lang: {"title": t.title, "html": t.html, "text": t.text, "teaser": t.teaser, "engine": t.engine}
            for t in article.translations
        },
    }


def iter_export(settings: Settings) -> Iterator[dict[str, Any]]:
    engine = engine_for(settings.database_url)
    last_id = 0
    while True:  # keyset pages keep memory flat on large databases
        with session_scope(engine) as session:
            batch = session.scalars(
                select(Article)
                .where(Article.id > last_id)
                .options(selectinload(Article.urls), selectinload(Article.translations), selectinload(Article.source))
                .order_by(Article.id)
                .limit(200)
            ).all()
            records = [article_record(a) for a in batch]
        if not records:
            return
        yield from records
        last_id = records[-1]["id"]


def export_jsonl(settings: Settings, out: IO[str]) -> int:
    count = 0
    for record in iter_export(settings):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
