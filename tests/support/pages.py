"""Feeds and article pages built by code for pipeline tests."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

LOREM = [
    "The harbour authority approved a plan on Tuesday to rebuild the northern breakwater, which was damaged "
    "by two winter storms and has been closed to walkers since January.",
    "Engineers said the work would take eighteen months and cost about forty million, most of it paid by a "
    "regional resilience fund that was set up after the floods three years ago.",
    "Fishermen who use the northern quay welcomed the decision but asked for a temporary mooring during the "
    "works, saying the southern basin is already crowded in the summer months.",
    "The council will publish the final timetable next month after a public consultation, and contractors "
    "are expected to begin moving equipment onto the site in early spring.",
]


def article_page(title: str, paragraphs: list[str], *, canonical: str | None = None, lang: str = "en",
                 published: str = "2026-11-20T10:00:00+02:00", author: str = "Ann Writer") -> str:
    head = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>
{head}<meta property="og:title" content="{escape(title)}">
<meta property="article:published_time" content="{published}"><meta name="author" content="{escape(author)}">
</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>{escape(title)}</h1><p class="byline">By {escape(author)}</p>{body}</article></main>
<aside><h3>Share</h3><a href="#">Share on Facebook</a></aside><footer>© Test Outlet</footer></body></html>"""


def rss(items: list[dict[str, str]], *, title: str = "Test Outlet", link: str = "http://127.0.0.1/") -> str:
    rows = []
    for item in items:
        parts = [f"<title>{escape(item.get('title', 'untitled'))}</title>"]
        if "link" in item:
            parts.append(f"<link>{escape(item['link'])}</link>")
        if "guid" in item:
            parts.append(f"<guid isPermaLink=\"false\">{escape(item['guid'])}</guid>")
        if "date" in item:
            parts.append(f"<pubDate>{item['date']}</pubDate>")
        rows.append("<item>" + "".join(parts) + "</item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>{escape(link)}</link><language>en</language>{''.join(rows)}</channel></rss>")


def rfc822(days_ago: float = 1.0) -> str:
    when = datetime.now(UTC) - timedelta(days=days_ago)
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def unique_paragraphs(n: int) -> list[str]:
    """Article text that differs per ``n`` (so content hashes differ)."""
    return [f"Report number {n}: {p}" for p in LOREM] + [f"Closing note {n} with the figure {n * 37} in it."]


def aeb_pages(shared: Path, count: int) -> list[tuple[str, str]]:
    """(id, html) of the first ``count`` real news pages of the shared AEB dev set."""
    files = sorted((shared / "bench" / "extraction" / "aeb-dev" / "html").glob("*.html.gz"))[:count]
    return [(f.name.split(".")[0], gzip.decompress(f.read_bytes()).decode("utf-8")) for f in files]
