"""The one adapter every format goes through: raw entries in, clean :class:`EntryRef` out.

Format modules (rss, jsonfeed, sitemap) only read their syntax into :class:`RawEntry`; every rule
about what an entry *means* lives here, so RSS, Atom, JSON Feed and sitemaps behave alike:
links resolved and limited to http(s), duplicates dropped, dates made aware UTC with future dates
refused, titles and summaries reduced to plain text, authors cleaned. Each drop is recorded as a
``(reason, detail)`` pair in :attr:`ParsedFeed.dropped`, never silently.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from newsdesk.models import MAX_URL_CHARS, EntryRef, FeedKind, ParsedFeed

# A publisher's clock may run a little ahead, and time zones are often mislabelled by hours; a day
# covers both, while anything later is a wrong date that would pin the entry to the top of a list.
FUTURE_TOLERANCE = timedelta(days=1)
# Titles longer than this are body text put in the wrong field; a summary is a teaser, not the article.
MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 5_000
# Bytes of markup handed to the tag stripper; longer input is cut first so stripping stays linear-cheap.
MAX_MARKUP_CHARS = 200_000
# Authors per entry: bylines rarely name more than a handful; a long list is a tag cloud in disguise.
MAX_AUTHORS = 20
# WebSub hubs kept per feed: publishers name one or two; only the first is subscribed to anyway.
MAX_HUBS = 4


@dataclass(slots=True)
class RawEntry:
    """An entry as a format module read it: strings may hold markup, links may be relative."""

    link: str | None = None
    guid: str | None = None
    title: str | None = None
    summary: str | None = None  # may be HTML
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None  # aware, any zone
    updated_at: datetime | None = None
    lang: str | None = None
    image: str | None = None
    section: str | None = None
    content_html: str | None = None


class _TextCollector(HTMLParser):
    """Text of an HTML fragment: script/style dropped, block boundaries kept as spaces."""

    _SKIP = frozenset({"script", "style", "template", "noscript"})
    _BREAK = frozenset({"p", "br", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                        "blockquote", "section", "article", "ul", "ol", "hr", "figcaption"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


_SPACE = re.compile(r"\s+")


def plain_text(value: str | None, limit: int = MAX_SUMMARY_CHARS) -> str | None:
    """Markup and entities out, whitespace collapsed; ``None`` for nothing left."""
    if not value:
        return None
    value = value[:MAX_MARKUP_CHARS]
    if "<" in value:
        collector = _TextCollector()
        try:
            collector.feed(value)
            collector.close()
            value = "".join(collector.parts)
        except Exception:  # HTMLParser is lenient; this guards odd input, never hides a result
            value = re.sub(r"<[^>]{0,500}>", " ", value)
    else:
        value = unescape(value)
    value = _SPACE.sub(" ", value.replace("\x00", "")).strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value or None


_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^)]+)\)\s*$")  # "jane@x.org (Jane Doe)"
_EMAIL = re.compile(r"<?\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b>?")
_BYLINE = re.compile(r"^(by|von|par|por|di|door|av)\s+", re.IGNORECASE)


def clean_authors(names: Iterable[str | None]) -> tuple[str, ...]:
    """Plain names: markup, e-mail addresses and a leading "By" removed; duplicates dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = plain_text(raw, limit=200)
        if not name:
            continue
        match = _EMAIL_NAME.match(name)
        name = match.group("name") if match else _EMAIL.sub("", name)
        name = _BYLINE.sub("", name).strip(" ,;·|-")
        key = name.casefold()
        if name and key not in seen:
            seen.add(key)
            out.append(name)
        if len(out) >= MAX_AUTHORS:
            break
    return tuple(out)


