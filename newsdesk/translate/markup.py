"""Translate sanitized HTML whole sentence by whole sentence, then put the inline markup back.

Translating the pieces between links separately is what makes machine-translated news read as
"May 8 North Korean leader Kim Jong-un I congratulated The President…". Here each block (``p``,
``li``, ``h2``, ``figcaption``…) is flattened to plain text plus the character ranges of its
inline elements (``a``, ``em``, ``strong``, ``q``, ``abbr``, ``code``…), split into sentences on
the plain text (so never at a link), and each sentence is translated whole. Each inline element's
own words are translated too (a short extra text in the same engine batch); the element is then
placed around the window of the sentence's translation that best matches them, its attributes
kept. When the match is unsure it falls back to the window at the proportional position, and when
there is no room at all it appends the element (with its words translated) next to the closest
word: an element, a link above all, is never lost, duplicated or emptied.

Two phases, so a caller can pool the texts of many articles into one engine batch:
``plan = prepare_html(html)`` lists ``plan.texts``; ``plan.render(translations)`` builds the HTML.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape as html_escape

import lxml.html
from lxml import etree

from newsdesk.translate.base import has_words

INLINE = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
    ]
)
VOID = frozenset({"br", "img", "wbr"})
VERBATIM = frozenset({"code", "kbd", "samp", "var"})  # their words are kept, not translated
SKIP = frozenset(
    [
        "pre",
        "script",
        "style",
        "svg",
        "math",
        "template",
        "noscript",
        "iframe",
        "video",
        "audio",
        "object",
        "embed",
        "canvas",
        "textarea",
    ]
)
# Anything that is neither inline nor void nor skipped is treated as a block.
RUN_ATTR = "data-newsdesk-run"

_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+(?:[-'’.]\w+)*")
_END = re.compile(r"[.!?…]+[\"'»”’)\]]*\s+")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "no",
        "gen",
        "col",
        "lt",
        "sgt",
        "rep",
        "sen",
        "gov",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "fig",
        "approx",
        "г",
        "гг",
        "т",
        "д",
        "др",
        "им",
        "ул",
        "стр",
        "см",
        "проф",
        "акад",
        "ген",
        "тыс",
        "млн",
        "млрд",
        "руб",
        "коп",
        "св",
        "пр",
        "обл",
        "р",
        "н",
        "с",
    ]
)

# why: half of the words on both sides (Dice over fuzzy word matches) is where a window stops
# being a coincidental match of one common word and becomes the phrase's translation.
_CONFIDENT = 0.5
# why: inflected forms share a stem of four letters or more ("Russia"/"Russian", "президент"/"президента").
_STEM = 4


@dataclass(eq=False)
class _Span:
    """An inline element of a block: its range in the block's plain text, and its nesting."""

    element: etree._Element
    start: int
    end: int
    void: bool
    children: list[_Span] = field(default_factory=list)
    splittable: bool = False

    @property
    def tag(self) -> str:
        return str(self.element.tag)


@dataclass(eq=False)
class _Piece:
    """An inline element inside one segment (offsets relative to the segment's text)."""

    span: _Span
    start: int
    end: int
    children: list[_Piece] = field(default_factory=list)


@dataclass(eq=False)
class _Out:
    """An element placed in a translation: a character range, or a verbatim copy at a position."""

    template: etree._Element
    start: int
    end: int
    children: list[_Out] = field(default_factory=list)
    verbatim: etree._Element | None = None  # a copy of the element inserted as is at ``start``
    replace_text: str | None = None  # verbatim words of code-like elements


@dataclass(eq=False)
class _Segment:
    start: int
    end: int
    text: str
    pieces: list[_Piece]
    gap_before: str  # whitespace between the previous segment and this one in the source


@dataclass(eq=False)
class _Block:
    element: etree._Element
    plain: str
    segments: list[_Segment]
    atoms: list[tuple[int, _Span]]  # void elements between segments (offset, span)


def normalize(text: str) -> str:
    return _WS.sub(" ", text).strip()


# ---------------------------------------------------------------------------------------------
# sentences


