"""The pure cross-language merge decision (newsdesk/enrich/entity_merge.py)."""

from __future__ import annotations

from newsdesk.enrich.entity_merge import Known, Name, decide, found, name_key, romanise, similarity, skeleton


def known(id_: int, type_: str, names: list[tuple[str, str]], **kw: object) -> Known:
    return Known(id_, type_, tuple(Name(lang, n, name_key(n, lang)) for lang, n in names), **kw)  # type: ignore[arg-type]


def test_romanisation_and_skeleton() -> None:
    assert romanise("песков") == "peskov"
    assert romanise("зеленский") == "zelenskiy"
    assert skeleton("zelenskiy") == skeleton("zelensky")
    assert similarity("дмитрий песков", "dmitry peskov") == 1.0
    assert similarity("петров", "popov") < 0.85


def test_exact_same_language_key_inflected() -> None:
    peskov = known(1, "PER", [("ru", "Дмитрий Песков")])
    [link] = decide([found("PER", "Дмитрий Песков", "ru")], [peskov])
    assert (link.entity_id, link.kind) == (1, "exact")


def test_full_name_transliteration_merges_across_languages() -> None:
    peskov = known(1, "PER", [("ru", "Дмитрий Песков")])
    [link] = decide([found("PER", "Dmitry Peskov", "en")], [peskov])
    assert (link.entity_id, link.kind) == (1, "transliteration")
    assert link.evidence["similarity"] == 1.0 and link.evidence["names"] == ["Dmitry Peskov", "Дмитрий Песков"]


def test_alias_merges_kremlin() -> None:
    kremlin = known(7, "ORG", [("ru", "Кремль")])
    [link] = decide([found("ORG", "Kremlin", "en")], [kremlin])
    assert (link.entity_id, link.kind) == (7, "alias")
    us = known(8, "LOC", [("en", "United States")])
    [link] = decide([found("LOC", "США", "ru")], [us])
    assert (link.entity_id, link.kind) == (8, "alias")


def test_lone_surname_across_languages_needs_the_story() -> None:
    apart = known(1, "PER", [("en", "Dmitry Peskov")])
    [link] = decide([found("PER", "Песков", "ru")], [apart])
    assert link.kind == "new" and link.entity_id is None
    together = known(1, "PER", [("en", "Dmitry Peskov")], in_story=True)
    [link] = decide([found("PER", "Песков", "ru")], [together])
    assert (link.entity_id, link.kind, link.register) == (1, "cooccurrence", False)
    assert link.evidence["why"] == "same_story"


def test_two_people_one_surname_stay_apart_unless_context_overlaps() -> None:
    john = known(1, "PER", [("en", "John Smith")], co_entities=frozenset({10, 11}))
    anna = known(2, "PER", [("en", "Anna Smith")], co_entities=frozenset({20, 21}))
    acme, boston = known(10, "ORG", [("en", "Acme")]), known(11, "LOC", [("en", "Boston")])
    # a new context: its own entity
    links = decide([found("PER", "Smith", "en"), found("LOC", "Paris", "en")], [john, anna])
    assert links[0].kind == "new"
    # John's usual company: John
    links = decide([found("PER", "Smith", "en"), found("ORG", "Acme", "en"), found("LOC", "Boston", "en")],
                   [john, anna, acme, boston])
    assert (links[0].entity_id, links[0].kind) == (1, "cooccurrence")
    assert links[0].evidence["shared"] == [10, 11]
    # both in the story: ambiguous, neither
    both = [known(1, "PER", [("en", "John Smith")], in_story=True), known(2, "PER", [("en", "Anna Smith")], in_story=True)]
    assert decide([found("PER", "Smith", "en")], both)[0].kind == "new"


def test_full_name_folds_a_lone_surname_entity_of_its_story() -> None:
    lone = known(5, "PER", [("ru", "Песков")], in_story=True)
    [link] = decide([found("PER", "Dmitry Peskov", "en")], [lone])
    assert link.kind == "new"
    assert [fold[0] for fold in link.folds] == [5]
    assert link.folds[0][1]["names"] == ["Dmitry Peskov", "Песков"]


def test_lone_surname_keeps_its_own_entity() -> None:
    lone = known(5, "PER", [("en", "Smith")])
    [link] = decide([found("PER", "Smith", "en")], [lone])
    assert (link.entity_id, link.kind) == (5, "exact")
