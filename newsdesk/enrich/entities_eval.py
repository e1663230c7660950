"""Per-document (type, name) scoring of ``extract_entities`` over public NER samples.

The metric is the one the issue judges by: each document gives a set of (type, name) pairs, gold and
predicted; a pair counts when both agree on the type and on the name up to inflection (every word
reduced to its dictionary form, case and ё folded). Precision, recall and F1 are micro-averaged
over documents, per type and overall. Gold names pass through the same document-level resolution
as predictions (a lone surname folds into the full name the document spells out), so both sides
count an entity once per document.

Loaders read the samples in ``tests/data/ner/`` (see its README): CoNLL-2003 dev (English) and
factRuEval-2016 dev (Russian).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsdesk.enrich.entities import EntityType, Mention, resolve_document

TYPES: tuple[EntityType, ...] = ("PER", "ORG", "LOC")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(frozen=True)
class GoldDoc:
    """One document: its text and its gold mentions (surface names; types PER/ORG/LOC)."""

    id: str
    lang: str
    text: str
    mentions: list[Mention]


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3  # the dictionary reference, independent of the model under test

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=65536)
def _ru_lemma(word: str) -> str:
    return str(_morph().parse(word)[0].normal_form)


def name_key(name: str, lang: str) -> str:
    """The inflection-tolerant form two names must share to match ("Пескова" ~ "Песков")."""
    text = re.sub(r"['’]s\b", "", name).replace("ё", "е").replace("Ё", "Е")
    words = _WORD.findall(text)
    if lang == "ru":
        words = [_ru_lemma(w.lower()) if re.search("[а-яА-Я]", w) else w.lower() for w in words]
    return " ".join(w.lower().replace("ё", "е") for w in words)


def doc_pairs(mentions: Iterable[Mention], lang: str) -> set[tuple[str, str]]:
    keyed = [Mention(m.type, name_key(m.name, lang), m.text, m.start, m.end) for m in mentions]
    return {(m.type, m.name) for m in resolve_document(keyed) if m.name}


def score(docs: list[GoldDoc], extract: Callable[[str, str], list[Mention]]) -> dict[str, dict[str, float]]:
    """{type or "ALL": {"p", "r", "f1", "gold", "pred"}} over ``docs``."""
    tp: dict[str, int] = dict.fromkeys((*TYPES, "ALL"), 0)
    n_gold, n_pred = dict(tp), dict(tp)
    for doc in docs:
        gold = doc_pairs(doc.mentions, doc.lang)
        pred = doc_pairs(extract(doc.text, doc.lang), doc.lang)
        for kind in (*TYPES, "ALL"):
            g = {p for p in gold if kind in ("ALL", p[0])}
            q = {p for p in pred if kind in ("ALL", p[0])}
            tp[kind] += len(g & q)
            n_gold[kind] += len(g)
            n_pred[kind] += len(q)
    out = {}
    for kind in (*TYPES, "ALL"):
        p = tp[kind] / n_pred[kind] if n_pred[kind] else 0.0
        r = tp[kind] / n_gold[kind] if n_gold[kind] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out[kind] = {"p": p, "r": r, "f1": f1, "gold": n_gold[kind], "pred": n_pred[kind]}
    return out


# CoNLL text is tokenised ("England 's", "Grace Road ,"); the models read prose, so the sample is
# detokenised the way the original Reuters text was written before it is scored.
_NO_SPACE_BEFORE = {",", ".", ";", ":", ")", "'s", "'S", "n't", "'m", "'re", "'ll", "'ve", "%", "?", "!", "..."}
_NO_SPACE_AFTER = ("(", "$")


def load_conll(path: Path) -> list[GoldDoc]:
    """The compact CoNLL sample: ``-DOCSTART-`` lines, then one sentence a line, ``token|TAG``."""
    docs: list[GoldDoc] = []
    lines: list[str] = []
    mentions: list[Mention] = []

    def flush() -> None:
        if lines:
            docs.append(GoldDoc(f"{path.stem}:{len(docs)}", "en", "\n".join(lines), list(mentions)))
        lines.clear()
        mentions.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("-DOCSTART-"):
            flush()
            continue
        offset = sum(len(x) + 1 for x in lines)
        line, cur = "", None
        for tok in raw.split(" "):
            word, _, tag = tok.rpartition("|") if "|" in tok else (tok, "", "O")
            if line and not (word in _NO_SPACE_BEFORE or line.endswith(_NO_SPACE_AFTER)):
                line += " "
            start = offset + len(line)
            line += word
            kind = tag[2:] if tag != "O" else ""
            if cur is not None and not (tag.startswith("I-") and cur[0] == kind):
                mentions.append(_mk(cur, line, offset))
                cur = None
            if tag != "O" and cur is None:
                cur = [kind, start, start + len(word)]
            elif cur is not None:
                cur[2] = start + len(word)
        if cur:
            mentions.append(_mk(cur, line, offset))
        lines.append(line)
    flush()
    for d in docs:  # MISC is no type of ours
        d.mentions[:] = [m for m in d.mentions if m.type in TYPES]
    return docs


def _mk(cur: list, line: str, offset: int) -> Mention:
    surface = line[cur[1] - offset:cur[2] - offset]
    return Mention(cur[0], surface, surface, cur[1], cur[2])


_FACTRU_PER = {"name", "surname", "patronymic", "nickname"}
_FACTRU_TYPES: dict[str, EntityType] = {"org_name": "ORG", "loc_name": "LOC"}


def load_factru(folder: Path) -> list[GoldDoc]:
    """factRuEval-2016 ``book_N.txt`` + ``book_N.spans``: name-bearing spans become mentions.

    Person parts (name, surname, patronymic, nickname) that follow each other with only spaces
    between form one PER; ``org_name`` is ORG and ``loc_name`` LOC (factRuEval's LocOrg, a place
    acting as an organisation, has its name as ``loc_name``: LOC, as Natasha's own evaluation does).
    Descriptors (``org_descr``, ``job``…) are not names and are left out.
    """
    docs = []
    for txt in sorted(folder.glob("*.txt")):
        text = txt.read_text(encoding="utf-8")
        spans: dict[tuple[int, int], str] = {}
        for line in txt.with_suffix(".spans").read_text(encoding="utf-8").splitlines():
            fields = line.split("#")[0].split()
            kind, start, length = fields[1], int(fields[2]), int(fields[3])
            if kind in _FACTRU_PER:
                spans.setdefault((start, start + length), "PER")
            elif kind in _FACTRU_TYPES:
                spans[(start, start + length)] = _FACTRU_TYPES[kind]
        mentions: list[Mention] = []
        for (start, end), kind in sorted(spans.items()):
            prev = mentions[-1] if mentions else None
            if (kind == "PER" and prev is not None and prev.type == "PER"
                    and start >= prev.end and not text[prev.end:start].strip()):
                mentions[-1] = Mention("PER", text[prev.start:end], text[prev.start:end], prev.start, end)
            elif prev is not None and start >= prev.start and end <= prev.end and kind == prev.type:
                continue  # a nested duplicate of the same kind
            else:
                surface = text[start:end]
                mentions.append(Mention(kind, surface, surface, start, end))  # type: ignore[arg-type]
        docs.append(GoldDoc(txt.stem, "ru", text, mentions))
    return docs
