"""The sources stage: feeds, sitemaps, home pages, OPML and archives in; plain models out.

Each format has its own module (``rss``, ``jsonfeed``, ``sitemap``, ``discover``, ``opml``,
``archive``); every feed-like format goes through the one adapter (``adapter.build_feed``) so all
of them obey the same entry rules. Everything here is a pure function over bytes or text: no
network, no database. Failures are :class:`newsdesk.errors.ParseError` with a ``reason`` key.
"""

from __future__ import annotations

import re
from datetime import datetime

from newsdesk.errors import ParseError
from newsdesk.models import ParsedFeed
from newsdesk.sources.archive import ArchiveReader, read_archive
from newsdesk.sources.discover import discover_feeds
from newsdesk.sources.jsonfeed import parse_jsonfeed
from newsdesk.sources.opml import parse_opml, read_opml, write_opml
from newsdesk.sources.rss import parse_rss
from newsdesk.sources.sitemap import (
    parse_sitemap,
    parse_text_sitemap,
    sitemap_candidates,
    sitemap_urls,
    sitemaps_from_robots,
)
from newsdesk.sources.sniff import (
    MAX_DECOMPRESSED_BYTES,
    Format,
    gunzip,
    looks_like_feed,
    looks_like_text_sitemap,
    sniff,
    to_utf8,
)

__all__ = [
    "ArchiveReader",
    "discover_feeds",
    "looks_like_feed",
    "parse_feed",
    "parse_opml",
    "read_archive",
    "read_opml",
    "sitemap_candidates",
    "sitemap_urls",
    "sitemaps_from_robots",
    "write_opml",
]


def parse_feed(
    body: bytes,
    url: str,
    content_type: str | None = None,
    *,
    now: datetime | None = None,
    max_entries: int = 500,
) -> ParsedFeed:
    """Parse RSS, Atom, JSON Feed or a (news, index or plain-text) sitemap, gzipped or not.

    ``max_entries`` bounds one pass: a feed or sitemap with thousands of items would otherwise
    flood the pipeline in one refresh; the entries beyond it are noted as ``over_limit`` and come
    back on a later pass if still listed. ``now`` is the clock future dates are judged against.

    Raises :class:`ParseError` with reason ``malformed`` (broken XML/JSON with nothing usable),
    ``html_not_feed`` (an HTML page), ``unknown_format``, or ``too_large``. An empty but valid
    feed returns ``ParsedFeed(entries=())``.
    """
    if len(body) > MAX_DECOMPRESSED_BYTES:
        raise ParseError(f"feed larger than {MAX_DECOMPRESSED_BYTES} bytes", reason="too_large")
    body = to_utf8(gunzip(body), content_type)  # the HTTP charset is only in view here
    if not body.strip():
        raise ParseError("empty document", reason="malformed")
    kind = sniff(body, content_type)
    if kind == "unknown" and looks_like_text_sitemap(body):
        return parse_text_sitemap(body, url, now=now, max_entries=max_entries)
    if kind == "unknown":
        body, kind = _skip_leading_junk(body, content_type)
    if kind == "rss":
        return parse_rss(body, url, now=now, max_entries=max_entries)
    if kind == "json":
        return parse_jsonfeed(body, url, now=now, max_entries=max_entries)
    if kind == "sitemap":
        return parse_sitemap(body, url, now=now, max_entries=max_entries)
    if kind == "html":
        raise ParseError("an HTML page was served where a feed was expected", reason="html_not_feed")
    ctype = (content_type or "").lower()
    if "json" in ctype and body.lstrip()[:1] in (b"{", b"["):
        return parse_jsonfeed(body, url, now=now, max_entries=max_entries)
    raise ParseError(f"not a feed or sitemap ({kind}, content type {content_type!r})", reason="unknown_format")


# Bytes searched for a feed's start when junk precedes it; PHP notices and BOM debris are short.
_JUNK_WINDOW = 4096
_FEED_START = re.compile(rb"<\?xml\b|<(rss|feed|entry|rdf:RDF|urlset|sitemapindex)\b", re.IGNORECASE)


def _skip_leading_junk(body: bytes, content_type: str | None) -> tuple[bytes, Format]:
    """A feed preceded by text (a PHP warning printed before the XML is common): parse from its start."""
    match = _FEED_START.search(body, 1, _JUNK_WINDOW)
    if match is None:
        return body, "unknown"
    rest = body[match.start():]
    kind = sniff(rest, content_type)
    return (rest, kind) if kind in ("rss", "sitemap") else (body, "unknown")
