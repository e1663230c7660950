"""A source's extraction mode: where an article's body comes from.

- ``auto``: the automatic full-text extraction (``body.py``'s cascade, then the furniture filter);
- ``feed``: the feed entry's own content (RSS ``content:encoded``, Atom ``content``, JSON Feed
  ``content_html``). The page is still fetched and read for what feeds rarely carry reliably (the
  canonical URL that deduplication keys on, dates, bylines, the image), but its body is ignored;
- ``rules``: the elements a CSS selector picks, minus those the drop selectors pick.

``feed`` and ``rules`` keep every block they find (no furniture heuristics: the admin chose them
because the heuristics got the page wrong); their HTML is sanitized like the automatic one. The
modes are a registry (``MODES``) the pipeline picks from with a source's :class:`ExtractionRules`,
which are plain data so they cross into the extraction worker processes.
"""

from __future__ import annotations

import html as htmllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.etree import _Element
from lxml.html import HtmlElement

from newsdesk.errors import NoArticleFound, UsageError
from newsdesk.extract.article import extract_article
from newsdesk.extract.body import Block
from newsdesk.extract.parse import parse_html
from newsdesk.extract.trace import Trace, element_path
from newsdesk.models import ExtractedArticle

MODE_NAMES = ("auto", "feed", "rules")
MODE_HELP = {
    "auto": "automatic full-text extraction (the default)",
    "feed": "the feed entry's own content; the page is read for metadata only",
    "rules": "a CSS selector for the body, minus the elements the drop selectors pick",
}
MAX_SELECTOR_CHARS = 500  # why: a real selector is a few dozen characters; this bounds hostile input
MAX_DROP_SELECTORS = 20  # why: a handful cover any page's furniture; more is a paste gone wrong


@dataclass(frozen=True, slots=True)
class ExtractionRules:
    """A source's mode and selectors (selectors are kept when the mode changes, used by ``rules``)."""

    mode: str = "auto"
    body_selector: str | None = None
    drop_selectors: tuple[str, ...] = ()

    @property
    def reads_feed(self) -> bool:
        """Whether the feed entry's content is needed (why: it is not sent to the workers otherwise)."""
        return self.mode == "feed"


AUTO = ExtractionRules()


@lru_cache(maxsize=256)
def compile_selector(css: str) -> CSSSelector:
    """The compiled selector, or a :class:`UsageError` that says what is wrong with it."""
    css = css.strip()
    if not css:
        raise UsageError("extraction: empty CSS selector")
    if len(css) > MAX_SELECTOR_CHARS:
        raise UsageError(f"extraction: CSS selector longer than {MAX_SELECTOR_CHARS} characters")
    try:
        return CSSSelector(css)
    except Exception as exc:  # cssselect's SelectorSyntaxError / ExpressionError, lxml's XPath errors
        raise UsageError(f"extraction: bad CSS selector {css!r}: {exc}") from exc


def check_rules(mode: str, body_selector: str | None = None, drop_selectors: tuple[str, ...] = ()) -> ExtractionRules:
    """Validate what an admin typed (CLI or web) into :class:`ExtractionRules`, or raise UsageError."""
    mode = mode.strip().lower()
    if mode not in MODES:
        raise UsageError(f"extraction: unknown mode {mode!r} (choose one of {', '.join(MODE_NAMES)})")
    body = (body_selector or "").strip() or None
    drops = tuple(d.strip() for d in drop_selectors if d.strip())
    if len(drops) > MAX_DROP_SELECTORS:
        raise UsageError(f"extraction: more than {MAX_DROP_SELECTORS} drop selectors")
    for css in (body, *drops):
        if css is not None:
            compile_selector(css)
    if mode == "rules" and body is None:
        raise UsageError("extraction: mode 'rules' needs a body selector (--body-selector)")
    return ExtractionRules(mode, body, drops)


# --- HTML to blocks -------------------------------------------------------------------------------

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK_KINDS = {"p": "p", "ul": "list", "ol": "list", "dl": "list", "blockquote": "quote", "pre": "code",
                "table": "table", **{h: "h" for h in _HEADINGS}}
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "i", "img", "ins",
           "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
           "font"}


