"""Full-text search on SQLite (FTS5 + Python Snowball stems) and PostgreSQL (tsvector), same assertions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, ArticleAuthor, SearchDoc, Source, Translation
from newsdesk.store.search import (
    SearchFilters,
    fts5_query,
    highlight,
    index_article,
    reindex_all,
    search,
)
from newsdesk.terms import stems_for_document

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def add(session, source: Source, n: int, title: str, body: str, lang: str, days: int = 0, **kw) -> Article:  # type: ignore[no-untyped-def]
    article = Article(source_id=source.id, url=f"https://o.example/{n}", canonical_url=f"https://o.example/{n}",
                      title=title, text=body, html=f"<p>{body}</p>", lang=lang, content_hash=f"{n:064x}",
                      published_at=T0 + timedelta(days=days), **kw)
    session.add(article)
    session.flush()
    index_article(session, article)
    return article


@pytest.fixture
def corpus(db_url: str) -> dict[str, int]:
    with session_scope(engine_for(db_url)) as session:
        one, two = Source(name="One"), Source(name="Two")
        session.add_all([one, two])
        session.flush()
        ids = {
            "ferry_title": add(session, one, 1, "Ferries return to the harbour", "Boats sail again at dawn.", "en").id,
            "ferry_body": add(session, two, 2, "Council meeting", "The council discussed a ferry timetable "
                              "and the budget for schools.", "en", days=1).id,
            "running": add(session, one, 3, "Marathon", "Thousands were running through the old town.", "en",
                           days=2, authors=["Anna Berg"]).id,
            "ru_news": add(session, two, 4, "Городские новости", "Мэр рассказал о новостях и планах на зиму.",
                           "ru", days=3).id,
            "ru_festival": add(session, one, 5, "Фестиваль", "На фестивалях выступили студенты.", "ru", days=4).id,
        }
        ru = session.get(Article, ids["ru_news"])
        assert ru is not None
        ru.translations.append(Translation(lang="en", title="City news", text="The mayor spoke about winter "
                                           "heating plans.", html="<p>…</p>", engine="test"))
        session.flush()
        index_article(session, ru)
    return ids


def ids_of(db_url: str, query: str, filters: SearchFilters | None = None) -> list[int]:
    with session_scope(engine_for(db_url)) as session:
        return [h.article_id for h in search(session, query, filters or SearchFilters())]


def test_english_stemming_and_ranking(db_url: str, corpus: dict[str, int]) -> None:
    found = ids_of(db_url, "ferry")
    assert set(found) == {corpus["ferry_title"], corpus["ferry_body"]}
    # the query's own form first (the body's "ferry"), then the stem (the headline's "Ferries");
    # between texts alike in that, a headline match outranks a body match (test_search_stemming)
    assert found == [corpus["ferry_body"], corpus["ferry_title"]]
    assert ids_of(db_url, "ferries")[0] == corpus["ferry_title"]
    assert ids_of(db_url, "runs") == [corpus["running"]]  # running → run ← runs
    assert ids_of(db_url, "ferry budget") == [corpus["ferry_body"]]  # every word must match
    assert ids_of(db_url, "submarine") == []
    assert ids_of(db_url, "   ") == []


def test_russian_stemming(db_url: str, corpus: dict[str, int]) -> None:
    assert ids_of(db_url, "новости") == [corpus["ru_news"]]  # "новостях" in the body, "новости" in the title
    assert ids_of(db_url, "фестиваль") == [corpus["ru_festival"]]
    assert ids_of(db_url, "студентов") == [corpus["ru_festival"]]


def test_translations_are_searchable(db_url: str, corpus: dict[str, int]) -> None:
    with session_scope(engine_for(db_url)) as session:
        hits = search(session, "heating")
        assert [(h.article_id, h.lang) for h in hits] == [(corpus["ru_news"], "en")]
        # a hit in both the original and the translation is one result
        assert len(search(session, "мэр")) == 1


def test_filters(db_url: str, corpus: dict[str, int]) -> None:
    with session_scope(engine_for(db_url)) as session:
        two = session.execute(select(Source.id).where(Source.name == "Two")).scalar_one()
    assert ids_of(db_url, "ferry", SearchFilters(source_id=two)) == [corpus["ferry_body"]]
    assert ids_of(db_url, "ferry", SearchFilters(lang="ru")) == []
    assert ids_of(db_url, "ferry", SearchFilters(date_from=T0 + timedelta(hours=12))) == [corpus["ferry_body"]]
    assert ids_of(db_url, "ferry", SearchFilters(date_to=T0 + timedelta(hours=12))) == [corpus["ferry_title"]]
    assert ids_of(db_url, "heating", SearchFilters(lang="en")) == [corpus["ru_news"]]


def test_hostile_queries_do_not_break_search(db_url: str, corpus: dict[str, int]) -> None:
    for query in ['"', "ferry OR", "NEAR(", "*", "ferry AND NOT", "a:b", "'; DROP TABLE articles; --",
                  "ferry\x00", "🚢 ferry", "x" * 1000]:
        ids_of(db_url, query)  # no exception
    assert ids_of(db_url, '"ferry"') == ids_of(db_url, "ferry")


def test_index_is_idempotent_and_follows_deletes(db_url: str, corpus: dict[str, int]) -> None:
    with session_scope(engine_for(db_url)) as session:
        article = session.get(Article, corpus["running"])
        assert article is not None
        index_article(session, article)
        index_article(session, article)
        count = session.execute(select(func.count()).select_from(SearchDoc)
                                .where(SearchDoc.article_id == article.id)).scalar_one()
        assert count == 1
        assert session.execute(select(ArticleAuthor.name).where(ArticleAuthor.article_id == article.id)) \
            .scalars().all() == ["Anna Berg"]
        article.title = "Cycling race"
        index_article(session, article)
    assert ids_of(db_url, "cycling") == [corpus["running"]]
    with session_scope(engine_for(db_url)) as session:
        session.delete(session.get(Article, corpus["running"]))
    assert ids_of(db_url, "cycling") == [] and ids_of(db_url, "running") == []
    with session_scope(engine_for(db_url)) as session:
        assert reindex_all(session) == 4
    assert set(ids_of(db_url, "ferry")) == {corpus["ferry_title"], corpus["ferry_body"]}


def test_highlight_marks_whole_words_and_escapes() -> None:
    text = "Intro words here. <b>The</b> ferries were running late & the harbour was full of boats."
    snippet = str(highlight(text, "ferry run"))
    assert "<mark>ferries</mark>" in snippet and "<mark>running</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet and "&amp;" in snippet
    long = " ".join(["filler"] * 100) + " the ferry came " + " ".join(["filler"] * 100)
    around = str(highlight(long, "ferry"))
    assert around.startswith("…") and around.endswith("…") and "<mark>ferry</mark>" in around
    ru = str(highlight("Мэр рассказал о новостях города.", "новости", "ru"))
    assert "<mark>новостях</mark>" in ru


def test_stemming_by_script() -> None:
    assert stems_for_document("Новости running", "ru") == ["новост", "run"]
    assert stems_for_document("Häuser laufen", "de") == ["haus", "lauf"]
    assert fts5_query("running новостями") == '("run" OR "running") AND ("новост" OR "новостями"*)'
    assert fts5_query('" OR *') == '("or")'
    assert fts5_query("") is None


def test_newest_texts_are_ranked_first_then_the_whole_archive(db_url: str, corpus: dict[str, int]) -> None:
    with session_scope(engine_for(db_url)) as session:
        # window of the two newest texts (the festival article, the news article's translation)
        assert [h.article_id for h in search(session, "фестиваль", recent_window=2, limit=1)] == [
            corpus["ru_festival"]
        ]
        # the window cannot fill the page: the whole archive is ranked, the query's own form first
        hits = search(session, "ferry", recent_window=2)
        assert [h.article_id for h in hits] == [corpus["ferry_body"], corpus["ferry_title"]]
