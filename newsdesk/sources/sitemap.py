"""Sitemaps, news sitemaps and sitemap indexes, read with a safe lxml parser.

Many news sites publish no feed but keep a Google News sitemap of the last two days' articles, so
sitemaps are first-class sources. A news sitemap's ``news:publication_date`` becomes
``published_at``; ``lastmod`` (when the page last changed) becomes ``updated_at`` and is the only
date a plain sitemap gives. A sitemap index yields ``children`` (the nested sitemaps), no entries.
Also here: where to look for sitemaps when a site does not say (:func:`sitemap_candidates`) and
where it does (:func:`sitemaps_from_robots`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree

from newsdesk.errors import ParseError
from newsdesk.models import MAX_URL_CHARS, FeedKind, ParsedFeed
from newsdesk.sources.adapter import RawEntry, build_feed, http_url, parse_datetime
from newsdesk.sources.sniff import local, parse_xml

# The sitemap protocol allows 50,000 URLs per file (and per index); more is not a sitemap.
MAX_SITEMAP_URLS = 50_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# robots.txt files listing more sitemaps than this are generated junk; these are tried in order.
MAX_ROBOTS_SITEMAPS = 100

# Where news sites put sitemaps, most specific first: a news sitemap lists only recent articles.
CANDIDATE_PATHS = (
    "/sitemap_news.xml",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
    "/news_sitemap.xml",
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap-index.xml",
)


def parse_sitemap(
    body: bytes, url: str, *, now: datetime | None = None, max_entries: int = 500
) -> ParsedFeed:
    """Parse a ``<urlset>`` (plain or news) or a ``<sitemapindex>``."""
    root, problem = parse_xml(body)
    kind = local(root.tag).lower()
    # a recovered parse of a file cut off inside its last <loc> gives that URL's first half
    cut = problem is not None and _ends_inside_loc(body)
    if kind == "sitemapindex":
        result = _index(root, url, cut=cut)
    elif kind == "urlset":
        dropped: list[tuple[str, str]] = []
        entries = _urls(root, cut=cut, dropped=dropped)
        result = build_feed(FeedKind.SITEMAP, entries, url=url, now=now, max_entries=max_entries, dropped=dropped)
    else:
        raise ParseError(f"not a sitemap: root element <{kind}>", reason="unknown_format")
    langs = {entry.lang for entry in result.entries}
    if len(langs) == 1 and None not in langs:  # a news sitemap of one publication in one language
        result = replace(result, lang=langs.pop())
    if problem and not result.entries and not result.children:
        # broken or truncated XML that gave nothing usable: "malformed", unlike a valid empty sitemap
        raise ParseError(f"unreadable sitemap: {problem}", reason="malformed")
    return result


# A cut-off <loc> is looked for this far from the end: a URL is at most MAX_URL_CHARS long.
_TAIL_BYTES = 2 * MAX_URL_CHARS
_LOC_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?loc\s*>", re.IGNORECASE)
_LOC_CLOSE = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?loc\s*>", re.IGNORECASE)


def _ends_inside_loc(body: bytes) -> bool:
    """True when the document stops after a ``<loc>`` that was never closed."""
    tail = body[-_TAIL_BYTES:]
    opens = list(_LOC_OPEN.finditer(tail))
    return bool(opens) and _LOC_CLOSE.search(tail, opens[-1].end()) is None


def _drop_cut_loc(nodes: list[etree._Element], dropped: list[tuple[str, str]]) -> list[etree._Element]:
    """Without its last element, the one holding the unterminated ``<loc>``, noted as ``truncated``."""
    for index in range(len(nodes) - 1, -1, -1):
        loc = _text(nodes[index], "loc")
        if loc is not None:
            dropped.append(("truncated", f"document ends inside <loc>: {loc[:200]}"))
            return nodes[:index] + nodes[index + 1:]
    return nodes


def _index(root: etree._Element, url: str, *, cut: bool = False) -> ParsedFeed:
    children: list[str] = []
    dropped: list[tuple[str, str]] = []
    nodes = list(_children(root, "sitemap"))
    for node in _drop_cut_loc(nodes, dropped) if cut else nodes:
        loc = http_url(_text(node, "loc"), url)
        if loc is None:
            dropped.append(("no_link", (_text(node, "loc") or "")[:200]))
        elif loc in children:
            dropped.append(("duplicate_guid", loc))
        else:
            children.append(loc)
    return ParsedFeed(kind=FeedKind.SITEMAP, children=tuple(children), dropped=tuple(dropped))


def _urls(root: etree._Element, *, cut: bool = False, dropped: list[tuple[str, str]] | None = None) -> list[RawEntry]:
    """Entries newest first (undated last, otherwise in document order).

    Plain sitemaps are often in publication order, oldest first; sorting means ``max_entries``
    keeps the newest articles rather than the site's first ones.
    """
    entries: list[RawEntry] = []
    nodes = list(_children(root, "url"))
    for node in _drop_cut_loc(nodes, dropped if dropped is not None else []) if cut else nodes:
        fields = _fields(node)
        news = _fields(fields.get("news"))
        publication = _fields(news.get("publication"))
        entries.append(
            RawEntry(
                link=_text(fields.get("loc")),
                title=_text(news.get("title")),
                published_at=parse_datetime(_text(news.get("publication_date"))),
                updated_at=parse_datetime(_text(fields.get("lastmod"))),
                lang=_text(publication.get("language")),
                image=_text(_fields(fields.get("image")).get("loc")),
            )
        )
    dated = [e for e in entries if e.published_at or e.updated_at]
    dated.sort(key=lambda e: e.published_at or e.updated_at or _EPOCH, reverse=True)
    return dated + [e for e in entries if not (e.published_at or e.updated_at)]


def _children(node: etree._Element | None, name: str) -> Iterator[etree._Element]:
    """Child elements by local name, whatever namespace (or none) the site used; capped."""
    if node is None:
        return
    count = 0
    for child in node:
        if local(child.tag).lower() == name:
            count += 1
            if count > MAX_SITEMAP_URLS:
                return
            yield child


def _fields(node: etree._Element | None) -> dict[str, etree._Element]:
    """The first child element of each local name, found in one pass over the children."""
    found: dict[str, etree._Element] = {}
    if node is None:
        return found
    for child in node:
        name = local(child.tag).lower()
        if name and name not in found:
            found[name] = child
    return found


def _text(node: etree._Element | None, name: str | None = None) -> str | None:
    if name is not None:
        node = next(_children(node, name), None)
    if node is None:
        return None
    text = node.text if len(node) == 0 else "".join(node.itertext())  # a leaf is the usual case
    return (text or "").strip() or None


def sitemap_candidates(base_url: str) -> list[str]:
    """Usual sitemap locations at the root of ``base_url``'s site, news sitemaps first."""
    root = http_url("/", base_url)
    if root is None:
        return []
    return [urljoin(root, path) for path in CANDIDATE_PATHS]


