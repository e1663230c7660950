"""RSS 0.9x/1.0/2.0 and Atom, read by feedparser and turned into :class:`RawEntry` values.

feedparser copes with the broken feeds of the real web (wrong encodings, undeclared entities,
unclosed tags) far better than a strict parser would. It is handed a byte stream, never a string,
because given a string it may treat it as a URL or a file name and go and read it.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import feedparser

from newsdesk.errors import ParseError
from newsdesk.models import FeedKind, ParsedFeed
from newsdesk.sources.adapter import RawEntry, build_feed, from_struct_time
from newsdesk.sources.sniff import strip_doctype, to_utf8

# Notes feedparser raises about a document it read fine: a charset that differed from the declared
# one, a content type it did not expect. They do not make an empty feed broken.
_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# sy:updatePeriod names (RSS 1.0 syndication module) in seconds
UPDATE_PERIODS = {"hourly": 3_600, "daily": 86_400, "weekly": 604_800, "monthly": 2_592_000,
                  "yearly": 31_536_000}


def parse_rss(
    body: bytes, url: str, *, now: datetime | None = None, max_entries: int = 500
) -> ParsedFeed:
    """Parse an RSS or Atom document; ``malformed`` when nothing usable could be read from it."""
    parsed = feedparser.parse(
        io.BytesIO(strip_doctype(to_utf8(body))),
        # the base for relative links; the bytes are UTF-8 now, whatever the server said
        response_headers={"content-location": url, "content-type": "application/xml; charset=utf-8"},
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    feed: Mapping[str, Any] = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and isinstance(problem, _BENIGN):
        problem = None
    version = str(parsed.get("version") or "")
    result = build_feed(
        FeedKind.ATOM if version.startswith("atom") else FeedKind.RSS,
        list(_raw_entries(entries, feed.get("language"))),
        url=url,
        now=now,
        max_entries=max_entries,
        title=feed.get("title"),
        home_url=feed.get("link"),
        lang=feed.get("language"),
        hubs=_links(feed, "hub"),
        self_url=next(iter(_links(feed, "self")), None),
    )
    result = replace(result, ttl=_ttl_seconds(feed.get("ttl")),
                     update_period=update_period_seconds(feed.get("sy_updateperiod"), feed.get("sy_updatefrequency")))
    if not result.entries and (problem is not None or not parsed.get("version")):
        # broken or truncated XML that gave nothing usable: "malformed", unlike a valid empty feed
        raise ParseError(f"unreadable feed: {problem or 'no RSS or Atom structure'}", reason="malformed")
    return result


def update_period_seconds(period: str | None, frequency: str | int | None) -> float | None:
    """``sy:updatePeriod`` / ``sy:updateFrequency`` as seconds (the feed changes ``frequency`` times
    a ``period``); None when the period is missing or unknown."""
    seconds = UPDATE_PERIODS.get((period or "").strip().lower())
    if seconds is None:
        return None
    try:
        times = int(str(frequency).strip()) if frequency not in (None, "") else 1
    except ValueError:
        times = 1
    return seconds / max(1, times)


def _ttl_seconds(value: Any) -> float | None:
    """RSS ``<ttl>``: minutes the channel may be cached; None when absent or not a number."""
    try:
        minutes = float(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None
    return minutes * 60 if minutes is not None and 0 <= minutes < 1e7 else None


def _links(feed: Mapping[str, Any], rel: str) -> list[str]:
    """The feed-level ``<link rel=…>`` targets: Atom's own, and ``atom:link`` inside RSS (WebSub)."""
    return [str(link["href"]) for link in feed.get("links") or []
            if isinstance(link, Mapping) and link.get("rel") == rel and link.get("href")]


def _raw_entries(entries: list[dict[str, Any]], feed_lang: str | None) -> Iterator[RawEntry]:
    for entry in entries:
        # dict.get: FeedParserDict.get would answer "updated" with the published date. An entry
        # with only an update date (RSS 1.0's dc:date, many Atom feeds) was published then at the latest.
        published, updated = dict.get(entry, "published_parsed"), dict.get(entry, "updated_parsed")
        yield RawEntry(
            link=entry.get("link") or _permalink_guid(entry),
            guid=entry.get("id"),
            title=_as_html(entry, "title"),
            summary=_as_html(entry, "summary"),
            authors=_authors(entry),
            published_at=from_struct_time(published or updated),
            updated_at=from_struct_time(updated),
            lang=_entry_lang(entry) or feed_lang,
            image=_image(entry),
            section=_section(entry),
            content_html=_content_html(entry),
        )


def _as_html(entry: Mapping[str, Any], key: str) -> str | None:
    """The field as HTML for the adapter: Atom ``type="text"`` is literal text, so it is escaped."""
    value = entry.get(key)
    if not value:
        return None
    detail = entry.get(f"{key}_detail") or {}
    return html.escape(str(value), quote=False) if detail.get("type") == "text/plain" else str(value)


def _permalink_guid(entry: Mapping[str, Any]) -> str | None:
    guid = entry.get("id")
    if guid and entry.get("guidislink") is not False and str(guid).startswith(("http://", "https://")):
        return str(guid)
    return None


def _authors(entry: Mapping[str, Any]) -> list[str]:
    names = [str(a["name"]) for a in entry.get("authors") or [] if isinstance(a, Mapping) and a.get("name")]
    if not names and entry.get("author"):
        names = [str(entry["author"])]
    return names


def _entry_lang(entry: Mapping[str, Any]) -> str | None:
    for detail in ("title_detail", "summary_detail"):
        value = (entry.get(detail) or {}).get("language")
        if value:
            return str(value)
    return None


def _image(entry: Mapping[str, Any]) -> str | None:
    for media in entry.get("media_content") or []:
        medium, mtype = media.get("medium", ""), media.get("type", "")
        if media.get("url") and (medium == "image" or mtype.startswith("image/") or (not medium and not mtype)):
            return str(media["url"])
    for thumb in entry.get("media_thumbnail") or []:
        if thumb.get("url"):
            return str(thumb["url"])
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/") and link.get("href"):
            return str(link["href"])
    image = entry.get("image")
    if isinstance(image, Mapping) and image.get("href"):
        return str(image["href"])
    return None


def _section(entry: Mapping[str, Any]) -> str | None:
    for tag in entry.get("tags") or []:
        term = tag.get("term") or tag.get("label")
        if term:
            return str(term)
    return None


def _content_html(entry: Mapping[str, Any]) -> str | None:
    """content:encoded or Atom <content>: the first HTML-ish content block."""
    for content in entry.get("content") or []:
        if content.get("value") and "html" in str(content.get("type", "text/html")):
            return str(content["value"])
    return None
