"""Which entity does a name found in an article belong to? The pure cross-language merge decision.

Why a rule list and not a model: each merge must be explainable on the entity page ("Песков" and
"Peskov" are one person because their transliterations match and both are in story 42), and wrong
merges of two people must be rare. The rules, in order (docs/entities.md):

* exact: the same type, language and key (``name_key``: lemmatised, lower-case, ё→е) → that entity;
* alias: a curated table of names whose translation is no transliteration (Кремль = Kremlin,
  США = United States/US/USA) → the entity holding another name of the group;
* transliteration: Russian names are romanised (BGN/PCGN, simplified) and compared with Latin ones
  through a spelling skeleton ("zelenskiy" ≈ "zelensky"); only for a full name (two words or more)
  or a one-word organisation or place, since a lone surname is ambiguous;
* cooccurrence: a lone surname (one-word PER) joins a full-name person only when that person is in
  the same story or the article's other entities overlap the person's frequent co-entities;
  otherwise it is (or stays) its own entity. A full name seen in a story where a lone-surname entity
  of the same surname appeared folds that entity into its own (``Link.folds``).

No store imports: the stage hands in the candidates and writes what is returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

# BGN/PCGN romanisation of Russian, simplified (no ye- after vowels, ë as e): what English news
# agencies mostly print ("Песков" → "peskov", "Хабаровск" → "khabarovsk").
_RU_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
}
# why 0.85: "zelenskyy"/"zelensky" and "alexey"/"aleksei" pass after the skeleton; two different
# surnames of similar length ("petrov"/"popov" 0.73) do not
SIMILARITY = 0.85
# why 2: one shared entity is often a country every item of the day names; two is a context
CO_ENTITY_OVERLAP = 2

# Names whose equivalent in another language is a translation, not a transliteration. General
# vocabulary only: (type, {lang: [names]}).
ALIASES: tuple[tuple[str, dict[str, tuple[str, ...]]], ...] = (
    ("ORG", {"ru": ("Кремль",), "en": ("Kremlin",)}),
    ("ORG", {"ru": ("Белый дом",), "en": ("White House",)}),
    ("ORG", {"ru": ("ООН", "Организация Объединённых Наций"), "en": ("United Nations", "UN", "U.N.")}),
    ("ORG", {"ru": ("Евросоюз", "ЕС", "Европейский союз"), "en": ("European Union", "EU")}),
    ("ORG", {"ru": ("НАТО",), "en": ("NATO", "North Atlantic Treaty Organization")}),
    ("ORG", {"ru": ("Госдума", "Государственная дума"), "en": ("State Duma", "Duma")}),
    ("ORG", {"ru": ("Минобороны", "Министерство обороны"), "en": ("Defence Ministry", "Defense Ministry")}),
    ("ORG", {"ru": ("МИД",), "en": ("Foreign Ministry",)}),
    ("LOC", {"ru": ("США", "Соединённые Штаты"), "en": ("United States", "US", "U.S.", "USA")}),
    ("LOC", {"ru": ("Россия", "РФ"), "en": ("Russia", "Russian Federation")}),
    ("LOC", {"ru": ("Китай", "КНР"), "en": ("China",)}),
    ("LOC", {"ru": ("Германия", "ФРГ"), "en": ("Germany",)}),
    ("LOC", {"ru": ("Великобритания", "Британия"), "en": ("Britain", "UK", "United Kingdom", "Great Britain")}),
    ("LOC", {"ru": ("Франция",), "en": ("France",)}),
    ("LOC", {"ru": ("Украина",), "en": ("Ukraine",)}),
    ("LOC", {"ru": ("Япония",), "en": ("Japan",)}),
    ("LOC", {"ru": ("Турция",), "en": ("Turkey", "Türkiye")}),
    ("LOC", {"ru": ("Москва",), "en": ("Moscow",)}),
    ("LOC", {"ru": ("Киев",), "en": ("Kyiv", "Kiev")}),
    ("LOC", {"ru": ("Пекин",), "en": ("Beijing",)}),
    ("LOC", {"ru": ("Европа",), "en": ("Europe",)}),
)


@dataclass(frozen=True)
class Name:
    """One spelling of an entity in one language, with its folded key."""

    lang: str
    name: str
    key: str


@dataclass(frozen=True)
class Known:
    """An existing entity as the decision sees it: its names, whether it is in the article's story,
    and the ids of the entities it most often appears with."""

    id: int
    type: str
    names: tuple[Name, ...]
    in_story: bool = False
    co_entities: frozenset[int] = frozenset()

    @property
    def full(self) -> bool:
        """A person known by a name of two words or more."""
        return any(" " in n.key for n in self.names)


@dataclass(frozen=True)
class Found:
    """One entity name of the article (its mentions counted): ``key`` from ``name_key``."""

    type: str
    name: str
    lang: str
    mentions: int
    key: str


@dataclass(frozen=True)
class Link:
    """The decision for one name: ``entity_id`` None is a new entity. ``register``: the name becomes
    one of the entity's names (a lone surname attached by context is not, so another person with that
    surname is not caught by it later). ``folds``: lone-surname entities to fold into this one."""

    found: Found
    entity_id: int | None
    kind: str  # exact, alias, transliteration, cooccurrence, new
    evidence: dict[str, Any] = field(default_factory=dict)
    register: bool = True
    folds: tuple[tuple[int, dict[str, Any]], ...] = ()


def found(type_: str, name: str, lang: str, mentions: int = 1) -> Found:
    return Found(type_, name, _base(lang), mentions, name_key(name, _base(lang)))


_WORD = re.compile(r"\w+(?:[-'’.]\w+)*")


def name_key(name: str, lang: str) -> str:
    """The folded lookup form: lower-case, ё→е, possessive and punctuation dropped. No dictionary
    lemmatiser: the NER already gives normal forms ("Пескова" → "Песков"), and pymorphy3 would
    lemmatise the surname itself ("Песков" → "песок", which breaks its transliteration)."""
    text = re.sub(r"['’]s\b", "", name).replace("ё", "е").replace("Ё", "Е").replace(".", "")
    return " ".join(w.lower() for w in _WORD.findall(text))


def _base(lang: str) -> str:
    return (lang or "").split("-")[0].lower()


def romanise(key: str) -> str:
    """The Latin form of a folded name: Cyrillic romanised (BGN/PCGN), Latin kept."""
    return "".join(_RU_LATIN.get(c, c) for c in key.lower())


_SKELETON_RULES = (
    (re.compile(r"(iy|yy|ii|ij|yj|iyy)\b"), "y"), (re.compile(r"ei\b"), "ey"), (re.compile(r"kh"), "h"),
    (re.compile(r"x"), "ks"), (re.compile(r"w"), "v"), (re.compile(r"j"), "y"), (re.compile(r"ck"), "k"),
    (re.compile(r"ye"), "e"), (re.compile(r"(.)\1"), r"\1"), (re.compile(r"[^a-z ]"), ""),
)


def skeleton(key: str) -> str:
    """A spelling skeleton two romanisations of one name share ("zelenskiy", "zelensky" → "zelensky")."""
    text = romanise(key)
    for pattern, repl in _SKELETON_RULES:
        text = pattern.sub(repl, text)
    return " ".join(text.split())


def similarity(a: str, b: str) -> float:
    """How alike two names' skeletons are (1.0 = the same)."""
    sa, sb = skeleton(a), skeleton(b)
    return 1.0 if sa == sb else SequenceMatcher(None, sa, sb).ratio()