def split_sentences(text: str, hard_breaks: Iterable[int] = ()) -> list[tuple[int, int]]:
    """``(start, end)`` ranges of the sentences of ``text``; ``hard_breaks`` are forced boundaries."""
    cuts: set[int] = {b for b in hard_breaks if 0 < b < len(text)}
    for match in _END.finditer(text):
        after = match.end()
        if after >= len(text):
            continue
        following = text[after:].lstrip("\"'«“„([")
        if not following or not (following[0].isupper() or following[0].isdigit()):
            continue
        punct = text[match.start() : match.end()].strip()
        if punct.startswith(".") and len(punct.rstrip("\"'»”’)]")) == 1:
            word = re.search(r"(\w+)$", text[max(0, match.start() - 40) : match.start()])  # the last word only
            if word and (
                word.group(1).lower() in _ABBREVIATIONS
                or (len(word.group(1)) == 1 and word.group(1).isupper())
            ):
                continue
        cuts.add(after)
    bounds = [0, *sorted(cuts), len(text)]
    ranges = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail > lead:
            ranges.append((start + lead, start + trail))
    return ranges


def translate_plain_texts(text: str) -> list[str]:
    """The sentences of a plain text (a title, a teaser) as the engine should get them."""
    clean = normalize(text)
    return [clean[s:e] for s, e in split_sentences(clean)]


def render_plain(text: str, translations: Mapping[str, str]) -> str:
    clean = normalize(text)
    return " ".join(translations.get(clean[s:e], clean[s:e]) for s, e in split_sentences(clean))


# ---------------------------------------------------------------------------------------------
# reading blocks


def _is_block(el: etree._Element) -> bool:
    tag = el.tag
    return isinstance(tag, str) and tag not in INLINE and tag not in VOID


def _collect(block: etree._Element) -> tuple[str, list[_Span]]:
    """The block's plain text (whitespace collapsed) and its inline elements as ranges of it."""
    parts: list[str] = []
    length = 0
    roots: list[_Span] = []

    def add(text: str | None) -> None:
        nonlocal length
        if not text:
            return
        text = _WS.sub(" ", text)
        if text.startswith(" ") and (not parts or parts[-1].endswith(" ")):
            text = text[1:]
        if text:
            parts.append(text)
            length += len(text)

    def walk(el: etree._Element, into: list[_Span]) -> None:
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                add(child.tail)
                continue
            if child.tag in VOID:
                into.append(_Span(child, length, length, void=True))
            elif child.tag in SKIP:
                span = _Span(child, length, length, void=True)  # kept as is, never translated
                into.append(span)
            else:
                span = _Span(child, length, length, void=False)
                into.append(span)
                add(child.text)
                walk(child, span.children)
                span.end = length
            add(child.tail)

    add(block.text)
    walk(block, roots)
    plain = "".join(parts)
    stripped = plain.rstrip()

    def trim(spans: list[_Span]) -> None:
        for span in spans:
            span.end = min(span.end, len(stripped))
            span.start = min(span.start, span.end)
            if not span.void:
                while span.start < span.end and plain[span.start] == " ":
                    span.start += 1
                while span.end > span.start and plain[span.end - 1] == " ":
                    span.end -= 1
            trim(span.children)

    trim(roots)
    return stripped, roots


def _walk_spans(spans: list[_Span]) -> Iterable[_Span]:
    for span in spans:
        yield span
        yield from _walk_spans(span.children)


def _segment(plain: str, spans: list[_Span]) -> list[tuple[int, int]]:
    """Sentence ranges, merged so that no link (or unaligned element) crosses a boundary."""
    hard = [s.start for s in _walk_spans(spans) if s.tag == "br"]
    ranges = split_sentences(plain, hard)
    changed = True
    while changed:
        changed = False
        for span in _walk_spans(spans):
            if span.void or span.start == span.end:
                continue
            touched = [i for i, (s, e) in enumerate(ranges) if s < span.end and e > span.start]
            if len(touched) <= 1:
                continue
            first, last = touched[0], touched[-1]
            aligned = span.start <= ranges[first][0] and span.end >= ranges[last][1]
            if span.tag != "a" and aligned and _children_fit(span, ranges):
                span.splittable = True
                continue
            ranges[first : last + 1] = [(ranges[first][0], ranges[last][1])]
            changed = True
            break
    return ranges


def _children_fit(span: _Span, ranges: list[tuple[int, int]]) -> bool:
    """Whether every descendant of ``span`` lies inside one range or is itself aligned to ranges."""
    for child in _walk_spans(span.children):
        if child.void or child.start == child.end:
            continue
        touched = [(s, e) for s, e in ranges if s < child.end and e > child.start]
        if len(touched) > 1 and (
            child.tag == "a" or child.start > touched[0][0] or child.end < touched[-1][1]
        ):
            return False
    return True


