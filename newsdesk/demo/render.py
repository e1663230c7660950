"""What every demo page template shares: escaping, absolute links, teasers, lead images, HTTP dates.

Everything user-visible goes through ``html.escape``; nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import Any

from newsdesk.demo.article import DemoArticle, segments
from newsdesk.demo.outlets import BY_KEY

TEASER_CHARS = 150  # about two lines of a teaser card, the cut real sites make


def abs_url(base_url: str, path: str) -> str:
    return path if path.startswith(("http://", "https://")) else base_url.rstrip("/") + path


def teaser_text(article: DemoArticle, limit: int = TEASER_CHARS) -> str:
    """The first ~``limit`` characters of the body, cut at a word and ended with "..."."""
    text = " ".join(article.plain_paragraphs)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:—- ")
    return cut + "..."


def paragraph_html(paragraph: str, base_url: str) -> str:
    """One paragraph's inner HTML: text escaped, ``[anchor](path)`` links as absolute ``<a>``."""
    parts = []
    for text, href in segments(paragraph):
        if href is None:
            parts.append(escape(text, quote=False))
        else:
            parts.append(f'<a href="{escape(abs_url(base_url, href))}">{escape(text, quote=False)}</a>')
    return "".join(parts)


def json_ld(data: dict[str, Any]) -> str:
    """JSON for a ``<script type="application/ld+json">``: "</" inside would end the script early."""
    return json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")


def news_article_ld(article: DemoArticle, base_url: str, *, with_section: bool = True) -> dict[str, Any]:
    """schema.org NewsArticle *without* ``articleBody``: extraction is tested on the DOM."""
    outlet = BY_KEY[article.outlet]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.published_at.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": {
            "@type": "Organization",
            "name": outlet.name,
            "logo": {"@type": "ImageObject", "url": abs_url(base_url, "/images/logo.png")},
        },
        "image": [abs_url(base_url, article.image)],
        "inLanguage": article.lang,
        "keywords": list(article.tags),
        "mainEntityOfPage": abs_url(base_url, article.path),
    }
    if with_section:
        data["articleSection"] = article.section
    return data


def lead_image_png(seed: str, width: int = 240, height: int = 135) -> bytes:
    """A small valid PNG (two colour bands picked from ``seed``); 16:9 like a lead image."""
    digest = hashlib.sha1(seed.encode()).digest()
    top, bottom = digest[0:3], digest[3:6]
    rows = b"".join(b"\x00" + (top if y < height * 2 // 3 else bottom) * width for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


RU_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
EN_MONTHS_AP = (
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)


def zone_label(moment: datetime) -> str:
    """The abbreviation a page prints next to a time in its own zone (the offsets the demo uses)."""
    offset = moment.utcoffset()
    hours = 0 if offset is None else int(offset.total_seconds() // 3600)
    return {0: "GMT", 3: "МСК", -5: "EST", -4: "EDT"}.get(hours, f"UTC{hours:+d}")


def section_key(article: DemoArticle) -> str:
    """The URL key of the article's section on its outlet (``/section/<key>``)."""
    for name, key in BY_KEY[article.outlet].sections:
        if name == article.section:
            return key
    raise ValueError(f"demo: {article.slug}: unknown section {article.section!r} on {article.outlet}")
