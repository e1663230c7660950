"""Following sources: add one from any URL (feed, home page, sitemap, article), OPML in and out.

A URL a user gives may be a feed, a home page (its feeds are discovered through
``<link rel="alternate">``, else its sitemaps through robots.txt and the usual paths), or one article
(ingested once). Nothing is stored until the URL has been fetched and understood.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from newsdesk.errors import ParseError, StageError, UsageError
from newsdesk.fetch import Fetcher
from newsdesk.fetch.safety import blocked_reason, parse_url
from newsdesk.models import FeedKind, OutlineFeed, ParsedFeed
from newsdesk.settings import Settings
from newsdesk.sources import (
    discover_feeds,
    looks_like_feed,
    parse_feed,
    read_opml,
    sitemap_candidates,
    sitemap_urls,
    write_opml,
)
from newsdesk.store import reading, repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Source


@dataclass
class FollowResult:
    source_id: int
    name: str
    feeds: list[dict[str, str]] = field(default_factory=list)  # url, kind
    other_feeds: list[str] = field(default_factory=list)  # discovered but not followed
    article_queued: str | None = None  # a single article URL queued for the next crawl


def home_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


async def _find_feed(fetcher: Fetcher, url: str) -> tuple[str, ParsedFeed | None, list[str]]:
    """(feed URL, parsed feed or None, other candidate feeds)."""
    result = await fetcher.fetch(url, kind="feed")
    if looks_like_feed(result.body, result.content_type):
        return result.final_url, parse_feed(result.body, result.final_url, result.content_type), []
    discovered = discover_feeds(result.text, result.final_url)
    for candidate in discovered:
        try:
            feed_result = await fetcher.fetch(candidate.url, kind="feed")
            parsed = parse_feed(feed_result.body, feed_result.final_url, feed_result.content_type)
        except StageError:
            continue
        others = [d.url for d in discovered if d.url != candidate.url]
        return feed_result.final_url, parsed, others
    # no <link rel=alternate>: look for a (news) sitemap
    sitemaps: list[str] = []
    try:  # the robots.txt the fetcher already read for the home page lists them (no second request)
        policy = await fetcher.robots.policy(parse_url(result.final_url))
        sitemaps = sitemap_urls(policy.sitemaps(), result.final_url)
    except StageError:
        pass
    for candidate_url in [*sitemaps, *sitemap_candidates(result.final_url)]:
        try:
            sm = await fetcher.fetch(candidate_url, kind="feed")
            parsed = parse_feed(sm.body, sm.final_url, sm.content_type)
        except StageError:
            continue
        return sm.final_url, parsed, []
    return result.final_url, None, []


def follow(settings: Settings, url: str, *, name: str | None = None, lang: str | None = None,
           country: str | None = None, feeds_only: bool = False, reuse: bool = False) -> FollowResult:
    """Add a source from ``url``; raises UsageError when nothing there can be followed.

    ``country`` (ISO 3166-1 alpha-2, e.g. "GB") is where the outlet publishes from: nothing in a feed
    says so reliably, so only the caller can (story pages split coverage by it). ``feeds_only``
    refuses a page that has no feed (a reader follows outlets, not single articles); ``reuse``
    answers with the source that already has the feed instead of refusing it.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise UsageError(f"sources: not an http(s) URL: {url!r}")

    async def run() -> tuple[str, ParsedFeed | None, list[str]]:
        async with Fetcher(settings) as fetcher:
            return await _find_feed(fetcher, url)

    try:
        feed_url, parsed, others = asyncio.run(run())
    except ParseError as exc:
        raise UsageError(f"sources: {url} is not a feed, sitemap or web page: {exc}") from exc
    except StageError as exc:
        raise UsageError(f"sources: could not read {url}: {exc}") from exc
    from newsdesk.enrich.dedup import normalize_url

    if parsed is None and feeds_only:
        raise UsageError(f"sources: found no feed at {url} (give the site's feed or home page)")
    with session_scope(engine_for(settings.database_url)) as session:
        if parsed is None:
            # a page without feeds: follow it as a single article
            host = urlsplit(url).hostname or url
            source = repo.source_for_host(session, home_of(url), name or host)
            entry_url = normalize_url(url)
            if repo.entry_by_url(session, entry_url) is None:
                repo.queue_entry(session, url=entry_url, source_id=source.id, feed_id=None)
            return FollowResult(source.id, source.name, article_queued=entry_url)
        existing = repo.find_feed(session, feed_url)
        if existing is not None and reuse:
            return FollowResult(existing.source_id, existing.source.name,
                                feeds=[{"url": existing.url, "kind": existing.kind}])
        if existing is not None:
            raise UsageError(f"sources: {feed_url} is already followed")
        home = parsed.home_url or home_of(url)
        source = repo.add_source(
            session,
            name=name or parsed.title or urlsplit(feed_url).hostname or feed_url,
            home_url=home,
            lang=lang or parsed.lang,
            country=country.upper() if country else None,
        )
        repo.add_feed(session, source, url=feed_url, kind=parsed.kind.value, title=parsed.title)
        return FollowResult(source.id, source.name, feeds=[{"url": feed_url, "kind": parsed.kind.value}],
                            other_feeds=others)