@lru_cache(maxsize=1)
def _alias_groups() -> dict[tuple[str, str, str], int]:
    """(type, lang, key) → alias group number."""
    out: dict[tuple[str, str, str], int] = {}
    for number, (type_, names) in enumerate(ALIASES):
        for lang, spellings in names.items():
            for spelling in spellings:
                out[(type_, lang, name_key(spelling, lang))] = number
    return out


def alias_keys(f: Found) -> list[tuple[str, str]]:
    """(lang, key) of every other name of ``f``'s alias group (the store looks these up)."""
    groups = _alias_groups()
    group = groups.get((f.type, f.lang, f.key))
    if group is None:
        return []
    return [(lang, key) for (t, lang, key), g in groups.items() if g == group and (lang, key) != (f.lang, f.key)]


def _lone(f: Found) -> bool:
    return f.type == "PER" and " " not in f.key


def decide(names: list[Found], candidates: list[Known]) -> list[Link]:
    """The entity of each name of one article (see the module docstring for the rules). Full names,
    organisations and places first; lone surnames then, seeing the ids the others resolved to."""
    links: dict[int, Link] = {}
    for i, f in enumerate(names):
        if not _lone(f):
            links[i] = _decide_full(f, candidates)
    context = {link.entity_id for link in links.values() if link.entity_id is not None}
    for i, f in enumerate(names):
        if _lone(f):
            links[i] = _decide_lone(f, candidates, context)
    return [links[i] for i in range(len(names))]


