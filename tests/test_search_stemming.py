"""Stems over-reach; the search ranks a text with the query word itself above one that only shares a stem.

The dictionary reference is pymorphy3 (with its OpenCorpora dictionary, a test-only dependency):
two words are the same word when they share a lemma. Over the news vocabulary below, Snowball
conflates words of different lemmas and splits forms of one lemma; ``test_form_matches_mend_...``
pins how often each happens for stems alone and for what ranks first (a form match).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from itertools import combinations

import pymorphy3
import pytest
from sqlalchemy import text

from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Source
from newsdesk.store.search import PG_CONFIG, SearchFilters, highlight, index_article, reindex_all, search
from newsdesk.terms import form_prefix, index_terms, stem, stems_for_document, words

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

# Forms from Russian news text: each line one or two roots in several cases, chosen so that some
# share a Snowball stem across lemmas (паром / пара, мир / мирный) and some split one lemma.
RUSSIAN_TEXT = """
паром парома парому паромом пароме паромы паромов паромами
пара пары паре пару парой парами пар
выбор выбора выбором выборы выборов выборах
новость новости новостей новостями новостях
мир мира миру миром мире мирный мирного мирные
сталь стали сталью стальной
город города городу городом городе городов городах
власть власти властей властями
суд суда суду судом суде суды судов
закон закона законом законы законов законный
страна страны стране страну страной стран странами
война войны войне войну войной войн
банк банка банку банком банки банков
рынок рынка рынку рынком рынки рынков
президент президента президенту президентом
министр министра министром министры министров
"""
RUSSIAN_WORDS = words(RUSSIAN_TEXT)

# English word pairs that a stem conflates although they are different words, and pairs that are one word.
ENGLISH_DIFFERENT = [("news", "new"), ("business", "busy"), ("animal", "animation"), ("policies", "police"),
                     ("parties", "parts"), ("universe", "universities"), ("general", "generous")]
ENGLISH_SAME = [("ferry", "ferries"), ("run", "running"), ("university", "universities"), ("party", "parties"),
                ("animal", "animals"), ("policy", "policies")]


@pytest.fixture(scope="module")
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def lemma(morph: pymorphy3.MorphAnalyzer, word: str) -> str:
    return str(morph.parse(word)[0].normal_form)


def ru_stem(word: str) -> str:
    return stem(word, "russian")


def first_rank(query: str, form: str) -> bool:
    """Whether a text holding ``form`` gets form points for ``query`` (ranks above stem-only texts)."""
    return form == query or (form_prefix(query) and form.startswith(query))


def rates(morph: pymorphy3.MorphAnalyzer) -> dict[str, float]:
    pairs = list(combinations(dict.fromkeys(RUSSIAN_WORDS), 2))
    different = [(a, b) for a, b in pairs if lemma(morph, a) != lemma(morph, b)]
    same = [(a, b) for a, b in pairs if lemma(morph, a) == lemma(morph, b)]
    # A query word a and a text word b: found by the stem, and put first by a form match.
    return {
        "stem_conflates": sum(ru_stem(a) == ru_stem(b) for a, b in different) / len(different),
        "first_conflates": sum(first_rank(a, b) or first_rank(b, a) for a, b in different) / len(different),
        "stem_splits": sum(ru_stem(a) != ru_stem(b) for a, b in same) / len(same),
        "found_splits": sum(ru_stem(a) != ru_stem(b) and not first_rank(a, b) and not first_rank(b, a)
                            for a, b in same) / len(same),
    }


def test_form_matches_mend_what_the_stemmer_conflates_and_splits(morph: pymorphy3.MorphAnalyzer) -> None:
    measured = rates(morph)
    # Measured over RUSSIAN_WORDS: the stemmer conflates 0.83% of different-lemma pairs (паром,
    # парому with пара, пары…; суд with судов "vessels") and splits 8.0% of one lemma's pairs
    # (паром | паромом, рынок | рынка). What ranks first conflates 0.14% (выбор with выборы, which
    # the dictionary holds apart, and derivations: закон → законный), and 5.2% of one lemma's
    # pairs are still apart (the fleeting vowel of рынок | рынка, парому | паромом): such a form
    # is still found through the stems of the text's other forms. Floors: the measured values, rounded up.
    assert measured["stem_conflates"] > measured["first_conflates"], measured
    assert measured["first_conflates"] <= 0.002, measured
    assert measured["found_splits"] < measured["stem_splits"], measured
    assert measured["found_splits"] <= 0.055, measured
    # The cases of the report: the stem is wrong, the form ranks them right.
    assert ru_stem("паром") == ru_stem("пары") and lemma(morph, "паром") != lemma(morph, "пары")
    assert ru_stem("паром") != ru_stem("паромом") and lemma(morph, "паром") == lemma(morph, "паромом")
    assert first_rank("паром", "паромом") and not first_rank("паром", "пары")


def test_english_pairs_against_the_stemmer() -> None:
    for query, other in ENGLISH_DIFFERENT:
        assert not first_rank(query, other) and not first_rank(other, query), (query, other)
    for query, other in ENGLISH_SAME:
        assert stem(query, "english") == stem(other, "english"), (query, other)


def test_indexing_cost_per_word_stays_small() -> None:
    text = " ".join([RUSSIAN_TEXT, "The ferries and the news of the universities"] * 200)
    count = len(words(text))
    stems_for_document(text, "ru")  # warm the stem cache, as a crawl's worker has it
    index_terms(text, "ru")
    start = time.perf_counter()
    stems_for_document(text, "ru")
    stems_only = time.perf_counter() - start
    start = time.perf_counter()
    tokens = index_terms(text, "ru")
    with_forms = time.perf_counter() - start
    # Measured here: 0.59 µs a word for stems only, 0.60 µs with forms (pymorphy3's lemmas cost 70 µs
    # a new word); the index holds 1.8 tokens a word of this list (a form is written only where it differs from the stem). The bound is loose
    # on purpose (a shared CI machine): it fails only if forms cost several times the stemming.
    assert with_forms < 5 * stems_only + 0.01, (stems_only / count, with_forms / count)
    assert len(tokens) < 2 * count


def add(session, source: Source, n: int, title: str, body: str, lang: str) -> int:  # type: ignore[no-untyped-def]
    article = Article(source_id=source.id, url=f"https://o.example/{n}", canonical_url=f"https://o.example/{n}",
                      title=title, text=body, html=f"<p>{body}</p>", lang=lang, content_hash=f"{n:064x}",
                      published_at=T0 + timedelta(days=n))
    session.add(article)
    session.flush()
    index_article(session, article)
    return article.id


@pytest.fixture
def stories(db_url: str) -> dict[str, int]:
    with session_scope(engine_for(db_url)) as session:
        source = Source(name="One")
        session.add(source)
        session.flush()
        # The tigers are newest and mention pairs often: by stems and recency alone they came first.
        return {
            "ferry": add(session, source, 1, "Переправа через Волгу",
                         "Жители переправились на другой берег паромом, который ходит дважды в день.", "ru"),
            "tigers": add(session, source, 2, "Пары тигров в зоопарке",
                          "В зоопарке живут две пары тигров; пары амурских тигров привезли весной. "
                          "Пары тигров кормят утром.", "ru"),
            "new": add(session, source, 3, "A new bridge opens",
                       "The new bridge replaces a new crossing; new lanes open, a new era, new tolls.", "en"),
            "news": add(session, source, 4, "Local radio", "The station reads the news every hour.", "en"),
            "animation": add(session, source, 5, "Animation festival",
                             "Animation studios show animation shorts; animation wins.", "en"),
            "animal": add(session, source, 6, "Zoo report", "A rescued animal recovers at the zoo.", "en"),
        }


def ranked(db_url: str, query: str) -> list[int]:
    with session_scope(engine_for(db_url)) as session:
        return [h.article_id for h in search(session, query, SearchFilters())]


def test_russian_form_ranks_above_a_shared_stem(db_url: str, stories: dict[str, int]) -> None:
    found = ranked(db_url, "паром")
    assert found[0] == stories["ferry"]  # "паромом": the ferry, though its stem is "паром", not "пар"
    assert stories["tigers"] not in found[:1]
    assert ranked(db_url, "паромом")[0] == stories["ferry"]
    assert ranked(db_url, "пары")[0] == stories["tigers"]


def test_english_form_ranks_above_a_shared_stem(db_url: str, stories: dict[str, int]) -> None:
    # "news" is "new" under the German, French and Spanish stemmers a query is expanded over.
    assert ranked(db_url, "news")[0] == stories["news"]
    assert ranked(db_url, "new")[0] == stories["new"]
    assert stories["news"] not in ranked(db_url, "new")
    # "animal" and "animation" share the English stem "anim".
    assert ranked(db_url, "animal")[0] == stories["animal"]
    assert ranked(db_url, "animation")[0] == stories["animation"]


def test_form_matches_count_every_query_word(db_url: str, stories: dict[str, int]) -> None:
    assert ranked(db_url, "паром берег")[0] == stories["ferry"]
    assert ranked(db_url, "пары тигров") == [stories["tigers"]]


def test_headline_outranks_body_between_equal_forms(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        source = Source(name="One")
        session.add(source)
        session.flush()
        body = add(session, source, 1, "Council meeting", "The council discussed the ferry timetable.", "en")
        title = add(session, source, 2, "Ferry timetable", "The council met on Monday.", "en")
    assert ranked(db_url, "ferry") == [title, body]


def _write_old_index(db_url: str) -> None:
    """The index as it was before forms: stems only (SQLite), the language's tsvector only (PostgreSQL)."""
    with session_scope(engine_for(db_url)) as session:
        docs = session.execute(text("SELECT d.id, a.title, a.text, a.lang FROM search_docs d "
                                    "JOIN articles a ON a.id = d.article_id")).all()
        for doc_id, title, body, lang in docs:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text(
                    "UPDATE search_docs SET tsv = setweight(to_tsvector(CAST(:cfg AS regconfig), :t), 'A') || "
                    "setweight(to_tsvector(CAST(:cfg AS regconfig), :b), 'B') WHERE id = :id"),
                    {"cfg": PG_CONFIG.get(lang, "simple"), "t": title, "b": body, "id": doc_id})
            else:
                session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": doc_id})
                session.execute(text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :t, :b)"),
                                {"id": doc_id, "t": " ".join(stems_for_document(title, lang)),
                                 "b": " ".join(stems_for_document(body, lang))})


def test_reindex_turns_an_old_index_into_form_ranking(db_url: str, stories: dict[str, int]) -> None:
    _write_old_index(db_url)
    assert ranked(db_url, "пары")[0] == stories["tigers"]  # an old index still finds by stems
    with session_scope(engine_for(db_url)) as session:
        assert reindex_all(session) == len(stories)
    assert ranked(db_url, "паром")[0] == stories["ferry"]
    assert ranked(db_url, "news")[0] == stories["news"]


def test_highlight_marks_the_continued_root() -> None:
    snippet = str(highlight("Жители переправились паромом.", "паром", "ru"))
    assert "<mark>паромом</mark>" in snippet
