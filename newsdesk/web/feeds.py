"""Feeds out: RSS 2.0, Atom 1.0 and JSON Feed 1.1 rendered from a list view's teasers.

Every value is escaped for its format (XML text and attributes through ``xml.sax.saxutils``; JSON
through ``json.dumps``); characters XML 1.0 forbids are dropped, so a control character in a
headline cannot make the feed unreadable. RSS readers take ``<title>`` and ``<description>`` as
HTML, so plain text there is HTML-escaped before it is XML-escaped (a headline that mentions
``<img onerror=…>`` stays words); Atom says what each element holds (``type="text"`` or ``"html"``)
and JSON Feed has ``content_text`` and ``content_html``. Full text (``?full=1`` or the
``feeds_full_text`` setting) is the article's HTML sanitized again, as on its page. Feeds are paged
(``?page=N``) with RFC 5005 ``first``/``previous``/``next`` links (JSON Feed: ``next_url``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape as html_escape
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy.orm import Session

from newsdesk.store import queries
from newsdesk.store.queries import Teaser
from newsdesk.web.security import sanitize_article_html
from newsdesk.web.views import ListView, article_path, language_name

FORMATS = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
IMAGE_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "avif": "image/avif", "svg": "image/svg+xml",
}
DEFAULT_IMAGE_TYPE = "image/jpeg"  # why: news lead images without an extension are nearly always JPEG


@dataclass(frozen=True)
class FeedExtras:
    """What a feed carries beyond the view's teasers (looked up for the whole list at once)."""

    bodies: dict[int, str] = field(default_factory=dict)  # sanitized full HTML by article id (full text)
    source_feeds: dict[int, str] = field(default_factory=dict)  # outlet id → the feed it is followed by
    query: dict[str, str] = field(default_factory=dict)  # kept in the feed's own links (``full=1``)
    hub: str | None = None  # the WebSub hub advertised (``websub_hub``), when one is configured


def hub_link_header(hub: str | None, self_url: str) -> str | None:
    """The ``Link`` header WebSub subscribers look at first: the hub, and the feed's own URL."""
    if not hub:
        return None
    return f'<{hub}>; rel="hub", <{self_url}>; rel="self"'


def feed_extras(session: Session, view: ListView, *, full: bool, hub: str | None = None) -> FeedExtras:
    """Outlets' feed URLs (RSS ``<source url>``) and, for full-text feeds, each item's sanitized HTML."""
    source_ids = [t.source.id for t in view.teasers if t.source]
    bodies: dict[int, str] = {}
    articles = [t for t in view.teasers if t.page_path is None]  # a story item has no body of its own
    if full and articles:
        raw = queries.bodies_for(session, articles)
        bodies = {t.id: str(sanitize_article_html(raw.get(t.id, ""), t.url)) for t in articles}
    return FeedExtras(bodies, queries.feed_urls(session, source_ids), {"full": "1"} if full else {}, hub)


def _x(value: str | None) -> str:
    return escape(XML_INVALID.sub("", value or ""))


def _attr(value: str) -> str:
    return quoteattr(XML_INVALID.sub("", value))


def _html_text(value: str) -> str:
    """Plain text for an element readers take as HTML: HTML-escaped here, XML-escaped by ``_x``."""
    return html_escape(value, quote=False)


def _updated(view: ListView) -> datetime:
    times = [t.published_at for t in view.teasers if t.published_at]
    return max(times) if times else (view.last_modified or EPOCH)


def _entry_updated(teaser: Teaser, view: ListView) -> datetime:
    """Atom's required ``updated`` of an entry: its publication, else when it was first seen here.

    An undated article never borrows the list's newest fetch time as a date: RSS and JSON Feed
    leave the date out, and Atom (which must give one) gives the article's own first fetch.
    """
    return teaser.published_at or teaser.seen_at or view.last_modified or EPOCH


def _item_path(teaser: Teaser) -> str:
    """The item's page on this site: the article's, or the story's in a feed of stories."""
    return teaser.page_path or article_path(teaser.id)


def _item_link(base: str, teaser: Teaser) -> str:
    """The item's page on this site, in the language the item is given in."""
    link = base + _item_path(teaser)
    return link + "?lang=" + teaser.lang if teaser.original_lang and teaser.lang else link


def _note(teaser: Teaser) -> str:
    """A human-readable line for translated items (feed readers show little structure)."""
    if not teaser.original_lang:
        return ""
    return f"Machine-translated from {language_name(teaser.original_lang)} by {teaser.translated_by}."