def _pieces(spans: list[_Span], start: int, end: int) -> list[_Piece]:
    out = []
    for span in spans:
        if span.void:
            if start < span.start < end or (span.start == start and span.tag != "br"):
                out.append(_Piece(span, span.start - start, span.start - start))
            continue
        if span.start < end and span.end > start:
            lo, hi = max(span.start, start), min(span.end, end)
            out.append(_Piece(span, lo - start, hi - start, _pieces(span.children, start, end)))
        elif span.start == span.end and start <= span.start < end:
            out.append(_Piece(span, span.start - start, span.start - start))  # an empty element
    return out


def _atoms_between(spans: list[_Span], ranges: list[tuple[int, int]]) -> list[tuple[int, _Span]]:
    """Void and empty elements (``br``, ``<a><img></a>``…) that fall between segments, not inside one."""
    atoms = []
    for span in spans:
        if span.void or span.start == span.end:
            inside = any(s < span.start < e or (span.start == s and span.tag != "br") for s, e in ranges)
            if not inside:
                atoms.append((span.start, span))
        else:
            atoms.extend(_atoms_between(span.children, ranges))
    return atoms


# ---------------------------------------------------------------------------------------------
# placing elements in a translation


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]


def _similar(a: str, b: str) -> float:
    """1 for the same word, 0.8 for two forms of one stem ("russia"/"russian"), else 0."""
    if a == b:
        return 1.0
    if len(a) < _STEM or len(b) < _STEM or a[:_STEM] != b[:_STEM]:
        return 0.0
    n = len(os.path.commonprefix((a, b)))
    # why 0.6: a shared stem covers most of the shorter word ("президент"/"президента"), while
    # unrelated words that merely start alike ("prevent"/"preview") share less of it
    return 0.8 if n >= 0.6 * min(len(a), len(b)) else 0.0


def _dice(rows: list[list[float]], i: int, j: int) -> float:
    """Dice score of target words ``[i, j)`` against a phrase, given each phrase word's similarities."""
    if not rows or j <= i:
        return 0.0
    used: set[int] = set()
    matched = 0.0
    for row in rows:
        best, best_k = 0.0, -1
        for k in range(i, j):
            if row[k] > best and k not in used:
                best, best_k = row[k], k
        if best_k >= 0:
            used.add(best_k)
            matched += best
    return 2 * matched / ((j - i) + len(rows))


def _bound(length: int, *sizes: int) -> float:
    """The highest Dice score a window of ``length`` words can reach against phrases of ``sizes``."""
    return max((2 * min(length, n) / (length + n) for n in sizes if n), default=0.0)


