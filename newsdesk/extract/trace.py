"""An optional record of why extraction kept or dropped each block (``newsdesk extract --explain``).

The extraction steps take ``trace: Trace | None``; with ``None`` (the crawl) each decision point
costs one ``is not None`` test. With a trace, each step records the blocks it removed (and, at the
end, the blocks kept), so a page that comes out wrong shows which step to blame.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml.etree import _Element

FIRST_WORDS = 12  # why: enough words to recognise a paragraph in a list, short enough for one line
# Elements whose text is a candidate block for the final "dropped by the main extractor" step.
_BLOCKISH = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "figcaption", "dd")

_INLINE = frozenset({"a", "abbr", "b", "br", "cite", "code", "em", "i", "mark", "q", "s", "small", "span", "strong",
                     "sub", "sup", "u", "html", "body", "head", "title"})


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One decision: which block (``path``: tag.class chain, ``words``: its opening), ``verdict``
    (kept or dropped), by which ``step`` and why."""

    path: str
    words: str
    verdict: str
    step: str
    reason: str


def first_words(text: str, count: int = FIRST_WORDS) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def element_path(el: _Element, depth: int = 4) -> str:
    """``div.article > p`` style: the element and up to ``depth - 1`` ancestors, each with its first class."""
    parts: list[str] = []
    node: _Element | None = el
    while node is not None and len(parts) < depth:
        tag = node.tag if isinstance(node.tag, str) else "#"
        if tag in ("html", "body"):
            break
        first = (node.get("class") or "").split()
        parts.append(f"{tag}.{first[0]}" if first else tag)
        node = node.getparent()
    return " > ".join(reversed(parts)) or "body"


def _text(el: _Element) -> str:
    return " ".join(" ".join(el.itertext()).split())


@dataclass
class Trace:
    """The decisions of one extraction, in the order they were taken."""

    steps: list[TraceStep] = field(default_factory=list)
    # the page's text blocks before the body extraction, to tell afterwards which ones it left out
    _candidates: list[tuple[_Element, str, str]] = field(default_factory=list)
    _accounted: set[int] = field(default_factory=set)
    _alive: list[_Element] = field(default_factory=list)

    def record(self, path: str, text: str, verdict: str, step: str, reason: str) -> None:
        self.steps.append(TraceStep(path, first_words(text), verdict, step, reason))

    def dropped(self, elements: Iterable[_Element], step: str, reason: str) -> None:
        """Record the removal of ``elements`` (before it happens); elements with no text are not listed."""
        for el in list(elements):
            if id(el) in self._accounted:
                continue
            inner = list(el.iter())
            self._alive.extend(inner)  # why: ids are only unique while the proxies live (lxml reuses them)
            self._accounted.update(id(node) for node in inner)
            text = _text(el)
            if text:
                self.record(element_path(el), text, "dropped", step, reason)

    def snapshot(self, tree: _Element) -> None:
        """Note the page's text blocks before the body extraction runs (see :meth:`settle`)."""
        candidates: list[tuple[_Element, str, str]] = []
        inside: set[int] = set()  # elements within a candidate: their text is the candidate's
        alive: list[_Element] = []
        for el in tree.iter():
            tag = el.tag if isinstance(el.tag, str) else ""
            if not tag or id(el) in inside or tag in _INLINE:
                continue
            own = tag in _BLOCKISH or (el.text or "").strip()  # a block, or a container with text of its own
            if own and (text := _text(el)):
                candidates.append((el, element_path(el), text))
                inner = list(el.iter())
                alive.extend(inner)  # why: ids are only unique while the proxies live
                inside.update(id(node) for node in inner)
        self._candidates = candidates

    def settle(self, kept_texts: Iterable[str], step: str, reason: str) -> None:
        """Record as dropped by ``step`` every noted block whose text is in none of ``kept_texts``
        and that no earlier step removed."""
        # compared without whitespace: the rendered blocks space inline markup differently
        kept = "\n".join("".join(text.split()) for text in kept_texts)
        for el, path, text in self._candidates:
            if id(el) not in self._accounted and "".join(text.split()) not in kept:
                self.record(path, text, "dropped", step, reason)
        self._candidates = []

    def as_dicts(self) -> list[dict[str, str]]:
        return [{"path": s.path, "words": s.words, "verdict": s.verdict, "step": s.step, "reason": s.reason}
                for s in self.steps]
