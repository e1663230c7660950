"""Turn a page's text into one lxml tree, refusing what is not a page and bounding what is huge.

Everything downstream (structured data, metadata, trafilatura, dates) reads this one tree, so a
page is parsed exactly once. Hostile input is stopped here: empty pages, binary bytes decoded as
text, pages without any element, and documents so large or so deeply nested that they would cost
unbounded time.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from newsdesk.errors import NoArticleFound

# Why 3,000,000 characters: real article pages measured on the benchmark corpora are under about
# 1.5 MB including inline scripts; parsing and extraction cost grow linearly, so a page ten times
# bigger than any real article is cut (its article, if any, starts near the top) rather than let a
# 20 MB hostile document run for seconds.
MAX_HTML_CHARS = 3_000_000

# Why 40,000 elements: the largest of the 592 real pages in the dev corpora has under 10,000;
# extraction time grows faster than linearly with element count (50,000 one-word paragraphs took
# 7 s), so a page four times larger than any real one is refused rather than let it stall a worker.
MAX_ELEMENTS = 40_000

# Why 0.1: a decoded binary (image, PDF, zip) is full of C0 control characters or U+FFFD; real
# pages, even with a broken encoding, have well under 1% of them.
BINARY_SHARE = 0.1
_SAMPLE = 4096  # enough characters to judge the whole file: binaries are binary from byte 0

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")
# The same characters, tested one by one with ``in`` (a C memchr-style scan): three times faster than
# the regex over a whole page, and almost no page has any, so the regex substitution rarely runs.
_CONTROL_CHARS = tuple(chr(c) for c in (*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F, 0xFFFE, 0xFFFF))
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_PARSER = lxml.html.HTMLParser(
    remove_comments=True,
    remove_pis=True,
    huge_tree=False,  # keeps libxml2's depth and node-size limits against hostile nesting
    no_network=True,
    collect_ids=False,
    default_doctype=False,
)
# Every element is an HtmlElement, chosen in C: lxml.html's default lookup calls a Python function
# for each element proxy (about 5% of extraction time) only to pick form/input subclasses, which
# nothing here uses.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


def looks_binary(html: str) -> bool:
    """True when the text is decoded binary data rather than markup."""
    sample = html[:_SAMPLE]
    if not sample:
        return False
    bad = len(_CONTROL.findall(sample)) + sample.count("\ufffd")
    return bad / len(sample) > BINARY_SHARE


def parse_html(html: str) -> HtmlElement:
    """Parse a page into an lxml tree or raise :class:`NoArticleFound` with a short reason."""
    if not html or not html.strip():
        raise NoArticleFound("empty page", reason="empty")
    if looks_binary(html):
        raise NoArticleFound("binary content, not HTML", reason="binary")
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
    html = _XML_DECL.sub("", html, count=1)  # lxml refuses str input that declares an encoding
    if any(c in html for c in _CONTROL_CHARS):
        html = _CONTROL.sub("", html)  # NUL and friends are invalid in XML text and break lxml
    if "<" not in html:
        raise NoArticleFound("no markup in page", reason="not_html")
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise NoArticleFound(f"unparseable page: {exc}", reason="unparseable") from exc
    if tree is None or len(tree) == 0:
        raise NoArticleFound("page has no elements", reason="empty")
    if tree.xpath("count(//*)") > MAX_ELEMENTS:  # counted in C, about 3 ms for 50,000 elements
        raise NoArticleFound(f"page has more than {MAX_ELEMENTS} elements", reason="too_large")
    return tree
