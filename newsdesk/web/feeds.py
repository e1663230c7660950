"""Feeds out: RSS 2.0, Atom 1.0 and JSON Feed 1.1 rendered from a list view's teasers.

Every value is escaped for its format (XML text and attributes through ``xml.sax.saxutils``; JSON
through ``json.dumps``); characters XML 1.0 forbids are dropped, so a control character in a
headline cannot make the feed unreadable.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from newsdesk.store.queries import Teaser
from newsdesk.web.views import ListView, article_path, language_name

FORMATS = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _x(value: str | None) -> str:
    return escape(XML_INVALID.sub("", value or ""))


def _attr(value: str) -> str:
    return quoteattr(XML_INVALID.sub("", value))


def _updated(view: ListView) -> datetime:
    times = [t.published_at for t in view.teasers if t.published_at]
    return max(times) if times else (view.last_modified or EPOCH)


def _entry_updated(teaser: Teaser, view: ListView) -> datetime:
    """Atom's required ``updated`` of an entry: its publication, else when it was first seen here.

    An undated article never borrows the list's newest fetch time as a date: RSS and JSON Feed
    leave the date out, and Atom (which must give one) gives the article's own first fetch.
    """
    return teaser.published_at or teaser.seen_at or view.last_modified or EPOCH


def _item_link(base: str, teaser: Teaser) -> str:
    """The item's page on this site, in the language the item is given in."""
    link = base + article_path(teaser.id)
    return link + "?lang=" + teaser.lang if teaser.original_lang and teaser.lang else link


def _note(teaser: Teaser) -> str:
    """A human-readable line for translated items (feed readers show little structure)."""
    if not teaser.original_lang:
        return ""
    return f"Machine-translated from {language_name(teaser.original_lang)} by {teaser.translated_by}."


def render_rss(view: ListView, base: str, site_name: str) -> str:
    self_url = base + view.feed_url("rss")
    items = []
    for t in view.teasers:
        link = base + article_path(t.id)
        description = t.snippet + (" (" + _note(t) + ")" if t.original_lang else "")
        parts = [
            f"<title>{_x(t.title)}</title>",
            f"<link>{_x(_item_link(base, t))}</link>",
            f'<guid isPermaLink="true">{_x(link)}</guid>',
            f"<description>{_x(description)}</description>",
        ]
        if t.published_at:  # an undated article claims no date (pubDate is optional)
            parts.insert(3, f"<pubDate>{format_datetime(t.published_at.astimezone(UTC), usegmt=True)}</pubDate>")
        if t.lang:
            parts.append(f"<dc:language>{_x(t.lang)}</dc:language>")
        if t.original_lang:
            parts.append(f'<category domain="original-language">{_x(t.original_lang)}</category>')
        parts += [f"<dc:creator>{_x(a)}</dc:creator>" for a in t.authors]
        if t.section:
            parts.append(f"<category>{_x(t.section)}</category>")
        if t.source:
            parts.append(f"<source url={_attr(t.url)}>{_x(t.source.name)}</source>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{_x(view.title + ' — ' + site_name)}</title>"
        f"<link>{_x(base + view.page_url(1))}</link>"
        f"<description>{_x(view.description or view.title)}</description>"
        f'<atom:link href={_attr(self_url)} rel="self" type="application/rss+xml"/>'
        f"<lastBuildDate>{format_datetime(_updated(view).astimezone(UTC), usegmt=True)}</lastBuildDate>"
        + "".join(items)
        + "</channel></rss>\n"
    )


def render_atom(view: ListView, base: str, site_name: str) -> str:
    self_url = base + view.feed_url("atom")
    entries = []
    for t in view.teasers:
        link = base + article_path(t.id)
        when = _entry_updated(t, view).astimezone(UTC).isoformat()
        published = f"<published>{t.published_at.astimezone(UTC).isoformat()}</published>" if t.published_at else ""
        authors = "".join(f"<author><name>{_x(a)}</name></author>" for a in t.authors)
        if not authors and t.source:
            authors = f"<author><name>{_x(t.source.name)}</name></author>"
        category = f"<category term={_attr(t.section)}/>" if t.section else ""
        lang = f" xml:lang={_attr(t.lang)}" if t.lang else ""
        original = ""
        if t.original_lang:  # the original is an alternate in its own language
            original = (f'<link rel="alternate" type="text/html" hreflang={_attr(t.original_lang)} '
                        f"href={_attr(link + '?lang=original')} title={_attr('Original')}/>"
                        f'<category scheme="original-language" term={_attr(t.original_lang)}/>')
        summary = t.snippet + (" (" + _note(t) + ")" if t.original_lang else "")
        entries.append(
            f"<entry{lang}>"
            f"<title>{_x(t.title)}</title>"
            f'<link rel="alternate" type="text/html" href={_attr(_item_link(base, t))}/>'
            f"{original}"
            f"<id>{_x(link)}</id>"
            f"<updated>{when}</updated>{published}"
            f"{authors}{category}"
            f"<summary>{_x(summary)}</summary>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{_x(view.title + ' — ' + site_name)}</title>"
        f"<id>{_x(self_url)}</id>"
        f'<link rel="self" type="application/atom+xml" href={_attr(self_url)}/>'
        f'<link rel="alternate" type="text/html" href={_attr(base + view.page_url(1))}/>'
        f"<updated>{_updated(view).astimezone(UTC).isoformat()}</updated>"
        f"<author><name>{_x(site_name)}</name></author>"
        + "".join(entries)
        + "</feed>\n"
    )


def render_json_feed(view: ListView, base: str, site_name: str) -> str:
    items = []
    for t in view.teasers:
        item: dict[str, object] = {
            "id": base + article_path(t.id),
            "url": _item_link(base, t),
            "external_url": t.url,
            "title": t.title,
            "summary": t.snippet,
            "content_text": t.snippet,
        }
        if t.published_at:  # optional in JSON Feed: an undated article claims no date
            item["date_published"] = t.published_at.astimezone(UTC).isoformat()
        if t.authors:
            item["authors"] = [{"name": a} for a in t.authors]
        if t.image:
            item["image"] = t.image
        if t.section:
            item["tags"] = [t.section]
        if t.lang:
            item["language"] = t.lang
        if t.original_lang:  # JSON Feed extensions are keys starting with "_"
            item["_newsdesk"] = {"original_language": t.original_lang, "translated_by": t.translated_by,
                                 "note": _note(t)}
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": view.title + " — " + site_name,
        "home_page_url": base + view.page_url(1),
        "feed_url": base + view.feed_url("json"),
        "description": view.description or view.title,
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, indent=1)


RENDERERS = {"rss": render_rss, "atom": render_atom, "json": render_json_feed}


def render_feed(fmt: str, view: ListView, base: str, site_name: str) -> str:
    return RENDERERS[fmt](view, base, site_name)


__all__ = ["FORMATS", "render_atom", "render_feed", "render_json_feed", "render_rss"]
