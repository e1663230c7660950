"""``extract_article``: one page in, one clean :class:`ExtractedArticle` out, or ``NoArticleFound``.

The order matters and is fixed:

1. parse once (hostile input stops here, see ``parse.py``);
2. read structured data and metadata from the intact tree (body extraction prunes the tree);
3. strip what no later stage reads (head, scripts, styles, navigation, asides, footers); when
   the article markup states no date, on this smaller tree: the date printed by the headline,
   htmldate's quick search (dates in sidebars mislead it less here than on the intact tree),
   generic date tags, the URL, the visible text's opening; bylines from markup are looked for
   here too;
4. body: trafilatura's cascade on the shared tree, rendered into blocks (``body.py``);
5. drop furniture blocks, then "Source: X" lines (recording the names), before anything is derived
   from the text — teaser, language and cited wires all see the clean text;
6. sanitize the HTML last, so nothing added after it escapes the allow-list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from lxml.html import HtmlElement

from newsdesk.enrich.lang import detect_language
from newsdesk.errors import NoArticleFound
from newsdesk.extract.body import PRESTRIP, Block, extract_body, prestrip, prestrip_tree
from newsdesk.extract.citations import cited_wires, source_line_names
from newsdesk.extract.dates import find_text_date, find_url_date, parse_date
from newsdesk.extract.furniture import remove_furniture
from newsdesk.extract.metadata import Metadata, dom_authors, read_metadata
from newsdesk.extract.parse import parse_html
from newsdesk.extract.sanitize import sanitize_html
from newsdesk.extract.structured import read_page_data
from newsdesk.extract.teaser import make_teaser
from newsdesk.extract.trace import Trace
from newsdesk.models import ExtractedArticle

# Why 25 word characters: below about four words there is no article, only a caption or a prompt.
MIN_BODY_WORD_CHARS = 25
# Why 200 characters: on shorter texts py3langid is unreliable, so the page's declared language wins.
LANG_TEXT_MIN = 200
TEASER_LIMIT = 180  # why: the middle of the 150–200 characters list views show
_WORD_CHAR = re.compile(r"\w")
_LANG_CODE = re.compile(r"^[a-z]{2,3}$")


def _fallback_date(tree: HtmlElement, url: str | None) -> datetime | None:
    """htmldate's search of the prestripped page, used only when no structured date exists."""
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover - htmldate comes with trafilatura
        return None
    # htmldate's quick search (markup, URL, date classes); its extensive search costs about seven
    # times more, so a plain scan of the visible text's opening replaces it.
    try:
        found = find_date(tree, url=url, extensive_search=False, original_date=True)
    except Exception:  # htmldate is a heuristic over hostile pages; a failure means "no date"
        found = None
    return parse_date(found) if found else None


# Why 400 characters past the headline: the dateline or byline ("Von X, 29.04.2020, 12:01 Uhr") sits
# within a teaser's length of the headline; further down, dates belong to the story or to rails.
HEADLINE_DATE_WINDOW = 200
_ANCHOR_CHARS = 60  # why: enough of a headline to find it once, short enough to survive suffix edits


def _visible_text(tree: HtmlElement) -> str:
    """The prestripped page's text, one space between elements ("20231. November" would hide a date)."""
    body = tree.find("body")
    return " ".join(" ".join((body if body is not None else tree).itertext()).split())


def _headline_date(tree: HtmlElement, text: str, title: str | None) -> datetime | None:
    """The first date printed just after the headline (the dateline or byline), as UTC midnight.

    Dates above the headline are the site's "today" or navigation; the ones by the headline are the
    article's own, and outrank generic date tags and htmldate's guesses among many <time> elements.
    """
    anchors = [title] if title else []
    anchors += [" ".join(" ".join(h.itertext()).split()) for h in tree.iter("h1")][:3]
    for anchor in anchors:
        key = anchor[:_ANCHOR_CHARS]
        if len(key) < 10:  # why: a short label ("News") matches anywhere
            continue
        pos = text.find(key)
        if pos >= 0:  # start after the headline: a date in it is the subject's, not the article's
            start = pos + (len(anchor) if text.startswith(anchor, pos) else len(key))
            return find_text_date(text[start:], window=HEADLINE_DATE_WINDOW, in_sentence=False)
    return None


def _unstated_date(tree: HtmlElement, meta: Metadata, url: str | None) -> datetime | None:
    """For pages whose article markup states no date: the one by the headline, htmldate's search,
    generic date tags, the URL, then the first date in the visible text."""
    text = _visible_text(tree)
    return (
        _headline_date(tree, text, meta.title)
        or _fallback_date(tree, url)
        or meta.published_hint
        or find_url_date(url)
        or find_text_date(text)
    )


@dataclass(frozen=True, slots=True)
class _SourceLine:
    """Names of one "Source: X" line and where it stood: a block of its own after ``position`` kept
    blocks, or a line of the paragraph kept at ``position`` (with or without text after it there)."""

    names: list[str]
    position: int
    in_paragraph: bool = False
    text_after: bool = False

    def closes(self, kept: int) -> bool:
        """No body text follows the line (``kept``: blocks kept in all)."""
        if self.in_paragraph:
            return self.position == kept - 1 and not self.text_after
        return self.position == kept


