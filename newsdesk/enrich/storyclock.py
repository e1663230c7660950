"""The story clock: the time an article takes its place in the stream of stories.

Stories are built in the order articles happened, not the order they were fetched (a crawl resumed
after a day, or an archive import, fetches old news late). The publication time says when an
article happened, but feeds and pages also carry wrong ones: a date in the future, or a stale
"updated" date years old on a page fetched today. So the clock takes ``published_at`` when it is
plausible (not after ``fetched_at`` + ``slack``) and the fetch time otherwise, and articles are
processed by ``(story time, id)`` so ties are broken the same way on every run.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def story_time(published_at: datetime | None, fetched_at: datetime, *, slack: timedelta) -> datetime:
    """``published_at`` when known and not later than ``fetched_at + slack``, else ``fetched_at``.

    Why no lower bound: an archive imported today holds articles published years ago, and their
    publication time is exactly what orders them; an old date on a page fetched by the crawl only
    opens a story that closes at once, since nothing else is near it on the clock."""
    if published_at is None or published_at > fetched_at + slack:
        return fetched_at
    return published_at


def story_order(article_id: int, published_at: datetime | None, fetched_at: datetime, *,
                slack: timedelta) -> tuple[datetime, int]:
    """The sort key of the stories stage: story time, then id."""
    return story_time(published_at, fetched_at, slack=slack), article_id
