"""What the crawl's extraction workers run: extract a page, hash it and stem it.

Why a module of its own, importing only extraction, the content hash and stemming: the extraction
pool's fork server imports it (through ``pipeline/warm.py``) before forking every worker, and a
worker that imported the store or the fetcher too would start about half a second later
(docs/decisions/0005-ingest-throughput.md). ``tests/test_crawl.py`` checks what it imports.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.enrich.dedup import content_hash
from newsdesk.errors import NoArticleFound
from newsdesk.models import ExtractedArticle
from newsdesk.terms import DocumentTerms, document_terms


def extract_page(html: str, url: str) -> ExtractedArticle:
    """The extraction step."""
    from newsdesk.extract import extract_article

    article = extract_article(html, url)
    if not article.text.strip():
        raise NoArticleFound("no article text in the page", reason="empty_text")
    return article


@dataclass(frozen=True)
class PreparedArticle:
    """An extracted article with what storing it needs computed ahead: its content hash and its
    search stems. The crawl's worker processes make these, so the single writer only writes."""

    extracted: ExtractedArticle
    content_hash: str
    terms: DocumentTerms


def prepare(extracted: ExtractedArticle) -> PreparedArticle:
    return PreparedArticle(extracted, content_hash(extracted.text),
                           document_terms(extracted.title, extracted.text, extracted.lang))


def prepare_page(html: str, url: str) -> PreparedArticle:
    """Extract, hash and stem one page (module-level so a process pool can run it)."""
    return prepare(extract_page(html, url))


_WARM_UP_PAGE = (
    "<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1><p>"
    + "The sea is calm and the harbour is quiet this morning. " * 8
    + "</p></article></body></html>"
)


def warm_up() -> None:
    """Run one small page through ``prepare_page`` (a worker process's initializer). Why: the first
    extraction in a process loads language models and builds caches (about half a second), which
    would otherwise land on the first real page."""
    prepare_page(_WARM_UP_PAGE, "http://warm-up.invalid/")