def _split_citations(blocks: list[Block]) -> tuple[list[Block], list[str], list[str]]:
    """Remove "Source: X" blocks, and such lines ending a paragraph after a <br>, keeping the names.

    Returns the kept blocks, the names of source lines that body text follows (a chart's "Source:
    Eurostat": cited), and those of the closing ones, after the last body text (where the whole
    text came from: an aggregator's "Источник: Газета.Ru").
    """
    kept: list[Block] = []
    lines: list[_SourceLine] = []
    for block in blocks:
        names = source_line_names(block.text) if len(block.text) <= 160 else None
        if names:
            lines.append(_SourceLine(names, len(kept)))
            continue
        if block.kind == "p" and "\n" in block.text:
            block = _drop_source_lines(block, lines, len(kept))
        if block.text:
            kept.append(block)
    cited: list[str] = []
    closing: list[str] = []
    for line in lines:
        (closing if line.closes(len(kept)) else cited).extend(line.names)
    return kept, cited, closing


def _drop_source_lines(block: Block, found: list[_SourceLine], position: int) -> Block:
    """Lines of a paragraph are its <br>-separated parts; drop those that are source lines."""
    lines = block.text.split("\n")
    inner = block.html.removeprefix("<p>").removesuffix("</p>")
    parts = inner.split("<br>")
    if len(parts) != len(lines):
        return block  # the markup does not line up with the text: leave the paragraph whole
    keep_lines, keep_parts = [], []
    here: list[_SourceLine] = []
    for line, part in zip(lines, parts, strict=True):
        names = source_line_names(line)
        if names:
            here.append(_SourceLine(names, position, in_paragraph=True))
        else:
            keep_lines.append(line)
            keep_parts.append(part)
            here = [replace(s, text_after=True) for s in here]
    if not keep_lines:  # source lines only: the paragraph goes, its lines stand as blocks would
        found.extend(_SourceLine(s.names, position) for s in here)
        return replace(block, text="", html="")
    found.extend(here)
    if not here:
        return block
    return replace(block, text="\n".join(keep_lines), html="<p>" + "<br>".join(keep_parts) + "</p>")


def _language(text: str, hint: str | None) -> str | None:
    declared = None
    if hint:
        code = hint.strip().replace("_", "-").split("-")[0].lower()
        declared = code if _LANG_CODE.match(code) else None
    if len(text) >= LANG_TEXT_MIN or declared is None:
        return detect_language(text) or declared
    return declared


def _unique(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return tuple(seen.values())


def _assemble(blocks: list[Block], meta: Metadata, url: str | None, published: datetime | None, *,
              furniture: bool = True, trace: Trace | None = None) -> ExtractedArticle:
    if furniture:
        blocks = remove_furniture(blocks, meta.title, trace)
    before = blocks
    blocks, cited_lines, closing_lines = _split_citations(blocks)
    if trace is not None:
        _trace_citations(trace, before, blocks)
    text = "\n".join(block.text for block in blocks)
    if len(_WORD_CHAR.findall(text[:1000])) < MIN_BODY_WORD_CHARS:
        raise NoArticleFound("no article text in page", reason="no_body")
    base = meta.canonical_url or url
    return ExtractedArticle(
        text=text,
        html=sanitize_html("\n".join(block.html for block in blocks), base_url=base),
        title=meta.title,
        authors=meta.authors,
        published_at=published,
        updated_at=meta.updated_at,
        lang=_language(text, meta.lang_hint),
        canonical_url=meta.canonical_url,
        image=meta.image,
        section=meta.section,
        site_name=meta.site_name,
        cited_sources=_unique(cited_wires(text) + cited_lines),
        text_sources=_unique(closing_lines),
        teaser=make_teaser(text, TEASER_LIMIT),
        description=meta.description,
        tags=meta.tags,
    )


def _trace_citations(trace: Trace, before: list[Block], after: list[Block]) -> None:
    kept = {id(block) for block in after}
    for block in before:
        if id(block) not in kept and block not in after:
            trace.record(block.kind, block.text, "dropped", "source lines", "a \"Source: X\" line (its names are kept)")
    for block in after:
        trace.record(block.kind, block.text, "kept", "final", "article text")


BodyStep = Callable[[HtmlElement], list[Block]]
"""A body extractor other than the automatic one: the prestripped tree in, blocks out (``modes.py``)."""


def extract_article(html: str, url: str | None = None, *, body: BodyStep | None = None, furniture: bool = True,
                    trace: Trace | None = None) -> ExtractedArticle:
    """Extract the article of one HTML page; raise :class:`NoArticleFound` when there is none.

    ``body`` replaces the automatic body extraction (a source's rules or its feed's content), and
    ``furniture=False`` keeps every block it returns; ``trace`` records each step's decisions.
    """
    tree = parse_html(html)
    data = read_page_data(tree)
    meta = read_metadata(tree, data, url)
    if trace is not None:
        trace.dropped(tree.iter(*(tag for tag in PRESTRIP if tag != "head")), "prestrip", "a tag that never holds article text (nav, aside, script…)")
    prestrip(tree)
    published = meta.published_at or _unstated_date(tree, meta, url)
    if not meta.authors:  # bylines sit in the article, never in scripts, navigation or asides
        meta = replace(meta, authors=dom_authors(tree, meta.site_name))
    if body is not None:
        blocks = body(tree)
    else:
        blocks = extract_body(tree, lambda: prestrip_tree(parse_html(html)), trace)
    return _assemble(blocks, meta, url, published, furniture=furniture, trace=trace)