@dataclass
class _Placer:
    source: str
    target: str
    phrases: Mapping[str, str]

    def __post_init__(self) -> None:
        self.src_words = _words(self.source)
        self.tgt_words = _words(self.target)
        self.tgt_lower = [w for _, _, w in self.tgt_words]

    def place(self, pieces: list[_Piece]) -> list[_Out]:
        return self._place_children(pieces, 0, len(self.tgt_words), 0, len(self.target), 0, len(self.source))

    def _src_index(self, start: int, end: int) -> tuple[int, int]:
        idx = [i for i, (s, e, _) in enumerate(self.src_words) if s < end and e > start]
        if not idx:
            before = sum(1 for s, _, _ in self.src_words if s < start)
            return before, before
        return idx[0], idx[-1] + 1

    def _place_children(
        self, pieces: list[_Piece], lo: int, hi: int, clo: int, chi: int, slo: int, shi: int
    ) -> list[_Out]:
        placed: list[_Out] = []
        taken: list[tuple[int, int]] = []
        psrc = self._src_index(slo, shi)
        texty = [p for p in pieces if not p.span.void and has_text(self.source[p.start : p.end])]
        others = [p for p in pieces if p not in texty]
        proposals = []
        for piece in texty:
            proposals.append((piece, *self._best_window(piece, lo, hi, psrc, [])))
        # surest first; at equal scores the longer element first, since a short one (a single common
        # word) fits in more places and should take what the longer one leaves
        proposals.sort(key=lambda x: (-x[1], -(x[0].end - x[0].start)))
        for piece, _score, first in proposals:
            window = first
            if first is None or any(u < first[1] and first[0] < v for u, v in taken):
                _, window = self._best_window(piece, lo, hi, psrc, taken)
            if window is None:
                placed.append(self._verbatim(piece, self._append_point(lo, hi, chi)))
                continue
            i, j = window
            taken.append((i, j))
            cs, ce = self.tgt_words[i][0], self.tgt_words[j - 1][1]
            if (
                piece.start <= slo + (len(self.source[slo:shi]) - len(self.source[slo:shi].lstrip()))
                and i == lo
            ):
                cs = clo
            if piece.end >= shi and j == hi:
                ce = chi
            out = _Out(piece.span.element, cs, ce)
            if piece.span.tag in VERBATIM and not piece.children:
                out.replace_text = self.source[piece.start : piece.end]
            else:
                out.children = self._place_children(piece.children, i, j, cs, ce, piece.start, piece.end)
            placed.append(out)
        for piece in others:
            placed.append(self._verbatim(piece, self._map_point(piece.start, lo, hi, clo, chi, psrc, placed)))
        placed.sort(key=lambda o: (o.start, o.end))
        return placed

    def _best_window(
        self, piece: _Piece, lo: int, hi: int, psrc: tuple[int, int], taken: list[tuple[int, int]]
    ) -> tuple[float, tuple[int, int] | None]:
        free = [k for k in range(lo, hi) if not any(a <= k < b for a, b in taken)]
        if not free:
            return 0.0, None
        a, b = self._src_index(piece.start, piece.end)
        if not taken and (a, b) == psrc:
            return 1.0, (lo, hi)  # the element holds every word of its parent: it gets all of them
        text = normalize(self.source[piece.start : piece.end])
        translated = text if piece.span.tag in VERBATIM else self.phrases.get(text, text)
        phrase = [w for _, _, w in _words(translated)]
        source_words = [w for _, _, w in _words(text)]
        n_src = max(1, psrc[1] - psrc[0])
        n_tgt = hi - lo
        expected = lo + (a - psrc[0]) * n_tgt / n_src
        # why: a translation rarely takes more than twice the words of its source (+2 for articles)
        longest = min(n_tgt, 2 * max(len(phrase), len(source_words)) + 2)
        targets = self.tgt_lower
        by_phrase = [[_similar(w, t) if lo <= k < hi else 0.0 for k, t in enumerate(targets)] for w in phrase]
        by_source = [[_similar(w, t) if lo <= k < hi else 0.0 for k, t in enumerate(targets)] for w in source_words]
        # a best window starts and ends on a matching word (an unmatched edge word only lowers the score)
        hits = sorted({k for row in by_phrase + by_source for k in range(lo, hi) if row[k] > 0})
        best: tuple[float, float, int] | None = None
        best_window: tuple[int, int] | None = None
        for x, i in enumerate(hits):
            for last in hits[x:]:
                j = last + 1
                if j - i > longest or any(u < j and i < v for u, v in taken):
                    break
                if best is not None and _bound(j - i, len(by_phrase), len(by_source)) < best[0]:
                    continue  # even a perfect match of this length cannot beat the best so far
                score = max(_dice(by_phrase, i, j), _dice(by_source, i, j))
                key = (score, -abs(i - expected), -abs((j - i) - len(phrase)))
                if best is None or key > best:
                    best, best_window = key, (i, j)
        if best is not None and best[0] >= _CONFIDENT:
            return best[0], best_window
        # unsure: the proportional window, moved to the nearest free words
        length = max(1, round((b - a) * n_tgt / n_src))
        start = min(max(lo, round(expected)), hi - 1)
        for distance in range(n_tgt + 1):
            for i in (start - distance, start + distance):
                for size in range(length, 0, -1):
                    if lo <= i and i + size <= hi and not any(x < i + size and i < y for x, y in taken):
                        return (best[0] if best else 0.0), (i, i + size)
        return 0.0, None

    def _append_point(self, lo: int, hi: int, chi: int) -> int:
        """Where an element with no free words goes: after the last word of its parent."""
        if hi > lo:
            return self.tgt_words[hi - 1][1]
        return chi

    def _map_point(
        self, pos: int, lo: int, hi: int, clo: int, chi: int, psrc: tuple[int, int], placed: list[_Out]
    ) -> int:
        """A word boundary of the translation at the proportional place of a source position."""
        before = sum(1 for s, _, _ in self.src_words[psrc[0] : psrc[1]] if s < pos)
        n_src = max(1, psrc[1] - psrc[0])
        k = lo + round(before * (hi - lo) / n_src)
        point = clo if k <= lo else (chi if k >= hi else self.tgt_words[k - 1][1])
        if before >= n_src:
            point = chi
        for out in placed:
            if out.verbatim is None and out.start < point < out.end:
                point = out.end
        return point

    def _verbatim(self, piece: _Piece, point: int) -> _Out:
        element = copy.deepcopy(piece.span.element)
        element.tail = None
        if not piece.span.void and len(element) == 0 and piece.span.tag not in VERBATIM:
            text = normalize(self.source[piece.start : piece.end])
            element.text = self.phrases.get(text, text)
        return _Out(piece.span.element, point, point, verbatim=element)


