"""Read models only the Fever API needs: items paged by article id, the visible total, feed check times.

Fever pages by item id (``since_id`` ascending, ``max_id`` descending), not by the (fetched_at, id)
stream order of ``store.reading``; these queries reuse reading's own visibility rule (subscribed,
not hidden by a rule) so an id page and a stream page can never disagree about what a reader sees.
The id order is the primary key's, so a page is a short index range, not a sort of every article.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsdesk.store import reading
from newsdesk.store.schema import Article, Feed

MAX_SOURCES_FILTER = 10_000  # why: a filter list longer than anyone follows is cut, not sent to the database


def page_ids(session: Session, user_id: int, *, since_id: int | None = None, max_id: int | None = None,
             sources: Collection[int] | None = None, limit: int = 50) -> list[int]:
    """Ids of the user's visible articles: above ``since_id`` oldest first, or below ``max_id``
    newest first (``max_id`` 0: the newest); ``sources`` limits them to those sources."""
    query = reading.visible_articles(user_id, (Article.id,))
    if sources is not None:
        if not sources:
            return []
        query = query.where(Article.source_id.in_(sorted(sources)[:MAX_SOURCES_FILTER]))
    if max_id is not None:
        if max_id > 0:
            query = query.where(Article.id < max_id)
        query = query.order_by(Article.id.desc())
    else:
        query = query.where(Article.id > (since_id or 0)).order_by(Article.id.asc())
    return list(session.scalars(query.limit(max(1, limit))))


def total_items(session: Session, user_id: int) -> int:
    """How many articles the user can see (Fever's ``total_items``)."""
    query = reading.visible_articles(user_id, (func.count(),))
    return int(session.execute(query).scalar_one())


def last_checked(session: Session, source_ids: Sequence[int]) -> dict[int, datetime]:
    """When each source's feeds were last checked (the latest of its feeds): ``last_updated_on_time``."""
    found: dict[int, datetime] = {}
    for start in range(0, len(source_ids), 500):
        chunk = list(source_ids[start:start + 500])
        rows = session.execute(select(Feed.source_id, func.max(Feed.last_checked_at))
                               .where(Feed.source_id.in_(chunk)).group_by(Feed.source_id))
        found.update({source_id: at for source_id, at in rows if at is not None})
    return found


__all__ = ["last_checked", "page_ids", "total_items"]
