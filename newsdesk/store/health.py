"""Feed health: one read model for ``newsdesk sources health`` and the admin's health page.

Everything comes from what is stored already: the feed's row (status, last success, the last
error, cleared by a success, so nothing stale shows; what a successful check remarks, such as
an empty feed, is a note, not a failure), the fetch log (how often its recent checks
failed) and the articles its entries led to (how many a day). The failure's plain words come from
:func:`newsdesk.errors.explain_failure`, the one place that names failure kinds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from newsdesk.errors import FailureKind, explain_failure, plain_message, split_described
from newsdesk.models import FeedStatus
from newsdesk.store.schema import Article, Entry, Feed, FetchLog, Source, WebSubSubscription

# How many of a feed's newest checks "recent failures" counts (why: at the default 15-minute
# interval ten checks are the last two and a half hours of a healthy feed, and, backing off, the
# last day or so of a failing one: enough to tell a blip from a habit).
RECENT_CHECKS = 10
# The windows articles a day are averaged over (why: a week shows the current rhythm, including
# weekends; a month smooths out a quiet week).
SHORT_DAYS, LONG_DAYS = 7, 30
_SUCCESS_OUTCOMES = ("ok", "not_modified")
_FAILED = (FeedStatus.FAILING.value, FeedStatus.GONE.value)
# Problems first on the page: a failing feed is what an admin opens the page for.
_ORDER = {FeedStatus.FAILING.value: 0, FeedStatus.GONE.value: 1, FeedStatus.ACTIVE.value: 2,
          FeedStatus.PAUSED.value: 3}


@dataclass(frozen=True)
class FeedHealth:
    feed_id: int
    source_id: int
    source_name: str
    url: str
    kind: str
    status: str
    mode: str  # "poll" or "push" (see delivery_modes)
    last_checked_at: datetime | None
    last_success_at: datetime | None
    next_check_at: datetime | None
    last_error: str | None  # the stored message in plain words, without stage prefixes or code
    failure: FailureKind | None  # what kind of failure that was, in words
    note: str | None  # what the last successful check remarked on (an empty feed)
    consecutive_failures: int
    recent_checks: int  # how many checks the fetch log holds, up to RECENT_CHECKS
    recent_failures: int  # how many of those failed
    articles_short: int  # articles in the last SHORT_DAYS days
    articles_long: int  # … and in the last LONG_DAYS days

    @property
    def per_day_short(self) -> float:
        return round(self.articles_short / SHORT_DAYS, 1)

    @property
    def per_day_long(self) -> float:
        return round(self.articles_long / LONG_DAYS, 1)

    def as_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "feed_id": self.feed_id, "source_id": self.source_id, "source": self.source_name, "url": self.url,
            "kind": self.kind, "status": self.status, "mode": self.mode,
            "last_checked_at": iso(self.last_checked_at), "last_success_at": iso(self.last_success_at),
            "next_check_at": iso(self.next_check_at),
            "last_error": None if self.failure is None else {
                "reason": self.failure.kind, "words": self.failure.words, "local_setting": self.failure.local,
                "message": self.last_error,
            },
            "note": self.note,
            "consecutive_failures": self.consecutive_failures,
            "recent_checks": self.recent_checks, "recent_failures": self.recent_failures,
            f"articles_{SHORT_DAYS}d": self.articles_short, f"articles_{LONG_DAYS}d": self.articles_long,
            f"per_day_{SHORT_DAYS}d": self.per_day_short, f"per_day_{LONG_DAYS}d": self.per_day_long,
        }


@dataclass(frozen=True)
class HealthView:
    now: datetime
    feeds: tuple[FeedHealth, ...]

    @property
    def failing(self) -> int:
        return sum(1 for f in self.feeds if f.failure is not None)

    def as_dict(self) -> dict[str, Any]:
        return {"now": self.now.isoformat(), "recent_checks": RECENT_CHECKS, "windows_days": [SHORT_DAYS, LONG_DAYS],
                "feeds_total": len(self.feeds), "feeds_failing": self.failing,
                "feeds": [f.as_dict() for f in self.feeds]}


def delivery_modes(session: Session, feed_ids: Iterable[int], now: datetime) -> dict[int, str]:
    """How each feed's entries reach us: "push" (a verified WebSub subscription, unexpired at
    ``now``: the rule of ``store.websub.is_pushed``) or "poll". The one place the page and the CLI
    ask."""
    ids = list(feed_ids)
    pushed = set(session.scalars(
        select(WebSubSubscription.feed_id).where(
            WebSubSubscription.feed_id.in_(ids), WebSubSubscription.state == "active",
            or_(WebSubSubscription.expires_at.is_(None), WebSubSubscription.expires_at > now),
        )
    )) if ids else set()
    return {feed_id: "push" if feed_id in pushed else "poll" for feed_id in ids}


def _recent_checks(session: Session) -> dict[int, tuple[int, int]]:
    """(checks, failures) among each feed's RECENT_CHECKS newest checks in the fetch log."""
    ranked = (
        select(
            FetchLog.feed_id.label("feed_id"),
            FetchLog.outcome.label("outcome"),
            func.row_number().over(partition_by=FetchLog.feed_id, order_by=FetchLog.id.desc()).label("rank"),
        )
        .where(FetchLog.feed_id.is_not(None), FetchLog.kind == "feed")
        .subquery()
    )
    failed = case((ranked.c.outcome.in_(_SUCCESS_OUTCOMES), 0), else_=1)
    query = (select(ranked.c.feed_id, func.count(), func.sum(failed))
             .where(ranked.c.rank <= RECENT_CHECKS).group_by(ranked.c.feed_id))
    return {int(feed_id): (int(checks), int(failures or 0)) for feed_id, checks, failures in session.execute(query)}