def has_text(text: str) -> bool:
    return bool(_WORD.search(text))


# ---------------------------------------------------------------------------------------------
# writing


def _clone_shallow(element: etree._Element) -> etree._Element:
    clone = element.makeelement(element.tag, dict(element.attrib))
    return clone


def _build(parent: etree._Element, text: str, outs: list[_Out], lo: int, hi: int) -> None:
    cursor = lo
    last: etree._Element | None = None

    def put(chunk: str) -> None:
        if not chunk:
            return
        if last is None:
            parent.text = (parent.text or "") + chunk
        else:
            last.tail = (last.tail or "") + chunk

    for out in outs:
        start = max(out.start, cursor)
        put(text[cursor:start])
        cursor = start
        if out.verbatim is not None:
            element = out.verbatim
            is_void = element.tag in VOID or element.tag in SKIP
            preceding = (last.tail if last is not None else parent.text) or ""
            if not is_void and preceding and not preceding[-1].isspace():
                put(" ")
            parent.append(element)
            last = element
            continue
        element = _clone_shallow(out.template)
        parent.append(element)
        if out.replace_text is not None:
            element.text = out.replace_text
        else:
            _build(element, text, out.children, start, max(start, out.end))
        last = element
        cursor = max(cursor, out.end)
    put(text[cursor:hi])


# ---------------------------------------------------------------------------------------------
# the plan


@dataclass
class HtmlPlan:
    """A parsed body: the texts it needs translated, and how to write the translation back."""

    root: etree._Element
    blocks: list[_Block]
    runs: list[etree._Element]

    @property
    def texts(self) -> list[str]:
        """Every sentence and inline phrase to translate (duplicates removed, order kept)."""
        out: dict[str, None] = {}
        for block in self.blocks:
            for segment in block.segments:
                out[segment.text] = None
                for phrase in _phrases(segment.text, segment.pieces):
                    out[phrase] = None
        for _, value in _attributes(self.root):
            out[value] = None
        return [t for t in out if has_words(t)]

    def render(self, translations: Mapping[str, str]) -> str:
        """The translated HTML; a text missing from ``translations`` stays in its own language."""
        root = copy.deepcopy(self.root)
        originals = list(self.root.iter())
        copies = list(root.iter())
        twin = dict(zip(originals, copies, strict=True))
        for block in self.blocks:
            target = twin[block.element]
            for child in list(target):
                target.remove(child)
            target.text = None
            text, outs = self._render_block(block, translations)
            _build(target, text, outs, 0, len(text))
        for run in self.runs:
            twin[run].drop_tag()
        for (element, name), value in _attributes(root):
            if value in translations:
                element.set(name, translations[value])
        return _serialize(root)

    def _render_block(
        self, block: _Block, translations: Mapping[str, str]
    ) -> tuple[str, list[_Out]]:
        text = ""
        outs: list[_Out] = []
        atoms = sorted(block.atoms, key=lambda a: a[0])
        for segment in block.segments:
            while atoms and atoms[0][0] <= segment.start:
                outs.append(_atom(atoms.pop(0)[1], len(text)))
            translated = translations.get(segment.text, segment.text)
            placed = _Placer(segment.text, translated, translations).place(segment.pieces) if segment.pieces else []
            if text and segment.gap_before:
                text += " "
            offset = len(text)
            outs.extend(_shift(o, offset) for o in placed)
            text += translated
        for _, span in atoms:
            outs.append(_atom(span, len(text)))
        outs.sort(key=lambda o: (o.start, o.end))
        return text, outs


TRANSLATED_ATTRIBUTES = ("alt", "title")  # image descriptions and tooltips (abbr expansions) are text too


