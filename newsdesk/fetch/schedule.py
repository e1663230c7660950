"""When to check a feed next: an interval learned from the feed when healthy, capped exponential
backoff with jitter when failing, and the server's own Retry-After when it gave one.

A healthy feed's interval (:func:`poll_interval`) follows what the feed says: how often it
publishes (the median gap between its recent entries' dates), and how long it asks to be left alone
(RSS ``ttl``, ``sy:updatePeriod``/``sy:updateFrequency``, HTTP ``Cache-Control: max-age`` and
``Expires``), always within ``poll_min_interval`` and ``poll_max_interval``. As Miniflux does, the
feed's hints are a floor: polling before the feed says it changes finds nothing.

A failing feed is never dropped: its delay grows to ``feed_backoff_max`` and stays there, and its
status and last error stay visible until it recovers or an admin removes it.
"""

from __future__ import annotations

import random
import re
import statistics
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from newsdesk.settings import Settings

# Jitter spreads retries of many feeds that failed together (one outage) over time (why: avoids a
# thundering herd on the host when it comes back).
JITTER = 0.2
# The publishing rate is read from the newest this many entry dates (why: recent behaviour predicts
# the next entry; a feed's year-old archive tail would slow a feed that became busy) and needs at
# least MIN_RATE_DATES distinct dates (why: two dates make one gap, too little to call a rate).
RATE_SAMPLE = 20
MIN_RATE_DATES = 3
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_HINT = re.compile(r"(?:^|[,\s])(no-cache|no-store)\b", re.IGNORECASE)


def next_check_after_success(now: datetime, settings: Settings, interval: float | None = None) -> datetime:
    """``interval`` seconds from ``now`` (the learned one), else ``feed_interval``."""
    return now + timedelta(seconds=settings.feed_interval if interval is None else interval)


def freshness_lifetime(cache_control: str | None, expires: str | None, date: str | None,
                       *, now: float | None = None) -> float | None:
    """Seconds an HTTP answer stays fresh: ``max-age``, else ``Expires`` minus ``Date`` (RFC 9111
    §4.2.1; ``now`` stands in for a missing Date). None when the answer gives no lifetime, or forbids
    caching (``no-cache``/``no-store`` say nothing about how often the feed changes)."""
    if cache_control:
        if _NO_HINT.search(cache_control):
            return None
        match = _MAX_AGE.search(cache_control)
        if match:
            return float(match.group(1))
    if not expires:
        return None
    until = _http_date(expires)
    since = _http_date(date) if date else None
    base = since.timestamp() if since is not None else now
    if until is None or base is None:
        return None  # an invalid Expires ("0", "-1") means already expired: no hint
    return max(0.0, until.timestamp() - base)


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def publishing_gap(dates: Iterable[datetime | None]) -> float | None:
    """The median gap (seconds) between the newest distinct entry dates, or None with too few."""
    newest = sorted({d for d in dates if d is not None}, reverse=True)[:RATE_SAMPLE]
    if len(newest) < MIN_RATE_DATES:
        return None
    return statistics.median((a - b).total_seconds() for a, b in zip(newest, newest[1:], strict=False))


def poll_interval(settings: Settings, *, entry_dates: Iterable[datetime | None] = (), ttl: float | None = None,
                  update_period: float | None = None, freshness: float | None = None,
                  learned: float | None = None) -> int:
    """Seconds until a healthy feed's next check.

    The base is the feed's publishing rate (``entry_dates``), else the interval ``learned`` at an
    earlier check (a 304 carries no entries), else ``feed_interval``. The feed's own hints (``ttl``,
    ``update_period``, HTTP ``freshness``) are a floor over it; the result is clamped to
    ``poll_min_interval``…``poll_max_interval``.
    """
    base = publishing_gap(entry_dates)
    if base is None:
        base = float(learned) if learned is not None else float(settings.feed_interval)
    hints = [h for h in (ttl, update_period, freshness) if h is not None and h >= 0]
    interval = max([base, *hints])
    return int(min(max(interval, settings.poll_min_interval), settings.poll_max_interval))


def backoff_delay(failures: int, settings: Settings, *, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``failures``-th consecutive failure (1 = first)."""
    rng = rng or random.Random()
    exponent = max(0, failures - 1)
    delay = min(settings.feed_backoff_max, settings.feed_backoff_base * (2 ** min(exponent, 32)))
    # the cap holds after the jitter too: a failing feed is never left longer than feed_backoff_max
    jittered = min(float(settings.feed_backoff_max), delay * (1 + rng.uniform(-JITTER, JITTER)))
    return max(1.0, jittered)


def next_check_after_failure(
    now: datetime,
    failures: int,
    settings: Settings,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The next check of a failing feed; a server's Retry-After is honoured (capped at the max)."""
    delay = backoff_delay(failures, settings, rng=rng)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), float(settings.feed_backoff_max)))
    return now + timedelta(seconds=delay)
