"""Small read queries the app APIs (Google Reader, Fever) need beside ``store.reading``.

They answer questions the protocols ask that the reading store has no reason to: the newest crawl
time per subscribed source (GReader's ``newestItemTimestampUsec``), the crawl time of one article (a
continuation names the last item sent, and the next page starts after it), and which source a feed
URL belongs to (clients may name a feed as ``feed/<url>`` instead of ``feed/<id>``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsdesk.store.schema import Article, Feed, Source, Subscription


def newest_fetched(session: Session, user_id: int) -> dict[int, datetime]:
    """The newest article's crawl time of each of the user's subscribed sources (with articles)."""
    rows = session.execute(
        select(Article.source_id, func.max(Article.fetched_at))
        .join(Subscription, Subscription.source_id == Article.source_id)
        .where(Subscription.user_id == user_id).group_by(Article.source_id))
    return {source_id: at for source_id, at in rows if source_id is not None and at is not None}


def fetched_at_of(session: Session, article_id: int) -> datetime | None:
    """When an article was crawled (whoever may see it: the caller has already checked)."""
    return session.scalar(select(Article.fetched_at).where(Article.id == article_id))


def source_of_url(session: Session, url: str) -> int | None:
    """The source that has a feed at ``url``, else the one whose home page it is; None when neither."""
    url = url.strip()
    found = session.scalar(select(Feed.source_id).where(Feed.url == url).limit(1))
    if found is None:
        found = session.scalar(select(Source.id).where(Source.home_url == url).order_by(Source.id).limit(1))
    return found


__all__ = ["fetched_at_of", "newest_fetched", "source_of_url"]
