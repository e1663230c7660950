"""Process one entry: fetch its page, extract, deduplicate, store — the order and why.

Stage order (cheap filters first, as Miniflux's processor does):
1. the entry's URL was normalized and checked against known URLs when it was queued (no fetch);
2. fetch the page (HTML only: PDFs and images are refused before their bodies are read);
3. the final URL after redirects is checked again: a redirect may lead to a stored article;
4. extract (the expensive step, possibly in a worker process);
5. dedup by canonical URL / og:url, then by content hash (an edited headline, a syndicated copy);
6. store the article, its URLs, its story embedding when the worker computed one, and the entry's
   new state in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert
from sqlalchemy.orm import Session

from newsdesk.enrich.dedup import normalize_url
from newsdesk.models import MAX_URL_CHARS, ExtractedArticle, FetchResult
from newsdesk.pipeline.prepare import PreparedArticle, prepare
from newsdesk.store import repo
from newsdesk.store.schema import ArticleFeatures
from newsdesk.store.search import index_article

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class StoredArticle:
    article_id: int
    created: bool  # False: it was a duplicate of a stored article
    url: str


def article_urls(entry_url: str, fetched: FetchResult | None, extracted: ExtractedArticle) -> list[str]:
    """Every normalized URL that identifies this article, the canonical one first; URLs too long to
    store are left out (the entry's own URL was checked when it was queued)."""
    urls = []
    if extracted.canonical_url and urlsplit(extracted.canonical_url).scheme in ("http", "https"):
        urls.append(normalize_url(extracted.canonical_url))
    if fetched is not None:
        urls.append(normalize_url(fetched.final_url))
        urls.extend(normalize_url(u) for u in fetched.redirects)
    urls = [u for u in urls if len(u) <= MAX_URL_CHARS]
    urls.append(normalize_url(entry_url))
    return list(dict.fromkeys(urls))


def store_extracted(
    session: Session,
    *,
    entry_url: str,
    fetched: FetchResult | None,
    extracted: ExtractedArticle | PreparedArticle,
    source_id: int | None,
    hints: dict[str, Any] | None = None,
    fetched_at: datetime | None = None,
) -> StoredArticle:
    """Store ``extracted`` unless it is already stored; in both cases record every URL that led to it.

    A duplicate is not an error here: the result says ``created=False`` and the caller commits the
    new URLs together with the entry's state.
    """
    prepared = extracted if isinstance(extracted, PreparedArticle) else prepare(extracted)
    extracted, digest = prepared.extracted, prepared.content_hash
    urls = article_urls(entry_url, fetched, extracted)
    existing = repo.find_article(session, urls, digest)
    if existing is not None:
        repo.add_article_urls(session, existing[0], urls)
        return StoredArticle(existing[0], False, existing[1])
    article = repo.insert_article(
        session,
        extracted=extracted,
        url=normalize_url(entry_url),
        canonical_url=urls[0],
        other_urls=urls[1:],
        content_hash=digest,
        source_id=source_id,
        hints=hints,
        fetched_at=fetched_at,
    )
    index_article(session, article, prepared.terms, new=True)  # searchable in the same transaction
    # what the worker computed for the stories stages, kept for them (they reuse a stored vector of
    # their model and a stored signature); the vector not when the stored title came from the feed
    # (why: the worker embedded without it, so the stage embeds what is stored instead)
    embedding = prepared.embedding if extracted.title or not (hints or {}).get("title") else None
    if embedding is not None or prepared.minhash is not None:
        session.connection().execute(_INSERT_FEATURES, {
            "article_id": article.id, "model": prepared.model if embedding is not None else None,
            "embedding": embedding, "minhash": prepared.minhash})
    return StoredArticle(article.id, True, article.canonical_url)


_INSERT_FEATURES = insert(ArticleFeatures)