def _summary(teaser: Teaser) -> str:
    reprinted = f" (Reprinted by {teaser.reprint_count} more outlet{'s' if teaser.reprint_count != 1 else ''}.)" \
        if teaser.reprint_count else ""
    return teaser.snippet + (" (" + _note(teaser) + ")" if teaser.original_lang else "") + reprinted


def _full_html(teaser: Teaser, extras: FeedExtras) -> str | None:
    """The item's sanitized HTML (with the translation note) when the feed gives full text."""
    body = extras.bodies.get(teaser.id)
    if body is None:
        return None
    note = f"<p><em>{_html_text(_note(teaser))}</em></p>" if teaser.original_lang else ""
    return body + note


def _image(teaser: Teaser) -> tuple[str, str] | None:
    """The lead image's URL and a media type guessed from its extension; only http(s) images."""
    if not teaser.image:
        return None
    try:
        parts = urlsplit(teaser.image)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    ext = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path.rsplit("/", 1)[-1] else ""
    return teaser.image, IMAGE_TYPES.get(ext, DEFAULT_IMAGE_TYPE)


def _paging(view: ListView, base: str, ext: str, extras: FeedExtras) -> list[tuple[str, str]]:
    """RFC 5005 paged-feed links as (rel, absolute URL)."""
    links = []
    if view.page > 1:
        links.append(("first", base + view.feed_url(ext, 1, extras.query)))
        links.append(("previous", base + view.feed_url(ext, view.page - 1, extras.query)))
    if view.has_next:
        links.append(("next", base + view.feed_url(ext, view.page + 1, extras.query)))
    return links


def _rss_item(t: Teaser, view: ListView, base: str, extras: FeedExtras) -> str:
    link = base + _item_path(t)
    parts = [
        f"<title>{_x(_html_text(t.title))}</title>",
        f"<link>{_x(_item_link(base, t))}</link>",
        f'<guid isPermaLink="true">{_x(link)}</guid>',
        f"<description>{_x(_html_text(_summary(t)))}</description>",
    ]
    if t.published_at:  # an undated article claims no date (pubDate is optional)
        parts.insert(3, f"<pubDate>{format_datetime(t.published_at.astimezone(UTC), usegmt=True)}</pubDate>")
    full = _full_html(t, extras)
    if full is not None:
        parts.append(f"<content:encoded>{_x(full)}</content:encoded>")
    if t.lang:
        parts.append(f"<dc:language>{_x(t.lang)}</dc:language>")
    if t.original_lang:
        parts.append(f'<category domain="original-language">{_x(t.original_lang)}</category>')
    parts += [f"<dc:creator>{_x(a)}</dc:creator>" for a in t.authors]
    if t.section:
        parts.append(f"<category>{_x(t.section)}</category>")
    image = _image(t)
    if image:  # length is required; 0 is the convention when it is not known
        parts.append(f'<enclosure url={_attr(image[0])} length="0" type={_attr(image[1])}/>')
    source_feed = extras.source_feeds.get(t.source.id) if t.source else None
    if t.source and source_feed:  # RSS 2.0: <source url> is the channel the item came from
        parts.append(f"<source url={_attr(source_feed)}>{_x(t.source.name)}</source>")
    return "<item>" + "".join(parts) + "</item>"


def render_rss(view: ListView, base: str, site_name: str, extras: FeedExtras | None = None) -> str:
    extras = extras or FeedExtras()
    self_url = base + view.feed_url("rss", view.page, extras.query)
    paging = "".join(f'<atom:link rel="{rel}" href={_attr(url)} type="application/rss+xml"/>'
                     for rel, url in _paging(view, base, "rss", extras))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel>"
        f"<title>{_x(_html_text(view.title + ' — ' + site_name))}</title>"
        f"<link>{_x(base + view.page_url(1))}</link>"
        f"<description>{_x(_html_text(view.description or view.title))}</description>"
        f'<atom:link href={_attr(self_url)} rel="self" type="application/rss+xml"/>{paging}'
        + (f'<atom:link href={_attr(extras.hub)} rel="hub"/>' if extras.hub else "") +
        f"<lastBuildDate>{format_datetime(_updated(view).astimezone(UTC), usegmt=True)}</lastBuildDate>"
        + "".join(_rss_item(t, view, base, extras) for t in view.teasers)
        + "</channel></rss>\n"
    )


