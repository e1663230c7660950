"""The wall clock, as a value to hand in: ``Clock`` is what pages, relative times, feeds and schedules
call for "now".

Code that needs the time takes a ``clock`` (or a ``now=``) instead of calling ``datetime.now``, so a
test pins it next to its fixtures' dates and passes on any day, in any time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The system's time, aware and in UTC (the default ``Clock``)."""
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    """A clock stopped at ``at`` (for tests and for rendering "as of" a moment)."""
    if at.tzinfo is None:
        raise ValueError("clock: a fixed time must be timezone-aware")
    return lambda: at


__all__ = ["Clock", "fixed_clock", "system_clock"]
