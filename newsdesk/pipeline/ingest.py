"""Ingest outside feeds: one article URL now, an archive (WARC, JSONL, folder of pages), and export.

These reuse the crawl's own steps (fetch, extract, dedup, store) so an article arrives the same way
whatever brought it, and end with the same enrichment stages (``pipeline/enrichment.py``).

An archive's JSONL line that names its outlet (``source``: the outlet's name, optional ``country``)
is an outlet record: it is stored under that outlet (found by name, or created) with exactly the
``title``, ``text`` (or the text of its ``html``), ``lang`` and ``published_at`` it carries, with no
extraction guessing over them. Newsdesk's own export is such a file, so an export imports back as the
same articles. A line without ``source`` is a saved page and is extracted like a fetched one.
"""

from __future__ import annotations

import html as html_lib
import json
import re
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
from newsdesk.models import ArchivedPage, ExtractedArticle
from newsdesk.pipeline.articles import StoredArticle, store_extracted
from newsdesk.pipeline.crawl import process_entry
from newsdesk.pipeline.enrichment import StoryState, enrich
from newsdesk.pipeline.follow import home_of
from newsdesk.pipeline.prepare import extract_page
from newsdesk.pipeline.report import CrawlReport, describe
from newsdesk.settings import Settings
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Source


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
    report = process_entry(settings, entry_id)
    enrich(settings, report.new_article_ids).add_to(report)
    return report


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
    enrichment: dict[str, Any] | None = None  # what the stages after storing did (EnrichmentReport)

    def as_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "duplicates": self.duplicates, "failed": self.failed,
                "errors": self.errors or [], "dropped": self.dropped, "dropped_examples": self.dropped_examples,
                "enrichment": self.enrichment}

    def note_dropped(self, drops: list[tuple[str, str]]) -> None:
        for reason, detail in drops:
            self.dropped[reason] = self.dropped.get(reason, 0) + 1
            if self.dropped[reason] <= MAX_DROP_EXAMPLES:
                self.dropped_examples.append(f"{reason}: {detail}")


# Example lines kept per drop reason: enough to see what was dropped, not a copy of the archive.
MAX_DROP_EXAMPLES = 5


def import_archive(settings: Settings, path: Path, *, progress: Callable[[int], None] | None = None,
                   state: StoryState | None = None) -> ImportReport:
    """Store every article of a WARC file, a JSONL file (an export, an outlet's records, saved pages)
    or a folder of saved pages, then run the enrichment stages over what was stored (``state``:
    the clustering state to use, this process's own by default)."""
    from newsdesk.sources import ArchiveReader

    if not path.exists():
        raise UsageError(f"import: {path} does not exist")
    report = ImportReport(errors=[])
    engine = engine_for(settings.database_url)
    reader = ArchiveReader(path)
    new_ids: list[int] = []
    for number, page in enumerate(reader, start=1):
        try:
            with session_scope(engine) as session:
                stored = _store_page(session, page)
            if stored.created:
                report.stored += 1
                new_ids.append(stored.article_id)
            else:
                report.duplicates += 1
        except StageError as exc:
            report.failed += 1
            if report.errors is not None and len(report.errors) < 200:
                report.errors.append(f"{page.url} (record {number}): {describe(exc)}")
        if progress:
            progress(1)
    report.note_dropped(reader.dropped)
    report.enrichment = enrich(settings, new_ids, state=state).as_dict()
    return report


def _store_page(session: Any, page: ArchivedPage) -> StoredArticle:
    outlet = page.fields.get("source")
    if isinstance(outlet, str) and outlet.strip():
        extracted = outlet_article(page)
        source = source_named(session, outlet.strip(), country=_country(page.fields.get("country")),
                              home_url=home_of(page.url))
        fetched_at = page.fetched_at or extracted.published_at  # see outlet_article
    else:
        extracted = extract_page(page.html, page.url)
        source = repo.source_for_host(session, home_of(page.url), urlsplit(page.url).hostname or "archive")
        fetched_at = page.fetched_at
    return store_extracted(session, entry_url=page.url, fetched=None, extracted=extracted,
                           source_id=source.id, fetched_at=fetched_at)


# Paragraph breaks in a plain-text body (a blank line, or a line break when there is no blank line).
_PARAGRAPHS = re.compile(r"\n\s*\n")


def outlet_article(page: ArchivedPage) -> ExtractedArticle:
    """An outlet record as an article with exactly its values: ``title``, ``text`` (else the text
    extracted from ``html``), ``lang`` and ``published_at``; ``html`` is the given markup, sanitized,
    or the text's paragraphs. A record missing a value it must carry, or carrying one that cannot be
    read, is refused with the reason (the import reports it; nothing is guessed)."""
    from newsdesk.errors import Reject
    from newsdesk.extract.sanitize import sanitize_html
    from newsdesk.extract.teaser import make_teaser
    from newsdesk.sources.adapter import parse_datetime

    fields = page.fields
    title, text, lang, published = (fields.get(k) for k in ("title", "text", "lang", "published_at"))
    if not isinstance(title, str) or not title.strip():
        raise Reject("outlet record without a title", stage="import", reason="missing_title")
    if lang is not None and not (isinstance(lang, str) and 0 < len(lang.strip()) <= 16):
        raise Reject(f"unreadable lang {lang!r}", stage="import", reason="bad_lang")
    published_at = None
    if published is not None:
        published_at = parse_datetime(published) if isinstance(published, str) else None
        if published_at is None:
            raise Reject(f"unreadable published_at {published!r}"[:200], stage="import", reason="bad_date")
    if isinstance(text, str) and text.strip():
        body = text.strip()
        markup = sanitize_html(page.html, page.url) if page.html.strip() else "".join(
            f"<p>{html_lib.escape(p.strip())}</p>" for p in _PARAGRAPHS.split(body) if p.strip())
        base = ExtractedArticle(text=body, html=markup)
    else:
        base = extract_page(page.html, page.url)
    return ExtractedArticle(
        text=base.text, html=base.html, title=title.strip(), published_at=published_at,
        lang=lang.strip().lower() if isinstance(lang, str) else None, canonical_url=None,
        authors=tuple(a for a in fields.get("authors") or () if isinstance(a, str)),  # type: ignore[attr-defined]
        teaser=make_teaser(base.text), image=base.image, section=base.section,
    )


def _country(value: object) -> str | None:
    return value.strip().upper()[:8] if isinstance(value, str) and value.strip() else None


def source_named(session: Any, name: str, *, country: str | None = None, home_url: str | None = None) -> Source:
    """The outlet called ``name`` (the first, should several share it), created when missing; a
    country given fills one not known yet."""
    from sqlalchemy import select as sa_select

    source = session.scalar(sa_select(Source).where(Source.name == name).order_by(Source.id).limit(1))
    if source is None:
        return repo.add_source(session, name=name[:300], home_url=home_url, country=country)
    if country and not source.country:
        source.country = country
    return source  # type: ignore[no-any-return]


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
        "story": article.story_id,  # the story's stable id (its first article's id)
        "reprint_of": article.reprint_of,  # the id of the earliest copy of this text, when a reprint
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
