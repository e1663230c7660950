"""The article body: trafilatura's main-content extraction on the shared tree, rendered as blocks.

trafilatura returns its own small XML vocabulary (``p``, ``head``, ``list/item``, ``quote``,
``table/row/cell``, ``hi``, ``ref``, ``lb``). It is rendered here into :class:`Block` objects that
carry both an HTML fragment (paragraphs, headings, lists, quotes and inline links kept) and plain
text, so the furniture and citation filters remove a block from the text and the HTML at once.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable, Iterator
from copy import copy
from dataclasses import dataclass

from lxml import etree
from lxml.etree import _Element
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from newsdesk.extract.trace import Trace

try:  # the internal cascade takes our already-parsed tree; fall back to the public API if it moves
    from trafilatura.core import trafilatura_sequence as _sequence
except ImportError:  # pragma: no cover - depends on the installed trafilatura
    _sequence = None  # type: ignore[assignment]

try:  # the pieces of trafilatura's cascade that run on pages the main pass is unsure about
    from trafilatura.external import compare_extraction as _compare
    from trafilatura.htmlprocessing import prune_unwanted_nodes as _prune
    from trafilatura.htmlprocessing import tree_cleaning as _tree_cleaning
    from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH as _RAW_PRUNE
    from trafilatura.xpaths import REMOVE_COMMENTS_AND_LISTS_XPATH as _COMMENTS_PRUNE
except ImportError:  # pragma: no cover - depends on the installed trafilatura
    _compare = None  # type: ignore[assignment]
try:
    from trafilatura.htmlprocessing import convert_tags as _convert_tags
    from trafilatura.main_extractor import extract_content as _extract_content
    from trafilatura.xpaths import REMOVE_COMMENTS_XPATH as _COMMENTS_PRUNE_CONVERTED
except ImportError:  # pragma: no cover
    _extract_content = None  # type: ignore[assignment]


@dataclass(slots=True)
class Block:
    """One top-level piece of the body; ``link_chars`` counts text inside links (for link density)."""

    kind: str  # p, h, list, quote, table, code
    html: str
    text: str
    link_chars: int = 0
    items: tuple[str, ...] = ()  # list items' text, for lists

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def _options(*, precision: bool, fast: bool) -> Extractor:
    return Extractor(
        output_format="txt", fast=fast, precision=precision, comments=False, formatting=True, links=True,
        tables=True, images=False,
    )


_OPTIONS = {
    (precision, fast): _options(precision=precision, fast=fast) for precision in (False, True) for fast in (False, True)
}

_INLINE = {"hi": None, "ref": "a", "del": "del", "sub": "sub", "sup": "sup"}
_HI = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
_HEADING_LEVELS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _wordy(char: str) -> bool:
    """A letter or digit of a script that separates words with spaces (not CJK, Thai…)."""
    return char.isalnum() and char < "\u0e00"


class _Renderer:
    """Render trafilatura's XML to (HTML, text) while counting link text."""

    def __init__(self) -> None:
        self.link_chars = 0

    def inline(self, el: _Element, in_link: bool = False) -> tuple[str, str]:
        html_parts: list[str] = []
        text_parts: list[str] = []

        def add(html_piece: str, text_piece: str) -> None:
            # trafilatura strips the whitespace around inline elements ("<ref>Pro</ref>was");
            # put a space back between two words, as its own text serializer does
            if text_parts and _wordy(text_piece[:1]) and _wordy(text_parts[-1][-1:]):
                html_parts.append(" ")
                text_parts.append(" ")
            html_parts.append(html_piece)
            text_parts.append(text_piece)

        if el.text:
            add(htmllib.escape(el.text, quote=False), el.text)
            if in_link:
                self.link_chars += len(el.text.strip())
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "lb":
                add("<br>", "\n")
            elif tag in ("ref", "hi", "del", "sub", "sup", "span"):
                inner_html, inner_text = self.inline(child, in_link or tag == "ref")
                if not inner_text:
                    pass
                elif tag == "ref" and child.get("target"):
                    href = htmllib.escape(child.get("target", ""), quote=True)
                    add(f'<a href="{href}">{inner_html}</a>', inner_text)
                elif tag == "hi":
                    name = _HI.get(child.get("rend", ""), "")
                    add(f"<{name}>{inner_html}</{name}>" if name else inner_html, inner_text)
                elif tag in ("del", "sub", "sup"):
                    add(f"<{tag}>{inner_html}</{tag}>", inner_text)
                else:
                    add(inner_html, inner_text)
            elif tag:  # a block inside inline content (rare): keep its text
                inner_html, inner_text = self.inline(child, in_link)
                if inner_text:
                    add(inner_html, inner_text)
            if child.tail:
                add(htmllib.escape(child.tail, quote=False), child.tail)
                if in_link:
                    self.link_chars += len(child.tail.strip())
        return "".join(html_parts), "".join(text_parts)


