"""Find a site's feeds in its home page.

``<link rel="alternate">`` with a feed type is what the site itself advertises, so those come first,
in page order. Plain ``<a href>`` links that look like feeds (``.rss``, ``/feed``, ``.xml``) are a
weaker fallback for sites that only link their feeds in the footer. Relative URLs resolve against
``<base href>`` when the page has one, else against the page URL.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from newsdesk.models import DiscoveredFeed, FeedKind
from newsdesk.sources.adapter import http_url, plain_text

# Home pages are large but the links that matter are in <head> or the first screens; beyond a few
# MB a page is hostile or broken, and parsing it would cost more than the feeds are worth.
MAX_HTML_CHARS = 5_000_000
# A page advertising more feeds than this is a directory; the first ones are the site's own.
MAX_FEEDS = 50

_FEED_TYPES: dict[str, FeedKind] = {
    "application/rss+xml": FeedKind.RSS,
    "application/atom+xml": FeedKind.ATOM,
    "application/rdf+xml": FeedKind.RSS,
    "application/x-rss+xml": FeedKind.RSS,
    "application/x-atom+xml": FeedKind.ATOM,
    "text/rss+xml": FeedKind.RSS,
    "application/feed+json": FeedKind.JSON,
    "application/json": FeedKind.JSON,  # JSON Feed 1.0 advertised itself with this
}
_FEEDISH_PATH = re.compile(r"(\.(rss|atom|rdf)$)|(/(feed|feeds|rss|atom)(/|\.xml|\.json)?$)|(\.xml$)", re.I)


def discover_feeds(html: str, base_url: str) -> list[DiscoveredFeed]:
    """Feeds a home page advertises (``rel=alternate`` first), then feed-looking links; deduplicated."""
    root = _parse(html)
    if root is None:
        return []
    base = base_url
    for node in root.iter("base"):
        href = node.get("href")
        if href:
            base = http_url(href, base_url) or base_url
            break
    found: dict[str, DiscoveredFeed] = {}
    for node in root.iter("link"):
        rels = (node.get("rel") or "").lower().split()
        ctype = (node.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rels or ctype not in _FEED_TYPES:
            continue
        url = http_url(node.get("href"), base)
        if ctype == "application/json" and (not url or "feed" not in url.lower()):
            continue  # plain JSON alternates are mostly APIs (WordPress's wp-json), not JSON Feeds
        if url and url not in found:
            found[url] = DiscoveredFeed(url=url, kind=_FEED_TYPES[ctype], title=plain_text(node.get("title"), 300))
    for node in root.iter("a"):
        if len(found) >= MAX_FEEDS:
            break
        url = http_url(node.get("href"), base)
        if not url or url in found:
            continue
        path = urlsplit(url).path.rstrip("/") or "/"
        if not _FEEDISH_PATH.search(path):
            continue
        kind = FeedKind.SITEMAP if "sitemap" in path.lower() else (
            FeedKind.JSON if path.lower().endswith(".json") else FeedKind.RSS
        )
        found[url] = DiscoveredFeed(url=url, kind=kind, title=plain_text(node.text_content(), 300))
    return list(found.values())[:MAX_FEEDS]


def _parse(html: str) -> etree._Element | None:
    text = html[:MAX_HTML_CHARS]
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "replace"),
                                             parser=lxml.html.HTMLParser(encoding="utf-8", no_network=True))
    except (etree.ParserError, ValueError):
        return None


__all__ = ["discover_feeds"]
