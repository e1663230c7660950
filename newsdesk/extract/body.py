"""The article body: trafilatura's main-content extraction on the shared tree, rendered as blocks.

trafilatura returns its own small XML vocabulary (``p``, ``head``, ``list/item``, ``quote``,
``table/row/cell``, ``hi``, ``ref``, ``lb``). It is rendered here into :class:`Block` objects that
carry both an HTML fragment (paragraphs, headings, lists, quotes and inline links kept) and plain
text, so the furniture and citation filters remove a block from the text and the HTML at once.
"""

from __future__ import annotations

import html as htmllib
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from lxml.etree import _Element
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

try:  # the internal cascade takes our already-parsed tree; fall back to the public API if it moves
    from trafilatura.core import trafilatura_sequence as _sequence
except ImportError:  # pragma: no cover - depends on the installed trafilatura
    _sequence = None  # type: ignore[assignment]
from trafilatura import bare_extraction


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


class _Renderer:
    """Render trafilatura's XML to (HTML, text) while counting link text."""

    def __init__(self) -> None:
        self.link_chars = 0

    def inline(self, el: _Element, in_link: bool = False) -> tuple[str, str]:
        html_parts: list[str] = []
        text_parts: list[str] = []
        if el.text:
            html_parts.append(htmllib.escape(el.text, quote=False))
            text_parts.append(el.text)
            if in_link:
                self.link_chars += len(el.text.strip())
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "lb":
                html_parts.append("<br>")
                text_parts.append("\n")
            elif tag in ("ref", "hi", "del", "sub", "sup", "span"):
                inner_html, inner_text = self.inline(child, in_link or tag == "ref")
                if tag == "ref" and child.get("target"):
                    href = htmllib.escape(child.get("target", ""), quote=True)
                    html_parts.append(f'<a href="{href}">{inner_html}</a>')
                elif tag == "hi":
                    name = _HI.get(child.get("rend", ""), "")
                    html_parts.append(f"<{name}>{inner_html}</{name}>" if name else inner_html)
                elif tag in ("del", "sub", "sup"):
                    html_parts.append(f"<{tag}>{inner_html}</{tag}>")
                else:
                    html_parts.append(inner_html)
                text_parts.append(inner_text)
            elif tag:  # a block inside inline content (rare): keep its text
                inner_html, inner_text = self.inline(child, in_link)
                html_parts.append(inner_html)
                text_parts.append(inner_text)
            if child.tail:
                html_parts.append(htmllib.escape(child.tail, quote=False))
                text_parts.append(child.tail)
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
# smaller tree (nav/aside/footer alone saved 13% of body time on trafilatura-dev, same F1).
# Metadata and JSON-LD are read before this. <math> and <form> are left to trafilatura, which
# salvages formulas and forms that wrap the whole page (stripping forms lost five pages).
PRESTRIP = (
    "head", "script", "style", "noscript", "svg", "iframe", "embed", "object", "applet", "canvas",
    "video", "audio", "map", "template", "button", "select", "textarea", "input", "option", "nav",
    "aside", "footer",
)


def prestrip(tree: HtmlElement) -> None:
    etree.strip_elements(tree, *PRESTRIP, with_tail=False)


def extract_blocks(tree: HtmlElement, url: str | None, *, precision: bool = False, fast: bool = True) -> list[Block]:
    """Run trafilatura's main-content cascade on ``tree`` (which it prunes) and render the body.

    ``url`` is not handed to trafilatura: resolving every link there costs more than the rest of
    link handling; the sanitizer makes the kept links absolute instead.
    """
    options = _OPTIONS[(precision, fast)]
    prestrip(tree)
    if _sequence is not None:
        postbody, _text, _comments, _ctext = _sequence(tree, options, None)
    else:  # pragma: no cover
        document = bare_extraction(tree, url=url, options=options)
        if document is None:
            return []
        postbody = document.body
    blocks: list[Block] = []
    for child in postbody:
        blocks.extend(_block(child))
    return blocks
