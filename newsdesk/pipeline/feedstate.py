"""A feed's state after a check, as pure functions returning a :class:`FeedUpdate`.

The crawl computes the update from what the check found and the feed's current state, and the
store applies it in the transaction that queues the feed's entries (STYLE.md habit 15). Every
successful check clears the last error, a 304 as much as new content: a feed that recovered shows
no stale failure.
"""

from __future__ import annotations

from datetime import datetime

from newsdesk.errors import FetchGone, StageError
from newsdesk.fetch.schedule import next_check_after_failure, next_check_after_success, poll_interval
from newsdesk.models import FeedKind, FeedStatus, FeedUpdate, ParsedFeed
from newsdesk.settings import Settings

EMPTY_FEED = "no entries (empty feed)"
_KINDS_FROM_CONTENT = (FeedKind.RSS, FeedKind.ATOM, FeedKind.JSON, FeedKind.SITEMAP)


def checked_ok(now: datetime, settings: Settings, parsed: ParsedFeed | None = None, *,
               etag: str | None = None, last_modified: str | None = None,
               current_title: str | None = None, freshness: float | None = None,
               learned_interval: int | None = None) -> FeedUpdate:
    """A successful check: new content (``parsed``) or not modified (``parsed`` None).

    The next check comes after the interval the feed's own signals give (``fetch/schedule.py``
    ``poll_interval``): its entries' dates and ttl when it changed, the interval learned before when
    it did not; ``freshness`` is the answer's HTTP lifetime either way. A 304's ``etag`` and
    ``last_modified``, when it sends them, replace the stored ones (RFC 9110 §15.4.5: they are the
    current validators); a 304 without them keeps the old ones.
    """
    if parsed is None:
        interval = poll_interval(settings, freshness=freshness, learned=learned_interval)
        validators = (etag, last_modified) if etag or last_modified else None
        return FeedUpdate(FeedStatus.ACTIVE.value, now, next_check_after_success(now, settings, interval), 0, None,
                          success_at=now, validators=validators, poll_interval=interval)
    interval = poll_interval(
        settings, entry_dates=[e.published_at or e.updated_at for e in parsed.entries],
        ttl=parsed.ttl, update_period=parsed.update_period, freshness=freshness, learned=learned_interval,
    )
    return FeedUpdate(
        FeedStatus.ACTIVE.value, now, next_check_after_success(now, settings, interval), 0,
        None if parsed.entries else EMPTY_FEED,
        success_at=now,
        validators=(etag, last_modified),
        kind=parsed.kind.value if parsed.kind in _KINDS_FROM_CONTENT else None,
        title=None if current_title else parsed.title,
        poll_interval=interval,
    )


def refused_locally(now: datetime, settings: Settings, *, status: str, failures_before: int,
                    learned_interval: int | None, message: str) -> FeedUpdate:
    """A check this installation refused before asking (a private address while
    ``fetch_allow_private_networks`` is off): the feed did nothing wrong, so it keeps its status
    and failure count and is checked again at its usual interval, with the reason shown."""
    interval = poll_interval(settings, learned=learned_interval)
    return FeedUpdate(status, now, next_check_after_success(now, settings, interval), failures_before, message)


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