# The feeds.folder column's size; a deeper path is cut (the feed itself is still followed).
MAX_FOLDER_CHARS = 300


def import_opml(settings: Settings, path: Path) -> tuple[list[FollowResult], list[str]]:
    """Follow every feed of an OPML file (fetched at the first crawl); returns (added, skipped).

    Each skipped outline comes back as ``"<reason>: <detail>"``, so the count a user sees is the
    count of outlines really left out. A feed keeps its folder and the kind its outline named
    (RSS until the first fetch says otherwise).
    """
    try:
        document = read_opml(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"opml: cannot read {path}: {exc}") from exc
    except ParseError as exc:
        raise UsageError(f"opml: {path} is not valid OPML: {exc}") from exc
    added: list[FollowResult] = []
    skipped = [f"{reason}: {detail}" for reason, detail in document.skipped]
    with session_scope(engine_for(settings.database_url)) as session:
        for outline in document.feeds:
            if repo.find_feed(session, outline.url) is not None:
                skipped.append(f"already_followed: {outline.url}")
                continue
            source = repo.add_source(
                session,
                name=outline.title or urlsplit(outline.url).hostname or outline.url,
                home_url=outline.home_url,
                lang=outline.lang,
            )
            kind = outline.kind or FeedKind.RSS.value
            folder = (outline.category or "")[:MAX_FOLDER_CHARS] or None
            repo.add_feed(session, source, url=outline.url, kind=kind, title=outline.title, folder=folder)
            added.append(FollowResult(source.id, source.name, feeds=[{"url": outline.url, "kind": kind}]))
    return added, skipped


def export_opml(settings: Settings) -> str:
    with session_scope(engine_for(settings.database_url)) as session:
        outlines = [
            OutlineFeed(url=feed.url, title=feed.title or source.name, home_url=source.home_url, lang=source.lang,
                        category=feed.folder, kind=feed.kind)
            for source in repo.list_sources(session)
            for feed in source.feeds
        ]
    return write_opml(outlines)


def list_sources(settings: Settings) -> list[dict[str, object]]:
    with session_scope(engine_for(settings.database_url)) as session:
        counts = repo.article_counts(session)
        return [_source_row(s, counts.get(s.id, 0)) for s in repo.list_sources(session)]


def _source_row(source: Source, articles: int) -> dict[str, object]:
    return {
        "id": source.id,
        "name": source.name,
        "home_url": source.home_url,
        "lang": source.lang,
        "country": source.country,
        "ownership": source.ownership,
        "state_media": source.state_media,
        "articles": articles,
        "feeds": [
            {
                "id": f.id,
                "url": f.url,
                "kind": f.kind,
                "status": f.status,
                "last_error": f.last_error,
                "consecutive_failures": f.consecutive_failures,
                "next_check_at": f.next_check_at,
                "last_success_at": f.last_success_at,
            }
            for f in source.feeds
        ],
    }


def remove_source(settings: Settings, source_id: int) -> str:
    with session_scope(engine_for(settings.database_url)) as session:
        return repo.remove_source(session, source_id).name


