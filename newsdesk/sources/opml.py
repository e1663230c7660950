"""OPML subscription lists in and out, so users can move their feeds between readers.

Folders (outlines without ``xmlUrl`` that hold others) become the ``category`` of the feeds inside,
nested folders joined with ``/`` (``World/Europe``); :func:`write_opml` splits it back into nested
outlines, so writing then parsing gives the same feeds. A folder name containing ``/`` therefore
comes back as two levels. OPML 2.0's ``category`` attribute is read when a feed sits in no folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree

from newsdesk.errors import ParseError
from newsdesk.models import OutlineFeed
from newsdesk.sources.adapter import clean_lang, http_url
from newsdesk.sources.sniff import local, parse_xml

# A reader's export with more feeds than this is not a subscription list a person keeps.
MAX_OPML_FEEDS = 10_000
# Deeper nesting than this is no folder tree anyone made by hand.
MAX_DEPTH = 32
# Before parsing: an OPML file of this size holds far more than MAX_OPML_FEEDS outlines.
MAX_OPML_BYTES = 20 * 1024 * 1024


def parse_opml(data: bytes | str) -> list[OutlineFeed]:
    """The feeds of an OPML document in document order; outlines without a usable ``xmlUrl`` skipped."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, str):
        body = _drop_encoding_declaration(body)
    if len(body) > MAX_OPML_BYTES:
        raise ParseError(f"OPML larger than {MAX_OPML_BYTES} bytes", reason="too_large")
    root, _problem = parse_xml(body, recover=True)  # a damaged list still gives its complete outlines
    if local(root.tag).lower() != "opml":
        raise ParseError(f"not OPML: root element <{local(root.tag)}>", reason="unknown_format")
    body_node = next((c for c in root if local(c.tag).lower() == "body"), None)
    if body_node is None:
        return []
    feeds: list[OutlineFeed] = []
    seen: set[str] = set()
    for feed in _walk(body_node, (), 0):
        if feed.url not in seen:
            seen.add(feed.url)
            feeds.append(feed)
            if len(feeds) >= MAX_OPML_FEEDS:
                break
    return feeds


def _drop_encoding_declaration(body: bytes) -> bytes:
    """A str was already decoded: its ``encoding="…"`` no longer describes the UTF-8 bytes given to lxml."""
    head, sep, rest = body.partition(b"?>")
    if sep and head.lstrip().startswith(b"<?xml"):
        return rest
    return body


def _walk(node: etree._Element, path: tuple[str, ...], depth: int) -> Iterator[OutlineFeed]:
    if depth > MAX_DEPTH:
        return
    for child in node:
        if local(child.tag).lower() != "outline":
            continue
        name = _label(child.get("title") or child.get("text"))
        raw_url = (child.get("xmlUrl") or child.get("xmlurl") or "").strip()
        url = http_url(raw_url, raw_url) if raw_url.lower().startswith(("http://", "https://")) else None
        if url is not None:
            if name == raw_url:  # write_opml puts the URL in "text" when a feed has no title
                name = None
            category = "/".join(path) or _category_attr(child.get("category"))
            yield OutlineFeed(
                url=url,
                title=name,
                home_url=http_url(child.get("htmlUrl") or child.get("htmlurl"), url),
                category=category or None,
                lang=clean_lang(child.get("language") or child.get("lang")),
            )
        elif len(child):
            yield from _walk(child, (*path, name) if name else path, depth + 1)


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
        outline = etree.SubElement(parent, "outline", type="rss", xmlUrl=feed.url)
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


def _folder(folders: dict[tuple[str, ...], etree._Element], path: tuple[str, ...]) -> etree._Element:
    if path in folders:
        return folders[path]
    parent = _folder(folders, path[:-1])
    node = etree.SubElement(parent, "outline", text=path[-1], title=path[-1])
    folders[path] = node
    return node