def sitemaps_from_robots(robots_txt: str, base_url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt, resolved against ``base_url``; http(s) only, deduplicated."""
    values: list[str] = []
    for line in robots_txt.lstrip("\ufeff").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "sitemap":
            values.append(value.split("#", 1)[0].strip())
    return sitemap_urls(values, base_url)


def sitemap_urls(values: Iterable[str], base_url: str) -> list[str]:
    """Sitemap URLs a robots.txt gave (protego's ``sitemaps``), resolved; http(s) only, deduplicated."""
    found: list[str] = []
    for value in values:
        url = http_url(value, base_url)
        if url and url not in found:
            found.append(url)
            if len(found) >= MAX_ROBOTS_SITEMAPS:
                break
    return found


def parse_text_sitemap(
    body: bytes, url: str, *, now: datetime | None = None, max_entries: int = 500
) -> ParsedFeed:
    """A text sitemap (sitemaps.org "Text file"): each non-empty line one URL; other lines noted."""
    text = body.decode("utf-8-sig", "replace")  # the protocol says UTF-8; a BOM is allowed
    raw: list[RawEntry] = []
    dropped: list[tuple[str, str]] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_SITEMAP_URLS:
        dropped.append(("over_limit", f"{len(lines) - MAX_SITEMAP_URLS} lines beyond the protocol's {MAX_SITEMAP_URLS}"))
    for line in lines[:MAX_SITEMAP_URLS]:
        if " " in line or not line.lower().startswith(("http://", "https://")):
            dropped.append(("no_link", f"not a URL line: {line[:200]}"))
        else:
            raw.append(RawEntry(link=line))
    return build_feed(FeedKind.SITEMAP, raw, url=url, now=now, max_entries=max_entries, dropped=dropped)