def clean_lang(value: str | None) -> str | None:
    """A BCP 47-ish tag, lower case with hyphens (``en-us``), or ``None`` for anything odd."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    return tag if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{1,8})*", tag) else None


def http_url(value: str | None, base: str) -> str | None:
    """``value`` resolved against ``base`` if it is a usable http(s) URL, else ``None``."""
    if not value:
        return None
    value = value.strip().replace(" ", "%20")  # unencoded spaces are common and unambiguous
    # a URL longer than MAX_URL_CHARS is not a real article link and would not fit in storage
    if not value or len(value) > MAX_URL_CHARS or any(c in value for c in "\r\n\t\x00"):
        return None
    try:
        # urljoin is the slow part of a 50,000-URL sitemap; an absolute URL without dot segments
        # comes out of it unchanged, so it is only split to check the scheme and host
        fast = value[:8].lower().startswith(("http://", "https://")) and "/." not in value
        url = value if fast else urljoin(base, value)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def from_struct_time(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` tuples are UTC already."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None


_DATE_ONLY = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def parse_datetime(value: str | None) -> datetime | None:
    """W3C datetime / RFC 3339 (``Z`` or an offset; a date alone is midnight UTC) as aware UTC."""
    if not value:
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    try:
        parsed: datetime | None = datetime.fromisoformat(text)  # the common case, and the fast one
    except ValueError:
        parsed = _lenient_datetime(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # no zone given: the sitemap protocol's own reading
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


_FRACTION = re.compile(r"(\.\d{6})\d+")
_YEAR = re.compile(r"\b(19|20)\d\d\b")


def _lenient_datetime(text: str) -> datetime | None:
    """Year or year-month alone, nanoseconds, lower-case ``z``; then dateutil for RFC 822 and kin."""
    if _DATE_ONLY.match(text):
        text = (text + "-01-01")[:10]
    text = _FRACTION.sub(r"\1", text).replace("z", "Z")  # fromisoformat takes at most microseconds
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if not _YEAR.search(text):  # dateutil would fill a bare "10" in from today's date
        return None
    try:
        from dateutil import parser as dateparser

        return dateparser.parse(text)
    except (ValueError, OverflowError, TypeError):
        return None


def build_feed(
    kind: FeedKind,
    raw_entries: Sequence[RawEntry],
    *,
    url: str,
    now: datetime | None = None,
    max_entries: int = 500,
    title: str | None = None,
    home_url: str | None = None,
    lang: str | None = None,
    children: Iterable[str] = (),
    dropped: Iterable[tuple[str, str]] = (),
    hubs: Iterable[str | None] = (),
    self_url: str | None = None,
) -> ParsedFeed:
    """Apply the entry rules to every raw entry and assemble the :class:`ParsedFeed`.

    ``hubs`` and ``self_url`` are the document's WebSub links, resolved and kept only when http(s)."""
    now = now or datetime.now(UTC)
    limit = now + FUTURE_TOLERANCE
    notes: list[tuple[str, str]] = list(dropped)
    entries: list[EntryRef] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_entries):
        if len(entries) >= max_entries:  # stop here: the rest is not even resolved
            notes.append(("over_limit", f"{len(raw_entries) - index} entries not read beyond max_entries={max_entries}"))
            break
        link = http_url(raw.link, url)
        if link is None:
            notes.append(("no_link", (raw.guid or raw.title or raw.link or "")[:200]))
            continue
        guid = (raw.guid or "").strip()[:MAX_URL_CHARS] or None
        keys = {f"link:{link}"} | ({f"guid:{guid}"} if guid else set())
        if keys & seen:
            notes.append(("duplicate_guid", guid or link))
            continue
        seen |= keys
        published = _not_future(raw.published_at, limit, link, notes)
        updated = _not_future(raw.updated_at, limit, link, notes)
        entries.append(
            EntryRef(
                url=link,
                guid=guid,
                title=plain_text(raw.title, MAX_TITLE_CHARS),
                summary=plain_text(raw.summary),
                authors=clean_authors(raw.authors),
                published_at=published,
                updated_at=updated,
                lang=clean_lang(raw.lang),
                image=http_url(raw.image, link),
                section=plain_text(raw.section, 200),
                content_html=(raw.content_html or "").strip() or None,
            )
        )
    return ParsedFeed(
        kind=kind,
        title=plain_text(title, MAX_TITLE_CHARS),
        home_url=http_url(home_url, url),
        lang=clean_lang(lang),
        entries=tuple(entries),
        children=tuple(children),
        dropped=tuple(notes),
        hubs=clean_hubs(hubs, url),
        self_url=http_url(self_url, url),
    )


def clean_hubs(hubs: Iterable[str | None], base: str) -> tuple[str, ...]:
    """The usable hub URLs among ``hubs``, resolved against ``base``, first ones kept, no repeats."""
    kept: list[str] = []
    for hub in hubs:
        url = http_url(hub, base)
        if url is not None and url not in kept:
            kept.append(url)
    return tuple(kept[:MAX_HUBS])


def _not_future(
    value: datetime | None, limit: datetime, link: str, notes: list[tuple[str, str]]
) -> datetime | None:
    if value is not None and value > limit:
        notes.append(("future_date", f"{link} {value.isoformat()}"))
        return None
    return value