def _text(el: _Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _link_chars(el: _Element) -> int:
    return sum(len(_text(a)) for a in el.iter("a"))


def _block_of(el: _Element) -> Block | None:
    tag = el.tag if isinstance(el.tag, str) else ""
    kind = _BLOCK_KINDS[tag]
    text = "\n".join(_text(li) for li in el.iter("li", "dt", "dd")) if kind == "list" else _text(el)
    if not text:
        return None
    items = tuple(_text(li) for li in el.iter("li")) if kind == "list" else ()
    return Block(kind, etree.tostring(el, encoding="unicode", method="html", with_tail=False), text,
                 _link_chars(el), items)


def html_blocks(root: _Element) -> list[Block]:
    """Blocks of an HTML subtree: block elements as they are, loose inline text as paragraphs."""
    blocks: list[Block] = []
    run_html: list[str] = []
    run_text: list[str] = []

    def flush() -> None:
        text = " ".join("".join(run_text).split())
        if text:
            blocks.append(Block("p", "<p>" + "".join(run_html).strip() + "</p>", text))
        run_html.clear()
        run_text.clear()

    def add_text(value: str | None) -> None:
        if value:
            run_html.append(htmllib.escape(value, quote=False))
            run_text.append(value)

    def walk(el: _Element) -> None:
        add_text(el.text)
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in _BLOCK_KINDS:
                flush()
                if (block := _block_of(child)) is not None:
                    blocks.append(block)
            elif tag in _INLINE:
                run_html.append(etree.tostring(child, encoding="unicode", method="html", with_tail=False))
                run_text.append("".join(child.itertext()))
            elif tag:  # a container (div, section, figure…): its blocks in order
                flush()
                walk(child)
                flush()
            add_text(child.tail)

    tag = root.tag if isinstance(root.tag, str) else ""
    if tag in _BLOCK_KINDS:
        block = _block_of(root)
        return [block] if block is not None else []
    walk(root)
    flush()
    return blocks


# --- the modes ------------------------------------------------------------------------------------


def _rules_body(rules: ExtractionRules, trace: Trace | None) -> Callable[[HtmlElement], list[Block]]:
    if rules.body_selector is None:  # check_rules refuses it; stored rows could predate a check
        raise NoArticleFound("rules: no body selector set", reason="rules_no_selector")
    body = compile_selector(rules.body_selector)
    drops = [(css, compile_selector(css)) for css in rules.drop_selectors]

    def extract(tree: HtmlElement) -> list[Block]:
        for css, drop in drops:
            found = drop(tree)
            if trace is not None:
                trace.dropped(found, "drop selector", f"matches {css!r}")
            for el in found:
                if el.getparent() is not None:
                    el.drop_tree()  # keeps the tail text, which belongs to the parent
        roots = body(tree)
        outer = [el for el in roots if not any(anc in roots for anc in el.iterancestors())]
        if not outer:
            raise NoArticleFound(f"rules: body selector {rules.body_selector!r} matched nothing",
                                 reason="rules_no_match")
        if trace is not None:
            for el in outer:
                trace.record(element_path(el), _text(el), "kept", "body selector", f"matches {rules.body_selector!r}")
        return [block for el in outer for block in html_blocks(el)]

    return extract


def _auto(html: str, url: str, rules: ExtractionRules, feed_html: str | None, trace: Trace | None) -> ExtractedArticle:
    return extract_article(html, url, trace=trace)


def _feed(html: str, url: str, rules: ExtractionRules, feed_html: str | None, trace: Trace | None) -> ExtractedArticle:
    if not feed_html or not feed_html.strip():
        raise NoArticleFound("feed: the feed entry carries no content (mode 'feed')", reason="no_feed_content")
    content = feed_html if "<" in feed_html else f"<p>{htmllib.escape(feed_html, quote=False)}</p>"

    def extract(_tree: HtmlElement) -> list[Block]:
        root = parse_html(content)
        found = root.find("body")
        return html_blocks(found if found is not None else root)

    return extract_article(html, url, body=extract, furniture=False, trace=trace)


def _rules(html: str, url: str, rules: ExtractionRules, feed_html: str | None, trace: Trace | None) -> ExtractedArticle:
    return extract_article(html, url, body=_rules_body(rules, trace), furniture=False, trace=trace)


ModeExtractor = Callable[[str, str, ExtractionRules, "str | None", "Trace | None"], ExtractedArticle]
MODES: dict[str, ModeExtractor] = {"auto": _auto, "feed": _feed, "rules": _rules}


def extract_with(rules: ExtractionRules, html: str, url: str, *, feed_html: str | None = None,
                 trace: Trace | None = None) -> ExtractedArticle:
    """Extract one page the way ``rules`` say (``feed_html``: the feed entry's content, if any)."""
    extractor = MODES.get(rules.mode)
    if extractor is None:
        raise NoArticleFound(f"extract: unknown extraction mode {rules.mode!r}", reason="unknown_mode")
    return extractor(html, url, rules, feed_html, trace)