def _clean(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _block(el: _Element) -> Iterator[Block]:
    tag = el.tag if isinstance(el.tag, str) else ""
    renderer = _Renderer()
    if tag == "list":
        items_html, items_text = [], []
        for item in el.iter("item"):
            item_html, item_text = renderer.inline(item)
            item_text = _clean(item_text)
            if item_text:
                items_html.append(f"<li>{item_html.strip()}</li>")
                items_text.append(item_text)
        if items_text:
            name = "ol" if el.get("rend") == "ol" else "ul"
            yield Block("list", f"<{name}>{''.join(items_html)}</{name}>", "\n".join(items_text),
                        renderer.link_chars, tuple(items_text))
        return
    if tag == "table":
        rows_html, rows_text = [], []
        for row in el.iter("row"):
            cells = [renderer.inline(cell) for cell in row.iter("cell")]
            cells_text = [_clean(text) for _, text in cells]
            if any(cells_text):
                rows_html.append("<tr>" + "".join(f"<td>{h.strip()}</td>" for h, _ in cells) + "</tr>")
                rows_text.append(" | ".join(t for t in cells_text if t))
        if rows_text:
            yield Block("table", f"<table>{''.join(rows_html)}</table>", "\n".join(rows_text), renderer.link_chars)
        return
    if tag in ("div", "body"):
        for child in el:
            yield from _block(child)
        return
    inner_html, inner_text = renderer.inline(el)
    text = _clean(inner_text)
    if not text:
        return
    if tag == "head":
        rend = el.get("rend", "h2")
        name = rend if rend in _HEADING_LEVELS else "h2"
        yield Block("h", f"<{name}>{inner_html.strip()}</{name}>", text, renderer.link_chars)
    elif tag == "quote":
        yield Block("quote", f"<blockquote>{inner_html.strip()}</blockquote>", text, renderer.link_chars)
    elif tag == "code":
        yield Block("code", f"<pre>{htmllib.escape(inner_text, quote=False)}</pre>", text, renderer.link_chars)
    else:
        yield Block("p", f"<p>{inner_html.strip()}</p>", text, renderer.link_chars)


# Elements trafilatura deletes anyway, removed first by lxml in C: its XPath pruning then walks a
# smaller tree (nav/aside/footer alone saved 13% of body time on trafilatura-dev; not quite the
# same output, the per-fold ablation in docs/extraction.md shows it is within ±0.004 a set).
# Metadata and JSON-LD are read before this. <math> and <form> are left to trafilatura, which
# salvages formulas and forms that wrap the whole page (stripping forms lost five pages).
PRESTRIP = (
    "head", "script", "style", "noscript", "svg", "iframe", "embed", "object", "applet", "canvas",
    "video", "audio", "map", "template", "button", "select", "textarea", "input", "option", "nav",
    "aside", "footer",
)


# What trafilatura's tree cleaning deletes (its MANUALLY_CLEANED list) that must survive until the
# date and byline searches (<time>) or is rare: removed in C right before its XPath pruning, which
# then walks a smaller tree. Deleting a subtree before or after attribute-only XPath pruning gives
# the same tree. <figure> (may hold a table), <math> and <form> are left to trafilatura.
MAIN_PASS_STRIP = (
    "time", "picture", "source", "menu", "menuitem", "label", "fieldset", "legend", "link", "area", "datalist",
    "dialog", "frame", "frameset", "marquee", "noindex", "optgroup", "output", "param", "progress", "rp", "rt",
    "rtc", "track", "use", "fencedframe", "blink",
)


# trafilatura's raw-tree and comment pruning XPaths test @id/@class with EXSLT regular expressions,
# which call back into Python for every candidate element; on most pages nothing matches. Every one
# of them selects an element of a few tags only if one of its @id/@class tests is true, so when no
# @id or @class value of such an element matches any of those patterns, the XPath is skipped: same
# tree, far less time.
_ATTR_TEST = re.compile(r"(re:test|contains)\(@(?:id|class), '([^']*)'\)")
_SELF_TAG = re.compile(r"self::(\w+)")


@dataclass(frozen=True, slots=True)
class _Guarded:
    xpath: etree.XPath
    values: etree.XPath | None  # the @id/@class values of the elements ``xpath`` can select
    guard: re.Pattern[str] | None  # finds, in those newline-joined values, anything it could match


def _guarded(xpaths: list[etree.XPath]) -> list[_Guarded]:
    out = []
    for xpath in xpaths:
        parts = [p if kind == "re:test" else re.escape(p) for kind, p in _ATTR_TEST.findall(xpath.path)]
        tags = sorted(set(_SELF_TAG.findall(xpath.path)))
        if not parts or not tags:
            out.append(_Guarded(xpath, None, None))
            continue
        values = etree.XPath(" | ".join(f"//{t}/@class | //{t}/@id" for t in tags), smart_strings=False)
        out.append(_Guarded(xpath, values, re.compile("|".join(f"(?:{p})" for p in parts), re.MULTILINE)))
    return out


_RAW_GUARDED = _guarded(_RAW_PRUNE) if _compare is not None else []
_COMMENTS_GUARDED = _guarded(_COMMENTS_PRUNE) if _compare is not None else []
_COMMENTS_CONVERTED_GUARDED = _guarded(_COMMENTS_PRUNE_CONVERTED) if _extract_content is not None else []


def _prune_guarded(tree: HtmlElement, *lists: list[_Guarded], trace: Trace | None = None) -> HtmlElement:
    for guarded in lists:
        for item in guarded:
            if item.guard is None or item.values is None or item.guard.search("\n".join(item.values(tree))):
                if trace is not None:
                    trace.dropped(item.xpath(tree), "boilerplate pruning", "id/class matches a trafilatura boilerplate pattern")
                _prune(tree, [item.xpath])
    return tree


def prestrip(tree: HtmlElement) -> None:
    etree.strip_elements(tree, *PRESTRIP, with_tail=False)


def prestrip_tree(tree: HtmlElement) -> HtmlElement:
    prestrip(tree)
    return tree


# trafilatura is "unsure" when its fast, precision-focused pass keeps little text that covers a small
# share of the page: then, and only then, its full cascade (readability and jusText comparison) runs.
# Why 1,500 characters and 20%: on the dev corpora every page the full cascade improved had a fast
# result under about 1,400 characters covering under 17% of the page's visible text; pages above
# either bound were as good or better without it. The same shape as trafilatura's own escalation
# rule (under 3,000 characters and 20% of the page). Nested cross-validation over a grid (0 to
# 10,000 characters, 10% to 50%; bench/extraction.py --cv) picks these same bounds on every one of
# the five tuning splits of both dev sets.
UNSURE_MAX_CHARS = 1500
UNSURE_PAGE_SHARE = 0.2
# Still unsure after the comparison stage: trafilatura's own default cascade (balanced focus, with
# its baseline rescue and recall escalation, which the precision focus turns off) decides, when its
# text is this many times longer. Why 3: a result several times longer is the article our passes
# missed (a 673-character fragment against 19,000 characters of text); one a little longer is
# mostly the furniture the precision focus left out. Chosen by nested cross-validation (bench/
# extraction.py --cv) on every one of the five tuning splits of trafilatura-dev (held-out folds
# 0.934, against 0.932 at 1.5x and 0.931 without the fallback); on aeb-dev every ratio gave the
# same pages.
FALLBACK_LONGER = 3.0


def _visible_chars(tree: HtmlElement) -> int:
    body = tree.find("body")
    text = (body if body is not None else tree).text_content()
    return len(text) - sum(text.count(c) for c in " \n\t\r")


def extract_body(tree: HtmlElement, reparse: Callable[[], HtmlElement], trace: Trace | None = None) -> list[Block]:
    """The article's blocks: a fast precision pass, then the full cascade only where it is unsure.

    ``tree`` has been prestripped and is pruned in place; ``reparse`` returns a fresh prestripped
    tree of the same page for the second pass (parsing again on the few unsure pages is cheaper
    than copying every tree up front). ``trace`` (``--explain``) records what each step removed.
    """
    if trace is not None:
        trace.snapshot(tree)
    page_chars = _visible_chars(tree)
    postbody, text = _main_pass(tree, trace)
    blocks = render(postbody)
    chars = sum(len(block.text) for block in blocks)
    step = "main extractor"
    if chars < UNSURE_MAX_CHARS and chars < UNSURE_PAGE_SHARE * page_chars:
        blocks = render(_compare_pass(reparse(), postbody, text)) or blocks
        step = "readability/jusText comparison"
        chars = sum(len(block.text) for block in blocks)
        if chars < UNSURE_MAX_CHARS and chars < UNSURE_PAGE_SHARE * page_chars:
            fallback = render(_default_cascade(reparse()))
            if sum(len(block.text) for block in fallback) > FALLBACK_LONGER * chars:
                blocks = fallback
                step = "trafilatura's default cascade"
    if trace is not None:
        trace.settle((block.text for block in blocks), step, "outside the main content trafilatura chose")
    return blocks


def render(postbody: _Element) -> list[Block]:
    blocks: list[Block] = []
    for child in postbody:
        blocks.extend(_block(child))
    return blocks


def _main_pass(tree: HtmlElement, trace: Trace | None = None) -> tuple[_Element, str]:
    """trafilatura's main extractor, precision-focused, on the shared tree, as its cascade runs it
    in fast mode with comments off (``trafilatura_sequence``): prune the raw tree, clean, convert
    tags, prune comment blocks, extract. Run here step by step because the tree is ours to prune in
    place, which saves the two whole-tree copies the cascade makes for stages fast mode skips.

    No URL is handed over: resolving every link there costs more than the rest of link handling;
    the sanitizer makes the kept links absolute instead.
    """
    options = _OPTIONS[(True, True)]
    if _extract_content is None:  # pragma: no cover - trafilatura moved its internals
        postbody, text, _comments, _ctext = _sequence(tree, options, None)
        return postbody, text
    if trace is not None:
        trace.dropped(tree.iter(*MAIN_PASS_STRIP), "main pass strip", "a tag trafilatura's cleaning deletes")
    etree.strip_elements(tree, *MAIN_PASS_STRIP, with_tail=False)
    tree = _prune_guarded(tree, _RAW_GUARDED, _COMMENTS_GUARDED, trace=trace)
    cleaned = _convert_tags(_tree_cleaning(tree, options), options, None)
    cleaned = _prune_guarded(cleaned, _COMMENTS_CONVERTED_GUARDED)
    postbody, text = _extract_content(cleaned, options)
    return postbody, text


def _default_cascade(tree: HtmlElement) -> _Element:
    """trafilatura's whole default cascade (balanced focus, not fast), for pages both of our passes
    are unsure about: its decision, not ours, where ours is weakest."""
    if _sequence is None:  # pragma: no cover - trafilatura moved its internals
        return etree.Element("body")
    return _sequence(tree, _OPTIONS[(False, False)], None)[0]


def _compare_pass(tree: HtmlElement, postbody: _Element, text: str) -> _Element:
    """trafilatura's second stage (readability, then jusText) against the main pass's result.

    It is what ``trafilatura_sequence`` runs when not in fast mode, minus re-running the main
    extractor, whose result we already have.
    """
    options = _OPTIONS[(True, False)]
    if _compare is None:  # pragma: no cover - trafilatura moved its internals
        return _sequence(tree, options, None)[0]
    tree = _prune_guarded(tree, _RAW_GUARDED, _COMMENTS_GUARDED)
    backup = _tree_cleaning(copy(tree), options)  # what jusText reads; readability reads the raw tree
    body, _text = _compare(backup, tree, postbody, text, options)
    return body
