"""A source's extraction mode: set it (CLI, admin) and preview what each mode gives.

The preview runs every mode, with the selectors as typed (not yet saved), on the source's latest
stored articles. The store keeps only the extracted HTML, not the page, so each page is fetched
again through the usual fetcher (address guard, robots, size caps) with a short timeout; the feed
entry's own content comes from the queue row that led to the article.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.errors import StageError
from newsdesk.extract.modes import MODE_HELP, MODE_NAMES, ExtractionRules, check_rules, extract_with
from newsdesk.extract.trace import Trace
from newsdesk.fetch import Fetcher
from newsdesk.pipeline.articles import HTML_TYPES
from newsdesk.pipeline.report import as_stage_error, describe
from newsdesk.settings import Settings
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope

__all__ = ["MODE_HELP", "MODE_NAMES", "ExtractionRules", "Trace", "check_rules", "get_extraction", "preview",
           "set_extraction"]

PREVIEW_ARTICLES = 3  # why: enough pages to see a pattern, few enough to fetch while the admin waits
PREVIEW_TIMEOUT = 5.0  # seconds per page (why: the admin waits on the page; a slow origin must not hang it)
PREVIEW_CHARS = 2000  # why: a screen's worth of each mode's text is enough to judge it


def get_extraction(settings: Settings, source_id: int) -> ExtractionRules:
    with session_scope(engine_for(settings.database_url)) as session:
        repo.get_source(session, source_id)  # a clear error for an unknown id
        mode, body, drops = repo.source_extraction(session, [source_id])[source_id]
    return ExtractionRules(mode, body, drops)


def set_extraction(settings: Settings, source_id: int, mode: str, body_selector: str | None = None,
                   drop_selectors: Sequence[str] = ()) -> ExtractionRules:
    """Validate (a bad selector is a :class:`UsageError` saying why) and store a source's mode."""
    rules = check_rules(mode, body_selector, tuple(drop_selectors))
    with session_scope(engine_for(settings.database_url)) as session:
        repo.set_source_extraction(session, source_id, rules.mode, rules.body_selector, rules.drop_selectors)
    return rules


@dataclass(frozen=True, slots=True)
class ModeText:
    """What one mode gives on one page: its text (capped), or why it gave none."""

    mode: str
    text: str | None
    error: str | None = None
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class PreviewPage:
    article_id: int
    url: str
    title: str | None
    modes: tuple[ModeText, ...]
    fetch_error: str | None = None


def _mode_text(rules: ExtractionRules, html: str, url: str, feed_html: str | None) -> ModeText:
    try:
        text = extract_with(rules, html, url, feed_html=feed_html).text
    except Exception as exc:  # each mode's failure is shown in its column, never a failed page
        return ModeText(rules.mode, None, describe(as_stage_error(exc)))
    return ModeText(rules.mode, text[:PREVIEW_CHARS], truncated=len(text) > PREVIEW_CHARS)


def preview(settings: Settings, source_id: int, rules: ExtractionRules, *,
            limit: int = PREVIEW_ARTICLES) -> list[PreviewPage]:
    """Each mode's text on the source's latest ``limit`` articles (``rules``: the typed selectors)."""
    with session_scope(engine_for(settings.database_url)) as session:
        repo.get_source(session, source_id)
        pages = repo.latest_source_pages(session, source_id, limit)
    if not pages:
        return []
    short = settings.model_copy(update={"fetch_timeout": min(settings.fetch_timeout, PREVIEW_TIMEOUT)})
    per_mode = [ExtractionRules(mode, rules.body_selector, rules.drop_selectors) for mode in MODE_NAMES]

    async def one(fetcher: Fetcher, page: tuple[int, str, str | None, str | None]) -> PreviewPage:
        article_id, url, title, feed_html = page
        try:
            fetched = await fetcher.fetch(url, kind="page", accept_types=HTML_TYPES)
        except Exception as exc:
            error: StageError = as_stage_error(exc)
            return PreviewPage(article_id, url, title, (), fetch_error=describe(error))
        modes = await asyncio.to_thread(
            lambda: tuple(_mode_text(r, fetched.text, fetched.final_url, feed_html) for r in per_mode))
        return PreviewPage(article_id, url, title, modes)

    async def run() -> list[PreviewPage]:
        async with Fetcher(short) as fetcher:
            return list(await asyncio.gather(*(one(fetcher, page) for page in pages)))

    return asyncio.run(run())
