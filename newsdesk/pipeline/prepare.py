"""What the crawl's extraction workers run: extract a page, hash it, stem it, and embed it.

Why a module of its own, importing only extraction, the content hash and stemming: the extraction
pool's fork server imports it (through ``pipeline/warm.py``) before forking every worker, and a
worker that imported the store or the fetcher too would start about half a second later
(docs/decisions/0005-ingest-throughput.md). ``tests/test_crawl.py`` checks what it imports.

The inputs of the stories stages that depend on the article alone are computed here too, in the
worker processes, when the pool was started for them: the story embedding (``enrich/embed.py``, a
sentence encoder over the title and lead; the model is loaded once per process and kept) and the
reprint signature (``enrich/reprints.py``, MinHash over the body's shingles). On the writer's
process they would run on one core after the pass while the workers idle; they were most of the
stages' cost. The writer stores them in ``article_features`` with the article, and the stages find
them there (decision 0005).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsdesk.enrich.dedup import content_hash
from newsdesk.errors import NoArticleFound
from newsdesk.extract.modes import AUTO, ExtractionRules
from newsdesk.extract.trace import Trace
from newsdesk.models import ExtractedArticle
from newsdesk.terms import DocumentTerms, document_terms

if TYPE_CHECKING:
    from newsdesk.enrich.embed import Embedder
    from newsdesk.enrich.reprints import ReprintParams


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
    """An extracted article with what storing it needs computed ahead: its content hash, its
    search stems and, for the stories stages, its story embedding (``model`` names it;
    ``embedding`` is ``embed.to_bytes`` of the vector) and its reprint signature (``minhash``,
    ``reprints.signature``; empty for a text too short). The crawl's worker processes make these,
    so the single writer only writes."""

    extracted: ExtractedArticle
    content_hash: str
    terms: DocumentTerms
    model: str | None = None
    embedding: bytes | None = None
    minhash: bytes | None = None


def prepare(extracted: ExtractedArticle, embedder: Embedder | None = None,
            reprints: ReprintParams | None = None) -> PreparedArticle:
    """Hash and stem ``extracted``; embed its story text with ``embedder`` and sign its body with
    ``reprints``' parameters when they are given."""
    vector = None
    if embedder is not None:
        from newsdesk.enrich.embed import story_text, to_bytes

        with _ENCODE_LOCK:  # why: a process embedding from several threads (no pool) shares one model
            vector = to_bytes(embedder.encode([story_text(extracted)])[0])
    return _prepared(extracted, embedder, vector, reprints)


def _prepared(extracted: ExtractedArticle, embedder: Embedder | None, vector: bytes | None,
              reprints: ReprintParams | None) -> PreparedArticle:
    minhash = None
    if reprints is not None:
        from newsdesk.enrich.reprints import signature

        minhash = signature(extracted.text, reprints)
    return PreparedArticle(extracted, content_hash(extracted.text),
                           document_terms(extracted.title, extracted.text, extracted.lang),
                           embedder.name if embedder is not None and vector is not None else None, vector, minhash)


def prepare_page(html: str, url: str, rules: ExtractionRules = AUTO, feed_html: str | None = None,
                 embedder: str = "none", reprints: ReprintParams | None = None) -> PreparedArticle:
    """Extract, hash, stem and, for the stories stages, embed (``embedder`` other than "none")
    and sign (``reprints``) one page (module-level so a process pool can run it; the mode, the
    selectors, the embedder's name and the reprint parameters travel as data)."""
    return prepare(extract_page(html, url, rules, feed_html), process_embedder(embedder), reprints)


def prepare_pages(jobs: list[tuple[str, str, ExtractionRules, str | None]], embedder: str,
                  reprints: ReprintParams | None = None) -> list[PreparedArticle | Exception]:
    """``prepare_page`` over several pages, their story texts embedded in one call (why: the
    encoder streams its weights once a call, so a few texts together cost less than the same
    texts one by one). Each page's result, or the error that page raised, in order."""
    model = process_embedder(embedder)
    extracted: list[ExtractedArticle | Exception] = []
    for html, url, rules, feed_html in jobs:
        try:
            extracted.append(extract_page(html, url, rules, feed_html))
        except Exception as exc:
            extracted.append(exc)  # handed back as that page's outcome
    done = [a for a in extracted if isinstance(a, ExtractedArticle)]
    vectors: list[bytes | None] = [None] * len(done)
    if model is not None and done:
        from newsdesk.enrich.embed import story_text, to_bytes

        with _ENCODE_LOCK:
            vectors = [to_bytes(v) for v in model.encode([story_text(a) for a in done])]
    made = iter(zip(done, vectors, strict=True))
    out: list[PreparedArticle | Exception] = []
    for item in extracted:
        if isinstance(item, Exception):
            out.append(item)
        else:
            article, vector = next(made)
            out.append(_prepared(article, model, vector, reprints))
    return out


_EMBEDDERS: dict[str, Embedder | None] = {}
_ENCODE_LOCK = threading.Lock()


def process_embedder(name: str) -> Embedder | None:
    """This process's embedder called ``name``, loaded on first use and kept (why: loading the
    model costs about a second and its tables tens of MB; a worker embeds every page it extracts).
    None for "none"."""
    if not name or name == "none":
        return None
    if name not in _EMBEDDERS:
        from newsdesk.enrich.embed import load_embedder

        with _ENCODE_LOCK:
            if name not in _EMBEDDERS:
                embedder = load_embedder(name)
                if embedder is not None:
                    embedder.encode(["Warm-up."])  # the model's weights load on the first encode
                _EMBEDDERS[name] = embedder
    return _EMBEDDERS[name]


_WARM_UP_PAGE = (
    "<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1><p>"
    + "The sea is calm and the harbour is quiet this morning. " * 8
    + "</p></article></body></html>"
)


def warm_up(embedder: str = "none", reprints: ReprintParams | None = None) -> None:
    """Run one small page through ``prepare_page`` (a worker process's initializer), with the
    embedder the pool will use. Why: the first extraction in a process loads language models and
    builds caches (about half a second), and the embedder its weights; both would otherwise land
    on the first real page."""
    prepare_page(_WARM_UP_PAGE, "http://warm-up.invalid/", embedder=embedder, reprints=reprints)
