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


def test_long_metadata_fits_its_columns_on_every_backend(db_url: str) -> None:
    """A page whose section and outlet name exceed their columns is stored on PostgreSQL as on
    SQLite (which would keep any length), cut at a word; a feed's long title too, and a validator
    too long to keep whole is dropped (a cut ETag never matches)."""
    from datetime import UTC, datetime

    from newsdesk.extract.article import extract_article
    from newsdesk.models import FeedUpdate
    from newsdesk.store.schema import Feed

    section = " ".join(["Politics and government news from every region"] * 10)  # 490 characters
    outlet = " ".join(["The Very Long Name Of A Regional Evening Newspaper"] * 7)
    body = "".join(f"<p>Paragraph {i} of a real article body with enough words to be kept as text.</p>"
                   for i in range(8))
    page = (f'<html><head><title>A headline</title><meta property="article:section" content="{section}">'
            f'<meta property="og:site_name" content="{outlet}"></head>'
            f"<body><article><h1>A headline</h1>{body}</article></body></html>")
    extracted = extract_article(page, "https://example.com/long")
    assert extracted.section and len(extracted.section) > 200  # extraction keeps more than the column
    with session_scope(engine_for(db_url)) as session:
        stored = repo.insert_article(session, extracted=extracted, url="https://example.com/long",
                                     canonical_url="https://example.com/long", other_urls=[],
                                     content_hash="long", source_id=None, hints={"section": section})
        source = repo.add_source(session, name=outlet * 3)
        feed = repo.add_feed(session, source, url="https://example.com/feed", kind="rss", title=section * 2)
        now = datetime(2026, 1, 5, tzinfo=UTC)
        repo.apply_feed_update(feed, FeedUpdate("active", now, now, 0, None, success_at=now,
                                                validators=('"' + "e" * 600 + '"', "Mon, 05 Jan 2026 00:00:00 GMT"),
                                                title=section * 2))
    with session_scope(engine_for(db_url)) as session:
        row = session.get(Article, stored.id)
        assert row is not None and row.section is not None and row.site_name is not None
        assert 160 < len(row.section) <= 200 and section.startswith(row.section) and not row.section.endswith(" ")
        assert len(row.site_name) <= 300 and outlet.startswith(row.site_name)
        feed_row = session.scalars(select(Feed)).one()
        assert feed_row.title is not None and len(feed_row.title) <= 500
        assert feed_row.etag is None and feed_row.last_modified == "Mon, 05 Jan 2026 00:00:00 GMT"
        assert len(feed_row.source.name) <= 300
