"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) turned into :class:`RawEntry` values.

1.0 named one ``author``; 1.1 has ``authors`` and ``language``. Both are read, so a 1.0 feed and a
1.1 feed describing the same items give the same entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from newsdesk.errors import ParseError
from newsdesk.models import FeedKind, ParsedFeed
from newsdesk.sources.adapter import RawEntry, build_feed, parse_datetime

# Nesting deeper than this is not a feed; it also keeps json's recursion far from Python's limit.
MAX_DEPTH = 64


def parse_jsonfeed(
    body: bytes, url: str, *, now: datetime | None = None, max_entries: int = 500
) -> ParsedFeed:
    """Parse a JSON Feed; ``malformed`` for invalid JSON, ``unknown_format`` for JSON of another shape."""
    data = _load(body)
    if not isinstance(data, dict):
        raise ParseError("JSON document is not an object", reason="unknown_format")
    version = str(data.get("version", ""))
    items = data.get("items")
    if "jsonfeed.org" not in version and not isinstance(items, list):
        raise ParseError("JSON document is not a JSON Feed", reason="unknown_format")
    if not isinstance(items, list):
        items = []
    return build_feed(
        FeedKind.JSON,
        list(_raw_entries(items, _str(data.get("language")))),
        url=url,
        now=now,
        max_entries=max_entries,
        title=_str(data.get("title")),
        home_url=_str(data.get("home_page_url")),
        lang=_str(data.get("language")),
        hubs=_hubs(data.get("hubs")),
        self_url=_str(data.get("feed_url")),
    )


def _hubs(value: Any) -> list[str | None]:
    """JSON Feed's ``hubs``: objects with a ``type`` (WebSub) and a ``url``; other types are ignored."""
    if not isinstance(value, list):
        return []
    return [_str(hub.get("url")) for hub in value if isinstance(hub, dict)
            and str(hub.get("type", "WebSub")).lower() in ("websub", "pubsubhubbub")]


def _load(body: bytes) -> Any:
    try:
        text = body.decode("utf-8-sig")  # RFC 8259: JSON on the wire is UTF-8
    except UnicodeDecodeError:
        text = body.decode("utf-8", "replace")
    if _too_deep(text):
        raise ParseError(f"JSON nested deeper than {MAX_DEPTH}", reason="malformed")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"invalid JSON: {exc}", reason="malformed") from exc


def _too_deep(text: str) -> bool:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _raw_entries(items: list[Any], feed_lang: str | None) -> Iterator[RawEntry]:
    for item in items:
        if not isinstance(item, dict):
            yield RawEntry()  # counted as no_link by the adapter
            continue
        tags = item.get("tags")
        yield RawEntry(
            link=_str(item.get("url")) or _str(item.get("external_url")),
            guid=str(item["id"]) if isinstance(item.get("id"), str | int) else None,
            title=_str(item.get("title")),
            summary=_str(item.get("summary")) or _str(item.get("content_text")) or _str(item.get("content_html")),
            authors=_authors(item),
            published_at=parse_datetime(_str(item.get("date_published"))),
            updated_at=parse_datetime(_str(item.get("date_modified"))),
            lang=_str(item.get("language")) or feed_lang,
            image=_str(item.get("image")) or _str(item.get("banner_image")),
            section=next((t for t in tags if isinstance(t, str) and t.strip()), None)
            if isinstance(tags, list)
            else None,
            content_html=_str(item.get("content_html")),
        )


def _authors(item: dict[str, Any]) -> list[str]:
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item["author"]] if isinstance(item.get("author"), dict) else []
    return [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
