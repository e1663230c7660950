"""When to check a feed next: a steady interval when healthy, capped exponential backoff with
jitter when failing, and the server's own Retry-After when it gave one.

A failing feed is never dropped: its delay grows to ``feed_backoff_max`` and stays there, and its
status and last error stay visible until it recovers or an admin removes it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from newsdesk.settings import Settings

# Jitter spreads retries of many feeds that failed together (one outage) over time (why: avoids a
# thundering herd on the host when it comes back).
JITTER = 0.2


def next_check_after_success(now: datetime, settings: Settings) -> datetime:
    return now + timedelta(seconds=settings.feed_interval)


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
