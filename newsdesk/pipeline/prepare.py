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
from newsdesk.extract.modes import AUTO, ExtractionRules
from newsdesk.extract.trace import Trace
from newsdesk.models import ExtractedArticle
from newsdesk.terms import DocumentTerms, document_terms


def extract_page(html: str, url: str, rules: ExtractionRules = AUTO, feed_html: str | None = None,
                 trace: Trace | None = None) -> ExtractedArticle:
    """The extraction step, in the source's mode (``feed_html``: the feed entry's own content;
    ``trace``: ``extract --explain``)."""
    from newsdesk.extract.modes import extract_with

    article = extract_with(rules, html, url, feed_html=feed_html, trace=trace)
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


def prepare_page(html: str, url: str, rules: ExtractionRules = AUTO, feed_html: str | None = None) -> PreparedArticle:
    """Extract, hash and stem one page (module-level so a process pool can run it; the mode and
    selectors travel as data)."""
    return prepare(extract_page(html, url, rules, feed_html))


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
