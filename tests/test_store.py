"""The write side of storage on both backends: the dedup lookup, entry bookkeeping, the fetch log."""

from __future__ import annotations

from sqlalchemy import select

from newsdesk.models import ExtractedArticle, FetchRecord
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, ArticleUrl, Entry, FetchLog


def _insert(session: object, n: int) -> int:
    article = repo.insert_article(
        session,  # type: ignore[arg-type]
        extracted=ExtractedArticle(text=f"Body {n}", html=f"<p>Body {n}</p>", title=f"Title {n}",
                                   authors=("Ann Writer",)),
        url=f"https://example.com/{n}", canonical_url=f"https://example.com/{n}",
        other_urls=[f"https://example.com/amp/{n}"], content_hash=f"hash-{n}", source_id=None,
    )
    return article.id


def test_find_article_prefers_a_url_match_over_a_body_match(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        first, second = _insert(session, 1), _insert(session, 2)
        # a URL of the second article and the body of the first: the URL decides
        assert repo.find_article(session, ["https://example.com/amp/2"], "hash-1") == (second, "https://example.com/2")
        assert repo.find_article(session, ["https://example.com/nowhere"], "hash-1") == (first, "https://example.com/1")
        assert repo.find_article(session, ["https://example.com/1"], None) == (first, "https://example.com/1")
        assert repo.find_article(session, ["https://example.com/nowhere"], "hash-9") is None
        assert repo.find_article(session, [], None) is None
    with session_scope(engine_for(db_url)) as session:
        stored = session.get(Article, first)
        assert stored is not None and stored.title == "Title 1" and stored.authors == ["Ann Writer"]
        assert stored.fetched_at is not None and stored.fetched_at.tzinfo is not None
        urls = set(session.scalars(select(ArticleUrl.url).where(ArticleUrl.article_id == first)))
        assert urls == {"https://example.com/1", "https://example.com/amp/1"}


def test_mark_entry_counts_attempts_and_keeps_the_article(db_url: str) -> None:
    from newsdesk.models import EntryRef

    with session_scope(engine_for(db_url)) as session:
        article_id = _insert(session, 3)
        entry = repo.queue_entry(session, url="https://example.com/3", source_id=None, feed_id=None,
                                 ref=EntryRef(url="https://example.com/3"))
        session.flush()
        entry_id = entry.id
        repo.mark_entry(session, entry_id, "retry", error="fetch: timeout")
        repo.mark_entry(session, entry_id, "done", article_id=article_id)
        repo.mark_entry(session, entry_id, "done")  # a later mark without an article keeps it
        repo.record_fetches(session, [FetchRecord("https://example.com/3", "page", 200, 1234, 0.25, "ok")])
    with session_scope(engine_for(db_url)) as session:
        stored = session.get(Entry, entry_id)
        assert stored is not None
        assert (stored.status, stored.attempts, stored.article_id, stored.last_error) == ("done", 3, article_id, None)
        log = session.scalars(select(FetchLog)).one()
        assert (log.url, log.status, log.bytes, log.duration_ms, log.outcome) == (
            "https://example.com/3", 200, 1234, 250, "ok")
        assert log.at is not None
