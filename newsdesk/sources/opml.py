"""OPML subscription lists in and out, so users can move their feeds between readers.

Folders (outlines without ``xmlUrl`` that hold others) become the ``category`` of the feeds inside,
nested folders joined with ``/`` (``World/Europe``); :func:`write_opml` splits it back into nested
outlines, so writing then parsing gives the same feeds. A folder name containing ``/`` therefore
comes back as two levels. OPML 2.0's ``category`` attribute is read when a feed sits in no folder.
An outline's ``type`` (``rss``, ``atom``, ``json``/``jsonfeed``, ``sitemap``) becomes the feed's
kind and is written back. :func:`read_opml` also returns every outline that gave no feed with a
reason (``no_feed_url``, ``not_a_feed``, ``bad_url``, ``duplicate``, ``malformed``, ``too_deep``,
``over_limit``); a folder is no such outline.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Iterable, Iterator

from lxml import etree

from newsdesk.errors import ParseError
from newsdesk.models import FeedKind, OpmlDocument, OutlineFeed
from newsdesk.sources.adapter import clean_lang, http_url
from newsdesk.sources.sniff import local, parse_xml, to_utf8

# A reader's export with more feeds than this is not a subscription list a person keeps.
MAX_OPML_FEEDS = 10_000
# Deeper nesting than this is no folder tree anyone made by hand.
MAX_DEPTH = 32
# Before parsing: an OPML file of this size holds far more than MAX_OPML_FEEDS outlines.
MAX_OPML_BYTES = 20 * 1024 * 1024


def parse_opml(data: bytes | str) -> list[OutlineFeed]:
    """The feeds of an OPML document in document order (see :func:`read_opml` for what was skipped)."""
    return list(read_opml(data).feeds)


def read_opml(data: bytes | str) -> OpmlDocument:
    """The feeds of an OPML document, and each outline that gave none with the reason why.

    Outlines are read the way readers write them, not only as the spec says: attribute names in
    any case (``xmlUrl``, ``xmlurl``), bare ``&`` in URLs (``?a=1&b=2``, invalid XML that lxml's
    recovery would silently cut to ``?a=1=2``), feeds nested under feeds.
    """
    body = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, str):
        body = _drop_encoding_declaration(body)
    if len(body) > MAX_OPML_BYTES:
        raise ParseError(f"OPML larger than {MAX_OPML_BYTES} bytes", reason="too_large")
    cleaned = _CONTROL.sub(b" ", _escape_bare_ampersands(to_utf8(body)))
    # a damaged list still gives its complete outlines; the ones recovery lost are counted below
    root, problem = parse_xml(cleaned, recover=True)
    if local(root.tag).lower() != "opml":
        raise ParseError(f"not OPML: root element <{local(root.tag)}>", reason="unknown_format")
    body_node = next((c for c in root if local(c.tag).lower() == "body"), None)
    if body_node is None:
        return OpmlDocument()
    feeds: list[OutlineFeed] = []
    skipped: list[tuple[str, str]] = []
    lost = len(_OUTLINE_TAG.findall(cleaned)) - sum(1 for _ in body_node.iter("outline", "{*}outline"))
    if lost > 0:
        skipped.append(("malformed", f"{lost} outline(s) unreadable as XML ({problem or 'recovered parse'})"[:300]))
    seen: dict[str, str] = {}
    for found in _walk(body_node, (), 0, skipped):
        if found.url in seen:
            skipped.append(("duplicate", f"{found.url} (also in {seen[found.url] or 'the top level'})"))
        elif len(feeds) >= MAX_OPML_FEEDS:
            skipped.append(("over_limit", f"{found.url}: more than {MAX_OPML_FEEDS} feeds in one list"))
        else:
            seen[found.url] = found.category or ""
            feeds.append(found)
    return OpmlDocument(feeds=tuple(feeds), skipped=tuple(skipped))


# Characters XML 1.0 forbids (C0 controls but tab, newline, return): lxml stops reading at one.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_OUTLINE_TAG = re.compile(rb"<outline[\s/>]", re.IGNORECASE)
_STRAY_URL = re.compile(r"\b(xmlurl|htmlurl|url)\s*=", re.IGNORECASE)
# "&" not starting a character or entity reference: a bare ampersand, as in most hand-made lists
_AMPERSAND = re.compile(rb"&(#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)?")
_XML_ENTITIES = frozenset({b"amp;", b"lt;", b"gt;", b"quot;", b"apos;"})


def _escape_bare_ampersands(body: bytes) -> bytes:
    """Bare ``&`` escaped and HTML entities (``&eacute;``) turned into character references.

    The DOCTYPE is removed before parsing, so only XML's five entities are defined; lxml's
    recovery drops anything else, taking ``&widgetId`` out of ``…?widgetName=rssfeed&widgetId=1``.
    """

    def fix(match: re.Match[bytes]) -> bytes:
        ref = match.group(1)
        if ref is None:
            return b"&amp;"
        if ref.startswith(b"#") or ref in _XML_ENTITIES:
            return match.group(0)
        char = html.entities.html5.get(ref.decode("ascii"))
        return "".join(f"&#{ord(c)};" for c in char).encode("ascii") if char else b"&amp;" + ref

    return _AMPERSAND.sub(fix, body)


def _drop_encoding_declaration(body: bytes) -> bytes:
    """A str was already decoded: its ``encoding="…"`` no longer describes the UTF-8 bytes given to lxml."""
    head, sep, rest = body.partition(b"?>")
    if sep and head.lstrip().startswith(b"<?xml"):
        return rest
    return body


# OPML ``type`` values (lower case) and the feed kind each names; "rss" is what most readers write
# for any feed, so it only says "a feed" and the first fetch settles RSS or Atom.
_TYPES = {
    "rss": FeedKind.RSS.value,
    "atom": FeedKind.ATOM.value,
    "json": FeedKind.JSON.value,
    "jsonfeed": FeedKind.JSON.value,
    "sitemap": FeedKind.SITEMAP.value,
}
# Outline types that are never a feed to follow (OPML 2.0 §"Inclusion" and link outlines).
_NOT_FEEDS = frozenset({"include", "link", "html", "song", "howto", "blogpost"})


def _walk(
    node: etree._Element, path: tuple[str, ...], depth: int, skipped: list[tuple[str, str]]
) -> Iterator[OutlineFeed]:
    for child in node:
        if local(child.tag).lower() != "outline":
            continue
        attrs = {str(k).lower(): str(v) for k, v in child.attrib.items()}
        name = _label(attrs.get("title") or attrs.get("text"))
        if depth > MAX_DEPTH:
            skipped.append(("too_deep", f"{name or '(untitled)'}: nested more than {MAX_DEPTH} levels"))
            continue
        feed = _outline_feed(attrs, name, path, skipped)
        if feed is not None:
            yield feed
        for stray in (child.text, child.tail):
            if stray and _STRAY_URL.search(stray):  # attributes recovery pushed out of a broken tag
                skipped.append(("malformed", f"unreadable outline near {name or '(untitled)'}: {stray.strip()[:200]}"))
        if len(child):
            yield from _walk(child, (*path, name) if name and feed is None else path, depth + 1, skipped)


def _outline_feed(
    attrs: dict[str, str], name: str | None, path: tuple[str, ...], skipped: list[tuple[str, str]]
) -> OutlineFeed | None:
    """The feed one outline names, or None (a reason noted unless it is a plain folder)."""
    outline_type = attrs.get("type", "").strip().lower()
    raw_url = (attrs.get("xmlurl") or "").strip()
    if not raw_url and outline_type in _TYPES:
        raw_url = (attrs.get("url") or "").strip()  # some readers write url= on feed outlines
    label = name or raw_url or attrs.get("htmlurl") or attrs.get("url") or "(untitled)"
    if not raw_url:
        if outline_type in _NOT_FEEDS:
            skipped.append(("not_a_feed", f"{label}: outline of type {outline_type!r}"))
        elif attrs.get("htmlurl") or attrs.get("url"):
            skipped.append(("no_feed_url", f"{label}: no xmlUrl, only a web page link"))
        return None  # a folder (or an empty outline): nothing to report
    url = http_url(raw_url, raw_url) if raw_url.lower().startswith(("http://", "https://")) else None
    if url is None:
        skipped.append(("bad_url", f"{label}: not an absolute http(s) URL: {raw_url[:200]!r}"))
        return None
    if name == raw_url:  # write_opml puts the URL in "text" when a feed has no title
        name = None
    return OutlineFeed(
        url=url,
        title=name,
        home_url=http_url(attrs.get("htmlurl"), url),
        category="/".join(path) or _category_attr(attrs.get("category")) or None,
        lang=clean_lang(attrs.get("language") or attrs.get("lang")),
        kind=_TYPES.get(outline_type),
    )


def _category_attr(value: str | None) -> str | None:
    """OPML 2.0 ``category="/World/Europe,/Tech"``: the first path, without its leading slash."""
    if not value:
        return None
    first = value.split(",")[0].strip().strip("/")
    return _label(first)


def _label(value: str | None) -> str | None:
    """An outline's text: plain text by the OPML spec (``<`` is a character, not a tag), tidied."""
    if not value:
        return None
    text = " ".join(value.replace("\x00", "").split())[:300]
    return text or None


def write_opml(feeds: Iterable[OutlineFeed], title: str = "Newsdesk subscriptions") -> str:
    """An OPML 2.0 document of ``feeds``, nested by category; escaping is lxml's, never by hand."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], etree._Element] = {(): body}
    for feed in feeds:
        path = tuple(p for p in (feed.category or "").split("/") if p.strip())
        parent = _folder(folders, path)
        outline = etree.SubElement(parent, "outline", type=_written_type(feed.kind), xmlUrl=feed.url)
        if feed.title:
            outline.set("text", feed.title)
            outline.set("title", feed.title)
        else:
            outline.set("text", feed.url)
        if feed.home_url:
            outline.set("htmlUrl", feed.home_url)
        if feed.lang:
            outline.set("language", feed.lang)
    text: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text


def _written_type(kind: str | None) -> str:
    """The outline ``type`` for a feed kind; readers that know only "rss" still take every feed."""
    return kind if kind in _TYPES else "rss"


def _folder(folders: dict[tuple[str, ...], etree._Element], path: tuple[str, ...]) -> etree._Element:
    if path in folders:
        return folders[path]
    parent = _folder(folders, path[:-1])
    node = etree.SubElement(parent, "outline", text=path[-1], title=path[-1])
    folders[path] = node
    return node
