"""The site's read models and change counter on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from newsdesk.errors import Retry
from newsdesk.store import comments, queries
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.queries import ListFilters
from newsdesk.store.schema import Article, Comment
from newsdesk.store.search import index_article
from tests.support.webdata import seed_articles


def test_lists_rails_and_cursors(db_url: str) -> None:
    seeded = seed_articles(db_url, 24)
    with session_scope(engine_for(db_url)) as session:
        page1, more = queries.list_page(session, page_size=10)
        page3, more3 = queries.list_page(session, page=3, page_size=10)
        assert more and not more3 and len(page3) == 4
        times = [t.published_at for t in page1]
        assert times == sorted(times, reverse=True)  # newest first
        ru, _ = queries.list_page(session, ListFilters(lang="ru"), page_size=50)
        assert ru and {t.lang for t in ru} == {"ru"}
        by_author, _ = queries.list_page(session, ListFilters(author="Anna Berg"), page_size=50)
        assert by_author and all("Anna Berg" in t.authors for t in by_author)
        seen, cursor = [], None
        while True:
            batch, cursor = queries.list_after(session, ListFilters(source_id=seeded.source_ids[0]), cursor=cursor,
                                               limit=3)
            seen += [t.id for t in batch]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 8
        rail = queries.more_from_source(session, seeded.source_ids[0], seen[0], 5)
        assert len(rail) == 5 and seen[0] not in {t.id for t in rail}
        assert all(len(t.snippet) <= 160 for t in rail)
        by = queries.more_by_author(session, "Anna Berg", by_author[0].id, 5)
        assert by and by_author[0].id not in {t.id for t in by}
        detail = queries.get_article(session, seen[0])
        assert detail is not None and detail.source is not None and detail.source.id == seeded.source_ids[0]


def test_articles_without_dates_come_last_and_paginate(db_url: str) -> None:
    seed_articles(db_url, 5)
    with session_scope(engine_for(db_url)) as session:
        session.execute(update(Article).where(Article.id.in_([2, 4])).values(published_at=None))
    with session_scope(engine_for(db_url)) as session:
        first, cursor = queries.list_after(session, limit=3)
        rest, end = queries.list_after(session, cursor=cursor, limit=3)
        ids = [t.id for t in first + rest]
        assert end is None and sorted(ids) == [1, 2, 3, 4, 5] and set(ids[-2:]) == {2, 4}


def test_change_counter_moves_with_every_shown_write(db_url: str) -> None:
    seeded = seed_articles(db_url, 2)
    engine = engine_for(db_url)
    with session_scope(engine) as session:
        before = queries.last_change(session)
    with session_scope(engine) as session:
        article = Article(source_id=seeded.source_ids[0], url="https://x.example/n", canonical_url="https://x.example/n",
                          title="New", content_hash="n" * 64, published_at=datetime.now(UTC))
        session.add(article)
        session.flush()
        index_article(session, article)
    with session_scope(engine) as session:
        after_article = queries.last_change(session)
        assert after_article > before
        comments.post_comment(session, article_id=article.id, body="Hello there", author_name=None,
                              ip_hash="h", moderation="hold")
    with session_scope(engine) as session:
        after_comment = queries.last_change(session)
        assert after_comment > after_article
        comment_id = session.query(Comment.id).scalar()
        assert comments.moderate(session, comment_id, "approve")
    with session_scope(engine) as session:
        assert queries.last_change(session) > after_comment
        shown = queries.published_comments(session, article.id)
        assert [c.body for c in shown] == ["Hello there"]


def test_comment_rate_limit_window(db_url: str) -> None:
    seed_articles(db_url, 1)
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    with session_scope(engine_for(db_url)) as session:
        for minute in range(3):
            comments.post_comment(session, article_id=1, body=f"n{minute}", author_name="a", ip_hash="ip",
                                  rate_limit=3, now=now + timedelta(minutes=minute))
        with pytest.raises(Retry) as blocked:
            comments.post_comment(session, article_id=1, body="blocked", author_name="a", ip_hash="ip",
                                  rate_limit=3, now=now + timedelta(minutes=5))
        assert blocked.value.reason == "rate_limited"
        # another address is not limited; ten minutes later the first one may post again
        comments.post_comment(session, article_id=1, body="other", author_name=None, ip_hash="ip2", rate_limit=3,
                              now=now + timedelta(minutes=5))
        comments.post_comment(session, article_id=1, body="later", author_name=None, ip_hash="ip", rate_limit=3,
                              now=now + timedelta(minutes=12))