def _atom_entry(t: Teaser, view: ListView, base: str, extras: FeedExtras) -> str:
    link = base + _item_path(t)
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
    image = _image(t)
    enclosure = f'<link rel="enclosure" type={_attr(image[1])} href={_attr(image[0])}/>' if image else ""
    full = _full_html(t, extras)
    content = f'<content type="html">{_x(full)}</content>' if full is not None else ""
    return (
        f"<entry{lang}>"
        f'<title type="text">{_x(t.title)}</title>'
        f'<link rel="alternate" type="text/html" href={_attr(_item_link(base, t))}/>'
        f"{original}{enclosure}"
        f"<id>{_x(link)}</id>"
        f"<updated>{when}</updated>{published}"
        f"{authors}{category}"
        f'<summary type="text">{_x(_summary(t))}</summary>{content}'
        "</entry>"
    )


def render_atom(view: ListView, base: str, site_name: str, extras: FeedExtras | None = None) -> str:
    extras = extras or FeedExtras()
    self_url = base + view.feed_url("atom", view.page, extras.query)
    feed_id = base + view.feed_url("atom", 1, extras.query)  # every page is part of one feed
    paging = "".join(f'<link rel="{rel}" type="application/atom+xml" href={_attr(url)}/>'
                     for rel, url in _paging(view, base, "atom", extras))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title type="text">{_x(view.title + " — " + site_name)}</title>'
        f"<id>{_x(feed_id)}</id>"
        f'<link rel="self" type="application/atom+xml" href={_attr(self_url)}/>{paging}'
        + (f'<link rel="hub" href={_attr(extras.hub)}/>' if extras.hub else "") +
        f'<link rel="alternate" type="text/html" href={_attr(base + view.page_url(view.page))}/>'
        f"<updated>{_updated(view).astimezone(UTC).isoformat()}</updated>"
        f"<author><name>{_x(site_name)}</name></author>"
        + "".join(_atom_entry(t, view, base, extras) for t in view.teasers)
        + "</feed>\n"
    )


def _json_item(t: Teaser, view: ListView, base: str, extras: FeedExtras) -> dict[str, object]:
    item: dict[str, object] = {
        "id": base + _item_path(t),
        "url": _item_link(base, t),
        "external_url": t.url,
        "title": t.title,
        "summary": t.snippet,
        "content_text": t.snippet,
    }
    if t.published_at:  # optional in JSON Feed: an undated article claims no date
        item["date_published"] = t.published_at.astimezone(UTC).isoformat()
    full = _full_html(t, extras)
    if full is not None:
        item["content_html"] = full
    if t.authors:
        item["authors"] = [{"name": a} for a in t.authors]
    image = _image(t)
    if image:
        item["image"] = image[0]
    if t.section:
        item["tags"] = [t.section]
    if t.lang:
        item["language"] = t.lang
    if t.original_lang:  # JSON Feed extensions are keys starting with "_"
        item["_newsdesk"] = {"original_language": t.original_lang, "translated_by": t.translated_by,
                             "note": _note(t)}
    return item


def render_json_feed(view: ListView, base: str, site_name: str, extras: FeedExtras | None = None) -> str:
    extras = extras or FeedExtras()
    feed: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": view.title + " — " + site_name,
        "home_page_url": base + view.page_url(1),
        "feed_url": base + view.feed_url("json", view.page, extras.query),
        "description": view.description or view.title,
        "items": [_json_item(t, view, base, extras) for t in view.teasers],
    }
    if view.has_next:
        feed["next_url"] = base + view.feed_url("json", view.page + 1, extras.query)
    if extras.hub:
        feed["hubs"] = [{"type": "WebSub", "url": extras.hub}]
    return json.dumps(feed, ensure_ascii=False, indent=1)


RENDERERS = {"rss": render_rss, "atom": render_atom, "json": render_json_feed}


def render_feed(fmt: str, view: ListView, base: str, site_name: str, extras: FeedExtras | None = None) -> str:
    return RENDERERS[fmt](view, base, site_name, extras)


def wants_full_text(value: str | None, default: bool) -> bool:
    """``?full=1`` (or true/yes) asks for full text, ``?full=0`` for teasers; else the site's setting."""
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


__all__ = ["FORMATS", "FeedExtras", "feed_extras", "hub_link_header", "render_atom", "render_feed", "render_json_feed",
           "render_rss", "wants_full_text"]
