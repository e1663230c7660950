"""Sitemaps, news sitemaps and sitemap indexes, read with a safe lxml parser.

Many news sites publish no feed but keep a Google News sitemap of the last two days' articles, so
sitemaps are first-class sources. A news sitemap's ``news:publication_date`` becomes
``published_at``; ``lastmod`` (when the page last changed) becomes ``updated_at`` and is the only
date a plain sitemap gives. A sitemap index yields ``children`` (the nested sitemaps), no entries.
Also here: where to look for sitemaps when a site does not say (:func:`sitemap_candidates`) and
where it does (:func:`sitemaps_from_robots`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree

from newsdesk.errors import ParseError
from newsdesk.models import FeedKind, ParsedFeed
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
    if kind == "sitemapindex":
        result = _index(root, url)
    elif kind == "urlset":
        result = build_feed(FeedKind.SITEMAP, _urls(root), url=url, now=now, max_entries=max_entries)
    else:
        raise ParseError(f"not a sitemap: root element <{kind}>", reason="unknown_format")
    langs = {entry.lang for entry in result.entries}
    if len(langs) == 1 and None not in langs:  # a news sitemap of one publication in one language
        result = replace(result, lang=langs.pop())
    if problem and not result.entries and not result.children:
        # broken or truncated XML that gave nothing usable: "malformed", unlike a valid empty sitemap
        raise ParseError(f"unreadable sitemap: {problem}", reason="malformed")
    return result


def _index(root: etree._Element, url: str) -> ParsedFeed:
    children: list[str] = []
    dropped: list[tuple[str, str]] = []
    for node in _children(root, "sitemap"):
        loc = http_url(_text(node, "loc"), url)
        if loc is None:
            dropped.append(("no_link", (_text(node, "loc") or "")[:200]))
        elif loc in children:
            dropped.append(("duplicate_guid", loc))
        else:
            children.append(loc)
    return ParsedFeed(kind=FeedKind.SITEMAP, children=tuple(children), dropped=tuple(dropped))


def _urls(root: etree._Element) -> list[RawEntry]:
    """Entries newest first (undated last, otherwise in document order).

    Plain sitemaps are often in publication order, oldest first; sorting means ``max_entries``
    keeps the newest articles rather than the site's first ones.
    """
    entries: list[RawEntry] = []
    for node in _children(root, "url"):
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
    found: list[str] = []
    for line in robots_txt.splitlines():
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() != "sitemap":
            continue
        url = http_url(value.split("#", 1)[0].strip(), base_url)
        if url and url not in found:
            found.append(url)
            if len(found) >= MAX_ROBOTS_SITEMAPS:
                break
    return found