def _article_counts(session: Session, now: datetime) -> dict[int, tuple[int, int]]:
    """Articles each feed led to, dated within the short and the long window before ``now`` (an
    undated article counts at the time it was stored)."""
    when = func.coalesce(Article.published_at, Article.fetched_at)
    short_start = now - timedelta(days=SHORT_DAYS)
    in_short = case((when > short_start, 1), else_=0)
    query = (
        select(Entry.feed_id, func.sum(in_short), func.count(func.distinct(Article.id)))
        .join(Article, Article.id == Entry.article_id)
        .where(Entry.feed_id.is_not(None), when > now - timedelta(days=LONG_DAYS), when <= now)
        .group_by(Entry.feed_id)
    )
    return {int(feed_id): (int(short or 0), int(long)) for feed_id, short, long in session.execute(query)}


def feed_health(session: Session, now: datetime) -> HealthView:
    """The health of every followed feed as of ``now``, problems first."""
    rows = session.execute(select(Feed, Source.name).join(Source, Source.id == Feed.source_id)).all()
    checks = _recent_checks(session)
    counts = _article_counts(session, now)
    modes = delivery_modes(session, [feed.id for feed, _ in rows], now)
    feeds = [_feed_health(feed, name, modes[feed.id], checks.get(feed.id, (0, 0)), counts.get(feed.id, (0, 0)))
             for feed, name in rows]
    feeds.sort(key=lambda f: (_ORDER.get(f.status, 9), f.source_name.casefold(), f.feed_id))
    return HealthView(now, tuple(feeds))


def _feed_health(feed: Feed, source_name: str, mode: str, checks: tuple[int, int],
                 counts: tuple[int, int]) -> FeedHealth:
    message, failure, note = None, None, None
    if feed.last_error:
        message, code = split_described(feed.last_error)
        message = plain_message(message)
        # a coded error is a failed check even when it does not count against the feed (a local
        # setting refused it); an uncoded one on a healthy feed was written by a successful check
        if code is not None or feed.consecutive_failures or feed.status in _FAILED:
            failure = explain_failure(code, message)
        else:  # "no entries (empty feed)": worth a look, not a failure
            message, note = None, message
    return FeedHealth(
        feed_id=feed.id, source_id=feed.source_id, source_name=source_name, url=feed.url, kind=feed.kind,
        status=feed.status, mode=mode, last_checked_at=feed.last_checked_at,
        last_success_at=feed.last_success_at, next_check_at=feed.next_check_at,
        last_error=message, failure=failure, note=note, consecutive_failures=feed.consecutive_failures or 0,
        recent_checks=checks[0], recent_failures=checks[1], articles_short=counts[0], articles_long=counts[1],
    )
