"""Plain data shared by every stage: what a source yields, what a fetch returns, what extraction finds.

These are frozen dataclasses with no behaviour beyond small conveniences, so any stage can be fed
from a file, a test or a queue, and no library object (feedparser, httpx, lxml) leaks past the
stage that produced it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

# The longest URL Newsdesk keeps (feed links, canonical and image URLs, redirects). The database's
# URL columns have this size, and PostgreSQL refuses longer values, so a longer URL is dropped where
# it is read; real article URLs stay far below it.
MAX_URL_CHARS = 2_000


class FeedKind(enum.StrEnum):
    """What a followed URL is; decides which parser reads it."""

    RSS = "rss"  # RSS 0.9x/1.0/2.0, read by feedparser
    ATOM = "atom"  # Atom feeds and Atom Entry documents, read by feedparser too
    JSON = "json"  # JSON Feed 1.x
    SITEMAP = "sitemap"  # news sitemap, sitemap or sitemap index
    PAGE = "page"  # one article URL, ingested once
    HOME = "home"  # a home page whose feeds are discovered (resolved when added)


class FeedStatus(enum.StrEnum):
    ACTIVE = "active"
    FAILING = "failing"  # recent fetches failed; retried with capped exponential backoff
    GONE = "gone"  # 410, or 404 repeatedly: kept and shown, not polled
    PAUSED = "paused"  # paused by an admin


@dataclass(frozen=True, slots=True)
class EntryRef:
    """One item a source points to: an article URL plus whatever the source said about it."""

    url: str
    guid: str | None = None
    title: str | None = None
    summary: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None  # aware UTC, or None
    updated_at: datetime | None = None
    lang: str | None = None
    image: str | None = None
    section: str | None = None
    content_html: str | None = None  # full content when the feed carries it (content:encoded)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed or sitemap document turned into entries; ``children`` are nested feeds (sitemap index)."""

    kind: FeedKind
    title: str | None = None
    home_url: str | None = None
    lang: str | None = None
    entries: tuple[EntryRef, ...] = ()
    children: tuple[str, ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()  # (reason, detail) for each entry that was not usable
    # what the feed says of its own update rate (seconds): RSS <ttl>; sy:updatePeriod/updateFrequency
    ttl: float | None = None
    update_period: float | None = None
    # WebSub discovery (https://www.w3.org/TR/websub/#discovery): the hubs the document names
    # (<link rel="hub">, atom:link in RSS, JSON Feed ``hubs``) and its own canonical URL (the topic)
    hubs: tuple[str, ...] = ()
    self_url: str | None = None


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    """A feed found on a home page through ``<link rel="alternate">`` or its sitemap."""

    url: str
    kind: FeedKind
    title: str | None = None


@dataclass(frozen=True, slots=True)
class OutlineFeed:
    """One feed of an OPML outline; ``category`` is its folder path, ``kind`` a :class:`FeedKind` value."""

    url: str
    title: str | None = None
    home_url: str | None = None
    category: str | None = None
    lang: str | None = None
    kind: str | None = None  # from the outline's type; None when it did not say (the first fetch tells)


@dataclass(frozen=True, slots=True)
class OpmlDocument:
    """An OPML file read: its feeds, and every outline that was not one, with the reason."""

    feeds: tuple[OutlineFeed, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (reason, detail)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The answer to one GET, already decompressed and size-checked.

    ``text`` is the body decoded with the HTTP charset, else the document's own declaration, else a
    detected encoding. A 304 raises :class:`newsdesk.errors.NotModified` instead of returning.
    """

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    text: str
    encoding: str | None
    etag: str | None = None
    last_modified: str | None = None
    elapsed: float = 0.0  # seconds in requests (all hops), not waiting for the host's politeness slot
    redirects: tuple[str, ...] = ()
    freshness: float | None = None  # seconds the answer stays fresh (Cache-Control max-age, Expires)
    links: tuple[tuple[str, str], ...] = ()  # (rel, absolute URL) of the answer's HTTP Link headers


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One request made or refused, as the fetch log stores it (the fetcher reports these)."""

    url: str
    kind: str  # feed, page, robots
    status: int | None
    bytes: int
    duration: float
    outcome: str  # ok, not_modified, or "stage.reason" of the error raised
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ArchivedPage:
    """A page read from an archive (WARC record, JSONL line, saved HTML file)."""

    url: str
    html: str
    fetched_at: datetime | None = None
    fields: dict[str, object] = field(default_factory=dict)  # extra fields a JSONL export carried


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """What extraction found in one page. Text fields are clean: no page furniture, no wire lines."""

    text: str
    html: str  # sanitized with nh3; paragraphs and inline links kept
    title: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None  # aware, UTC
    updated_at: datetime | None = None
    lang: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    section: str | None = None
    site_name: str | None = None  # the outlet that published it
    cited_sources: tuple[str, ...] = ()  # wires and outlets it cites, e.g. ("RIA Novosti", "Reuters")
    text_sources: tuple[str, ...] = ()  # outlets its text came from, by its closing "Source: X" line
    teaser: str = ""
    description: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class Outcomes:
    """Counts of what happened to items, keyed by ``(stage, reason)``; errors keep a sample message."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, stage: str, reason: str, message: str | None = None) -> None:
        key = (stage, reason)
        self.counts[key] = self.counts.get(key, 0) + 1
        if message and len(self.errors) < 200:  # a sample is enough to show; counts stay exact
            self.errors.append(message)

    def merge(self, other: Outcomes) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        self.errors.extend(other.errors[: max(0, 200 - len(self.errors))])

    def get(self, stage: str, reason: str) -> int:
        return self.counts.get((stage, reason), 0)

    def as_dict(self) -> dict[str, int]:
        return {f"{stage}.{reason}": n for (stage, reason), n in sorted(self.counts.items())}


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """What one check of a feed changes on its row. Made by the pure functions of
    ``pipeline/feedstate.py`` and applied by ``store.repo.apply_feed_update`` (why: a feed's state
    transitions can be read and tested without a database). ``None`` in ``validators``, ``kind``
    and ``title`` means "leave as is"; ``last_error`` is always written (None clears it)."""

    status: str
    checked_at: datetime
    next_check_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    success_at: datetime | None = None
    validators: tuple[str | None, str | None] | None = None  # (etag, last_modified) of new content
    kind: str | None = None
    title: str | None = None
    poll_interval: int | None = None  # seconds between checks learned from the feed (None: leave as is)