def fetch_log(settings: Settings, *, limit: int, errors_only: bool, feed_id: int | None) -> list[dict[str, object]]:
    with session_scope(engine_for(settings.database_url)) as session:
        return [
            {"at": r.at, "url": r.url, "feed_id": r.feed_id, "kind": r.kind, "status": r.status, "bytes": r.bytes,
             "duration_ms": r.duration_ms, "outcome": r.outcome, "error": r.error}
            for r in repo.recent_fetches(session, limit=limit, errors_only=errors_only, feed_id=feed_id)
        ]


# --- a reader's own subscriptions ---------------------------------------------------------------


def follow_for_reader(settings: Settings, user_id: int, url: str, *, folder: str | None = None,
                      now: datetime | None = None) -> FollowResult:
    """Subscribe a reader to the outlet at ``url``: a feed the site has already is simply followed;
    a new one goes through :func:`follow`, the admin's path (fetched first, under the same address
    guard, so an internal address is refused), and joins the site's sources. Single articles are
    refused: a reader follows outlets."""
    url = url.strip()
    with session_scope(engine_for(settings.database_url)) as session:
        known = repo.find_feed(session, url)
        if known is not None:
            reading.subscribe(session, user_id, known.source_id, folder=folder, now=now)
            return FollowResult(known.source_id, known.source.name, feeds=[{"url": known.url, "kind": known.kind}])
    result = follow(settings, url, feeds_only=True, reuse=True)
    with session_scope(engine_for(settings.database_url)) as session:
        reading.subscribe(session, user_id, result.source_id, folder=folder, now=now)
    return result


def import_opml_for_reader(settings: Settings, user_id: int, data: bytes,
                           now: datetime | None = None) -> tuple[list[int], list[str]]:
    """Subscribe a reader to every feed of an OPML file, in its folders; returns (the source ids
    followed, the outlines skipped with their reasons).

    A feed the site already has is followed at once; a new one is added to the site's sources as
    the admin's import adds it (fetched by the next crawl, whose fetcher refuses internal
    addresses; a literal internal address is refused here already). Following an outlet twice
    keeps its first folder.
    """
    try:
        document = read_opml(data)
    except ParseError as exc:
        raise UsageError(f"opml: not valid OPML: {exc}") from exc
    skipped = [f"{reason}: {detail}" for reason, detail in document.skipped]
    followed: list[int] = []
    with session_scope(engine_for(settings.database_url)) as session:
        for outline in document.feeds:
            feed = repo.find_feed(session, outline.url)
            if feed is None:
                host = urlsplit(outline.url).hostname or ""
                if not settings.fetch_allow_private_networks and _literal_internal(host):
                    skipped.append(f"blocked_address: {outline.url}")
                    continue
                source = repo.add_source(session, name=outline.title or host or outline.url,
                                         home_url=outline.home_url, lang=outline.lang)
                feed = repo.add_feed(session, source, url=outline.url, kind=outline.kind or FeedKind.RSS.value,
                                     title=outline.title)
            try:
                folder = reading.clean_folder((outline.category or "")[:MAX_FOLDER_CHARS])
            except UsageError:
                folder = None
            reading.subscribe(session, user_id, feed.source_id, folder=folder, now=now)
            followed.append(feed.source_id)
    return list(dict.fromkeys(followed)), skipped


def _literal_internal(host: str) -> bool:
    """An IP-literal host that is not public (names are judged when fetched, after DNS)."""
    try:
        return blocked_reason(host.strip("[]")) is not None
    except ValueError:
        return host.lower() in ("localhost",) or host.lower().endswith(".localhost")


def export_opml_for_reader(settings: Settings, user_id: int, *, title: str | None = None) -> str:
    """A reader's subscriptions as OPML 2.0, in their folders and under their own titles."""
    with session_scope(engine_for(settings.database_url)) as session:
        outlines = [OutlineFeed(url=sub.feed_url, title=sub.title, home_url=sub.home_url, lang=sub.lang,
                                category=sub.folder)
                    for sub in reading.subscriptions(session, user_id) if sub.feed_url]
    return write_opml(outlines, title=title or "Newsdesk subscriptions")