def _decide_full(f: Found, candidates: list[Known]) -> Link:
    same = [c for c in candidates if c.type == f.type]
    link = _exact(f, same)
    if link is None:
        aliases = set(alias_keys(f))
        for c in sorted(same, key=lambda c: not c.in_story):
            hit = next((n for n in c.names if (n.lang, n.key) in aliases), None)
            if hit is not None:
                link = Link(f, c.id, "alias", {"names": [f.name, hit.name], "langs": [f.lang, hit.lang]})
                break
    if link is None:
        link = _transliterated(f, same)
    link = link or Link(f, None, "new")
    if f.type == "PER":
        link = _with_folds(link, same)
    return link


def _exact(f: Found, same: list[Known]) -> Link | None:
    for c in same:
        if any(n.lang == f.lang and n.key == f.key for n in c.names):
            return Link(f, c.id, "exact", {"name": f.name, "lang": f.lang})
    return None


def _transliterated(f: Found, same: list[Known]) -> Link | None:
    best: tuple[tuple[bool, float], Known, Name] | None = None
    for c in same:
        if f.type == "PER" and not c.full:
            continue
        for n in c.names:
            if n.lang == f.lang or (f.type == "PER" and " " not in n.key):
                continue
            score = similarity(f.key, n.key)
            rank = (c.in_story, score)
            if score >= SIMILARITY and (best is None or rank > best[0]):
                best = (rank, c, n)
    if best is None:
        return None
    (in_story, score), c, n = best
    return Link(f, c.id, "transliteration", {"names": [f.name, n.name], "langs": [f.lang, n.lang],
                                             "romanised": [skeleton(f.key), skeleton(n.key)],
                                             "similarity": round(score, 3), "same_story": in_story})


def _surname_matches(word_key: str, lang: str, name: Name) -> float:
    """How well a lone word matches the last word of ``name`` (1.0 same language and key)."""
    last = name.key.split()[-1]
    if name.lang == lang:
        return 1.0 if last == word_key else 0.0
    return similarity(word_key, last)


def _with_folds(link: Link, same: list[Known]) -> Link:
    """A full name folds the lone-surname entities of the same surname seen in its story."""
    f = link.found
    if " " not in f.key:
        return link
    surname = f.key.split()[-1]
    folds = []
    for c in same:
        if c.in_story and not c.full and c.id != link.entity_id:
            hit = next((n for n in c.names
                        if _surname_matches(n.key, n.lang, Name(f.lang, f.name, surname)) >= SIMILARITY), None)
            if hit is not None:
                folds.append((c.id, {"names": [f.name, hit.name], "langs": [f.lang, hit.lang],
                                     "same_story": True}))
    return Link(link.found, link.entity_id, link.kind, link.evidence, link.register, tuple(folds))


def _decide_lone(f: Found, candidates: list[Known], context: set[int]) -> Link:
    people = [c for c in candidates if c.type == "PER" and c.full]
    matching = []
    for c in people:
        hit = max(c.names, key=lambda n: _surname_matches(f.key, f.lang, n))
        score = _surname_matches(f.key, f.lang, hit)
        if score >= SIMILARITY:
            matching.append((c, hit, score))
    in_story = [m for m in matching if m[0].in_story]
    overlap = [m for m in matching if len(m[0].co_entities & context) >= CO_ENTITY_OVERLAP]
    for group, why in ((in_story, "same_story"), (overlap, "shared_entities")):
        if len(group) == 1:  # two candidates: which one is meant is unknown, so neither
            c, hit, score = group[0]
            evidence: dict[str, Any] = {"names": [f.name, hit.name], "langs": [f.lang, hit.lang],
                                        "similarity": round(score, 3), "why": why}
            if why == "shared_entities":
                evidence["shared"] = sorted(c.co_entities & context)
            return Link(f, c.id, "cooccurrence", evidence, register=False)
    exact = _exact(f, [c for c in candidates if c.type == f.type])
    if exact is not None:
        owner = next(c for c in candidates if c.id == exact.entity_id)
        if not owner.full:
            return exact
        # the key belongs to a full-name person (folded earlier) but the context does not: apart
        return Link(f, None, "new", {"apart_from": owner.id, "why": "different context"}, register=False)
    return Link(f, None, "new")
