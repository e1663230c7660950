"""The running site: settings, engine, compiled templates, response cache, and the HTTP rules.

``Site.respond`` is where "HTTP done right" lives: ETag and Last-Modified with 304 answers, gzip,
Cache-Control and Vary. Pages holding a form are cached with a per-process placeholder where the
CSRF token goes; the reader's token is put in on the way out (the weak ETag is the cached page's, so
it stays the same for every reader), so the article page stays cacheable while each reader gets a
token of their own.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from newsdesk.clock import Clock, system_clock
from newsdesk.settings import Settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.web import views
from newsdesk.web.cache import (
    GZIP_MIN_BYTES,
    STALE_GRACE,
    CachedResponse,
    ResponseCache,
    compress,
    etag_for,
    join_gzip,
    split_deflate,
)
from newsdesk.web.keymap import keymap_meta
from newsdesk.web.security import CSRF_COOKIE, Tokens, linkify_comment

HTML = "text/html; charset=utf-8"
NAV_REFRESH = 30.0  # why: a new section or source shows within half a minute
NAV_MAX_AGE = 300.0  # why: article counts in the source list stay roughly current


@dataclass(frozen=True)
class Built:
    """What a page builder returns; the site turns it into a (possibly cached) response."""

    body: str
    status: int = 200
    media_type: str = HTML
    last_modified: datetime | None = None
    cache_control: str = "public, max-age=60"  # why: a minute of browser/proxy reuse, then revalidate
    personal: bool = False  # holds the CSRF placeholder
    vary: str = "Accept-Encoding"
    location: str | None = None  # a redirect's target (a merged story's page: 301 to the one it is in)


# The units a relative time is told in, largest first (site.js holds the same table: both sides
# must print the same words, or a label changes when the script runs). A month is 30 days and a
# year 365, as Intl.RelativeTimeFormat's users count them.
RELATIVE_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))
# numeric: "auto" wording for one unit, past and future (what Intl.RelativeTimeFormat prints in English).
_ONE_AGO = {"year": "last year", "month": "last month", "day": "yesterday"}
_ONE_AHEAD = {"year": "next year", "month": "next month", "day": "tomorrow"}


def relative_time(value: datetime | None, now: datetime) -> str:
    """'3 hours ago', 'yesterday', 'in 5 minutes' (coarse, like newsrooms print them).

    The count is rounded down (47 hours is "1 day ago", never "2 days ago"), in the largest unit
    that fits; ``now`` is the caller's clock, never read here.
    """
    if value is None:
        return ""
    seconds = (now - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    for unit, size in RELATIVE_UNITS:
        if seconds >= size:
            n = int(seconds // size)
            if n == 1 and unit in _ONE_AGO:
                return _ONE_AHEAD[unit] if future else _ONE_AGO[unit]
            label = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {label}" if future else f"{label} ago"
    return ""


class Site:
    def __init__(self, settings: Settings, *, secret: str | None = None, stale_grace: float = STALE_GRACE,
                 clock: Clock = system_clock) -> None:
        self.settings = settings
        self.clock = clock  # "now" for pages, relative times and feeds (tests pin it)
        self.engine: Engine = engine_for(settings.database_url)
        self.dialect = self.engine.dialect.name
        configured = settings.secret_key  # a SecretStr, or a plain str given as an override
        key = secret or (configured.get_secret_value() if isinstance(configured, SecretStr) else configured)
        self.tokens = Tokens(key or secrets.token_urlsafe(32))
        self.cache = ResponseCache(stale_grace=stale_grace)
        self.building: dict[tuple[str, ...], asyncio.Future[CachedResponse | None]] = {}  # pages being built
        self.placeholder = "csrf-" + secrets.token_hex(16)  # per process: left out of ETags (see entry)
        targets = settings.target_language_list
        self.default_lang: str | None = targets[0] if targets else None  # the reader's language of last resort
        try:
            self.tz: Any = ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.tz = UTC
        self.templates = self._templates()
        self._nav: tuple[int, float, views.Nav] | None = None
        self._local = threading.local()

    # --- database -----------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction; this worker's cached pages are dropped after it commits. It waits
        at most ``web_write_lock_wait`` for the write lock, then raises StoreBusy (run it in a thread)."""
        with session_scope(self.engine, lock_wait=self.settings.web_write_lock_wait) as session:
            yield session
        self.cache.clear()
        self._nav = None

    def counter(self) -> int:
        """The change counter (read on every request, so it must cost microseconds)."""
        if self.dialect == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            return self._sqlite_counter()
        sql = "SELECT last_value FROM site_change_seq" if self.dialect == "postgresql" else \
            "SELECT counter FROM site_changes WHERE id = 1"
        with self.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    def _sqlite_counter(self) -> int:
        # A plain sqlite3 connection per thread: a pooled SQLAlchemy checkout costs ~10x more.
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.engine.url.database or "", timeout=30, check_same_thread=False)
            conn.execute("PRAGMA query_only = 1")
            self._local.conn = conn
        row = conn.execute("SELECT counter FROM site_changes WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def nav(self, session: Session, counter: int) -> views.Nav:
        """Sections, sources and languages for the header and filters.

        Rebuilt when the data changed, but at most every NAV_REFRESH seconds: during a crawl the
        counter moves with every article, and the navigation barely does.
        """
        cached = self._nav
        if cached:
            age = time.monotonic() - cached[1]
            if age < NAV_REFRESH or (cached[0] == counter and age < NAV_MAX_AGE):
                return cached[2]
        nav = views.nav_view(session)
        self._nav = (counter, time.monotonic(), nav)
        return nav

    # --- templates ----------------------------------------------------------------------------

    def _templates(self) -> Environment:
        env = Environment(
            loader=PackageLoader("newsdesk.web", "templates"),
            autoescape=select_autoescape(["html", "xml"]),
            auto_reload=False,  # why: compiled once per process; templates ship with the package
            cache_size=200,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals.update(
            site_name=self.settings.site_name,
            article_path=views.article_path,
            author_path=views.author_path,
            section_path=views.section_path,
            story_path=views.story_path,
            coverage_line=views.coverage_line,
            plural=views.plural,
            country_name=views.country_name,
            language_name=views.language_name,
            translation_docs_url=views.TRANSLATION_DOCS_URL,
            csrf_placeholder=self.placeholder,
            reader_keymap=keymap_meta,  # the signed-in reader's keys for static/keys.js
        )
        env.filters.update(
            iso=lambda d: d.astimezone(UTC).isoformat() if d else "",
            local_time=self.local_time,
            ago=self.ago,
            linkify=linkify_comment,
            urlq=lambda s: quote(str(s), safe=""),
        )
        return env

    def local_time(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.tz)
        return f"{local.day} {local:%b %Y, %H:%M} {local.tzname() or ''}".strip()

    def ago(self, value: datetime | None, now: datetime | None = None) -> str:
        """The ``ago`` filter: ``relative_time`` against the page's ``now`` (else the site's clock)."""
        return relative_time(value, now or self.clock())

    def render(self, template: str, **context: Any) -> str:
        return self.templates.get_template(template).render(now=self.clock(), **context)

    # --- responses ----------------------------------------------------------------------------

    def base_url(self, request: Request) -> str:
        if self.settings.site_url:
            return self.settings.site_url.rstrip("/")
        return f"{request.url.scheme}://{request.url.netloc}"

    def cache_key(self, request: Request, variant: str = "") -> tuple[str, ...]:
        host = "" if self.settings.site_url else request.url.netloc
        return (request.url.path, request.url.query, variant, host)

    def entry(self, built: Built, counter: int) -> CachedResponse:
        body = built.body.encode()
        return CachedResponse(
            counter=counter,
            created=time.monotonic(),
            status=built.status,
            body=body,
            gzipped=None if built.personal else compress(body),
            etag=etag_for(body.replace(self.placeholder.encode(), b"") if built.personal else body),
            media_type=built.media_type,
            last_modified=built.last_modified,
            cache_control=built.cache_control,
            personal=built.personal,
            vary=built.vary,
            gzip_parts=split_deflate(body, self.placeholder.encode()) if built.personal else (),
            location=built.location,
        )

    def cached(self, request: Request, key: tuple[str, ...], counter: int,
               build: Callable[[], Built]) -> Response:
        entry = self.cache.get(key, counter)
        if entry is None:
            built = build()
            entry = self.entry(built, counter)
            if built.status < 500:
                self.cache.put(key, entry)
        return self.respond(request, entry)

    def respond_uncached(self, request: Request, built: Built) -> Response:
        return self.respond(request, self.entry(built, 0))

    def respond(self, request: Request, entry: CachedResponse) -> Response:
        body, gzipped, etag = entry.body, entry.gzipped, entry.etag
        new_token = None
        gzip_token = b""
        if entry.personal:
            token = request.cookies.get(CSRF_COOKIE)
            if not self.tokens.valid_csrf(token):
                token = new_token = self.tokens.new_csrf()
            assert token is not None
            body = body.replace(self.placeholder.encode(), token.encode())
            gzip_token = token.encode()
            # Weak: the validator names the cached page (made without the per-process placeholder),
            # never the reader's token, so every reader (a first, cookieless one too) and every
            # worker revalidates against the same tag.
            etag = "W/" + entry.etag
            gzipped = None
        headers = {"ETag": etag, "Cache-Control": entry.cache_control, "Vary": entry.vary}
        if entry.location is not None:
            headers["Location"] = entry.location
        if entry.last_modified is not None:
            headers["Last-Modified"] = format_datetime(entry.last_modified.astimezone(UTC), usegmt=True)
        if entry.status == 200 and not_modified(request, etag, entry.last_modified):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            if entry.personal and len(body) >= GZIP_MIN_BYTES:
                gzipped = join_gzip(entry.gzip_parts, gzip_token, body)
            if gzipped is not None:
                body = gzipped
                headers["Content-Encoding"] = "gzip"
        response = Response(body, status_code=entry.status, headers=headers, media_type=entry.media_type)
        if new_token:
            self.set_cookie(request, response, CSRF_COOKIE, new_token, max_age=None)
        return response

    def set_cookie(self, request: Request, response: Response, name: str, value: str,
                   max_age: int | None) -> None:
        """HttpOnly, SameSite=Lax, Secure over https. (Written by hand: values are URL-safe tokens,
        and http.cookies costs more than the rest of a cached response.)"""
        cookie = f"{name}={value}; Path=/; HttpOnly; SameSite=lax"
        if max_age is not None:
            cookie += f"; Max-Age={max_age}"
        if request.url.scheme == "https":
            cookie += "; Secure"
        response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags  # the weak comparison of §8.8.3.2
    ims = request.headers.get("if-modified-since")
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


def site_of(request: Request) -> Site:
    site = request.app.state.site
    assert isinstance(site, Site)
    return site


__all__ = ["Built", "Site", "not_modified", "relative_time", "site_of"]