def _attributes(element: etree._Element) -> Iterable[tuple[tuple[etree._Element, str], str]]:
    """Translatable attributes (``alt``, ``title``) outside skipped elements, normalized."""
    if not isinstance(element.tag, str) or element.tag in SKIP:
        return
    for name in TRANSLATED_ATTRIBUTES:
        value = element.get(name)
        if value and has_words(value):
            yield (element, name), normalize(value)
    for child in element:
        yield from _attributes(child)


def _atom(span: _Span, at: int) -> _Out:
    element = copy.deepcopy(span.element)
    element.tail = None
    return _Out(span.element, at, at, verbatim=element)


def _shift(out: _Out, offset: int) -> _Out:
    out.start += offset
    out.end += offset
    out.children = [_shift(c, offset) for c in out.children]
    return out


def _phrases(text: str, pieces: list[_Piece], lo: int = 0, hi: int | None = None) -> Iterable[str]:
    """The words of each inline element, when they are not all the words around it."""
    around = [w for _, _, w in _words(text[lo:hi])]
    for piece in pieces:
        if piece.span.void or piece.span.tag in VERBATIM:
            continue
        phrase = normalize(text[piece.start : piece.end])
        if phrase and [w for _, _, w in _words(phrase)] != around:
            yield phrase
        yield from _phrases(text, piece.children, piece.start, piece.end)


def _serialize(root: etree._Element) -> str:
    parts = [html_escape(root.text, quote=False)] if root.text else []
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in root)
    return "".join(parts)


def _wrap_runs(element: etree._Element, runs: list[etree._Element]) -> None:
    """Put each run of inline content of a mixed container into a temporary ``span``."""
    children = list(element)
    text = element.text
    element.text = None
    for child in children:
        element.remove(child)
    current: etree._Element | None = None

    def start_run() -> etree._Element:
        run = element.makeelement("span", {RUN_ATTR: ""})
        element.append(run)
        runs.append(run)
        return run

    if text and text.strip():
        current = start_run()
        current.text = text
    else:
        element.text = text
    for child in children:
        if isinstance(child.tag, str) and _is_block(child) or child.tag in SKIP:
            tail = child.tail
            child.tail = None
            element.append(child)
            current = None
            if tail and tail.strip():
                current = start_run()
                current.text = tail
            else:
                child.tail = tail
        else:
            if current is None:
                current = start_run()
            current.append(child)


def _plan_element(element: etree._Element, blocks: list[_Block], runs: list[etree._Element]) -> None:
    if element.tag in SKIP:
        return
    children = [c for c in element if isinstance(c.tag, str)]
    if any(_is_block(c) or c.tag in SKIP for c in children):
        _wrap_runs(element, runs)
        for child in list(element):
            if not isinstance(child.tag, str):
                continue
            if child.get(RUN_ATTR) is not None:
                _plan_block(child, blocks)
            else:
                _plan_element(child, blocks, runs)
        return
    _plan_block(element, blocks)


def _plan_block(element: etree._Element, blocks: list[_Block]) -> None:
    plain, spans = _collect(element)
    if not has_words(plain):
        return
    ranges = _segment(plain, spans)
    segments = []
    previous_end = 0
    for start, end in ranges:
        gap = plain[previous_end:start]
        segments.append(_Segment(start, end, plain[start:end], _pieces(spans, start, end), gap))
        previous_end = end
    blocks.append(_Block(element, plain, segments, _atoms_between(spans, ranges)))


def prepare_html(html: str) -> HtmlPlan:
    """Parse a sanitized HTML fragment and plan its translation."""
    root = lxml.html.fragment_fromstring(html or "", create_parent="div")
    blocks: list[_Block] = []
    runs: list[etree._Element] = []
    _plan_element(root, blocks, runs)
    return HtmlPlan(root, blocks, runs)


def text_of_html(html: str) -> str:
    """Plain text of a body: one paragraph a line pair, as ``articles.text`` is stored."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    lines: list[str] = []
    _text_blocks(root, lines)
    return "\n\n".join(line for line in lines if line)


def _text_blocks(element: etree._Element, lines: list[str]) -> None:
    if element.tag in SKIP:
        return
    children = [c for c in element if isinstance(c.tag, str)]
    if any(_is_block(c) for c in children):
        if element.text and element.text.strip():
            lines.append(normalize(element.text))
        for child in children:
            if _is_block(child):
                _text_blocks(child, lines)
            else:
                lines.append(normalize(child.text_content()))
            if child.tail and child.tail.strip():
                lines.append(normalize(child.tail))
        return
    lines.append(normalize(element.text_content()))
