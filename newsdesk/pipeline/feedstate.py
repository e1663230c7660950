"""A feed's state after a check, as pure functions returning a :class:`FeedUpdate`.

The crawl computes the update from what the check found and the feed's current state, and the
store applies it in the transaction that queues the feed's entries (STYLE.md habit 15). Every
successful check clears the last error, a 304 as much as new content: a feed that recovered shows
no stale failure.
"""

from __future__ import annotations

from datetime import datetime

from newsdesk.errors import FetchGone, StageError
from newsdesk.fetch.schedule import next_check_after_failure, next_check_after_success
from newsdesk.models import FeedKind, FeedStatus, FeedUpdate, ParsedFeed
from newsdesk.settings import Settings

EMPTY_FEED = "no entries (empty feed)"
_KINDS_FROM_CONTENT = (FeedKind.RSS, FeedKind.ATOM, FeedKind.JSON, FeedKind.SITEMAP)


def checked_ok(now: datetime, settings: Settings, parsed: ParsedFeed | None = None, *,
               etag: str | None = None, last_modified: str | None = None,
               current_title: str | None = None) -> FeedUpdate:
    """A successful check: new content (``parsed``) or not modified (``parsed`` None)."""
    if parsed is None:
        return FeedUpdate(FeedStatus.ACTIVE.value, now, next_check_after_success(now, settings), 0, None,
                          success_at=now)
    return FeedUpdate(
        FeedStatus.ACTIVE.value, now, next_check_after_success(now, settings), 0,
        None if parsed.entries else EMPTY_FEED,
        success_at=now,
        validators=(etag, last_modified),
        kind=parsed.kind.value if parsed.kind in _KINDS_FROM_CONTENT else None,
        title=None if current_title else parsed.title,
    )


def checked_failed(now: datetime, settings: Settings, error: StageError, *, failures_before: int,
                   message: str) -> FeedUpdate:
    """A failed check: one more failure in a row; gone for good after a 410 or repeated 404s."""
    failures = failures_before + 1
    gone = isinstance(error, FetchGone) and (error.reason == "gone" or failures >= settings.feed_gone_after)
    next_check = None if gone else next_check_after_failure(
        now, failures, settings, retry_after=getattr(error, "retry_after", None)
    )
    status = FeedStatus.GONE.value if gone else FeedStatus.FAILING.value
    return FeedUpdate(status, now, next_check, failures, message)
