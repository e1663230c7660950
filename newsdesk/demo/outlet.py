"""The demo outlets' servers: the four sample sites on 127.0.0.1 so ``newsdesk demo`` needs no internet.

Each outlet is a threaded stdlib ``http.server`` on its own port (its own origin, as real outlets
are; :class:`DemoOutlets` runs all four in one process). Every document is rendered once at start
(the base URL is only known after the port is bound) and served from memory, with ETag/Last-Modified
and 304 answers on conditional requests, as a well-behaved publisher does. They listen on loopback
by default and never fetch anything.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.corpus import SAME_EVENT_PAIRS, TRACKED_SLUG, demo_articles
from newsdesk.demo.feeds import feed_document, render_news_sitemap, render_robots
from newsdesk.demo.outlets import BY_KEY, COURIER, OUTLETS, OutletProfile
from newsdesk.demo.pages import http_date, lead_image_png, render_article_page, render_listing, section_key

__all__ = [
    "SAME_EVENT_PAIRS",
    "TRACKED_SLUG",
    "DemoArticle",
    "DemoOutlet",
    "DemoOutlets",
    "demo_articles",
    "render_article_page",
]

HANDLER_TIMEOUT = 10.0  # seconds a client may idle on a socket; stops a stalled client pinning a thread

HTML = "text/html; charset=utf-8"
CSS = {
    "classic": "body{font-family:Georgia,serif;max-width:48rem;margin:auto}.cookie-banner{position:fixed;bottom:0}\n",
    "ledger": "body{font-family:Helvetica,Arial,sans-serif;max-width:60rem;margin:auto}"
    ".consent-wall{position:fixed;inset:auto 0 0 0;background:#fff}\n",
    "portal": "body{font-family:Verdana,sans-serif;max-width:70rem;margin:auto}.sidebar{float:right;width:18rem}\n",
}


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    last_modified: datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def build_site(profile: OutletProfile, articles: list[DemoArticle], base_url: str) -> dict[str, Document]:
    """Every path one outlet answers, rendered for ``base_url`` (``articles``: that outlet's)."""
    newest = max(a.published_at for a in articles)
    site = {
        "/": Document(render_listing(articles, base_url, outlet=profile.key).encode(), HTML, newest),
        profile.sitemap_path: Document(
            render_news_sitemap(profile, articles, base_url).encode(),
            "application/xml; charset=utf-8",
            newest,
        ),
        "/robots.txt": Document(render_robots(profile, base_url).encode(), "text/plain; charset=utf-8"),
        "/static/site.css": Document(CSS[profile.template].encode(), "text/css; charset=utf-8"),
        "/images/logo.png": Document(lead_image_png(profile.key + "-logo", 120, 40), "image/png"),
    }
    feed = feed_document(profile.key, articles, base_url, utm_slugs=(TRACKED_SLUG,))
    if feed is not None:
        site[profile.feed_path] = Document(feed[0].encode(), feed[1], newest)
    for name, key in profile.sections:
        members = [a for a in articles if section_key(a) == key]
        path = f"/section/{key}"
        site[path] = Document(
            render_listing(members, base_url, outlet=profile.key, heading=name, path=path).encode(), HTML
        )
    for a in articles:
        site[a.path] = Document(render_article_page(a, base_url, articles).encode(), HTML, a.published_at)
        site[a.image] = Document(lead_image_png(a.slug), "image/png", a.published_at)
    return site


def not_modified(doc: Document, headers: Any) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since when both are sent."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or doc.etag in tags
    ims = headers.get("If-Modified-Since")
    if ims and doc.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return doc.last_modified.replace(microsecond=0) <= since
    return False


class DemoOutlet:
    """One outlet: ``with DemoOutlet(LEDGER) as o: httpx.get(o.feed_url)``; port 0 picks a free port."""

    def __init__(self, profile: OutletProfile = COURIER, host: str = "127.0.0.1", port: int = 0) -> None:
        self.profile = profile
        self.articles = [a for a in demo_articles() if a.outlet == profile.key]
        outlet = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = HANDLER_TIMEOUT
            server_version = profile.server
            # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACK
            # stalls every keep-alive response by ~40 ms.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet: the demo prints its own progress
                pass

            def do_GET(self) -> None:
                outlet._serve(self, head=False)

            def do_HEAD(self) -> None:
                outlet._serve(self, head=True)

        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        bound_host, bound_port = str(self._server.server_address[0]), self._server.server_address[1]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.base_url = f"http://{shown}:{bound_port}"
        self._site = build_site(profile, self.articles, self.base_url)
        self._thread: threading.Thread | None = None

    @property
    def feed_url(self) -> str:
        """What a reader follows: the feed, or the news sitemap of the outlet that has no feed."""
        return self.base_url + self.profile.feed_path

    @property
    def sitemap_url(self) -> str:
        return self.base_url + self.profile.sitemap_path

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    def article_url(self, slug: str) -> str:
        by_slug = {a.slug: a for a in self.articles}
        return self.base_url + by_slug[slug].path

    def start(self) -> DemoOutlet:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name=f"demo-{self.profile.key}", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> DemoOutlet:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self, req: BaseHTTPRequestHandler, *, head: bool) -> None:
        # Any query string is ignored, so /news/x?utm_source=rss is the same page as /news/x.
        path = urlsplit(req.path).path or "/"
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        doc = self._site.get(path)
        if doc is None:
            self._send(req, 404, b"not found\n", "text/plain; charset=utf-8", {}, head)
            return
        headers = {"ETag": doc.etag, "Cache-Control": "max-age=60"}
        if doc.last_modified is not None:
            headers["Last-Modified"] = http_date(doc.last_modified)
        if not_modified(doc, req.headers):
            self._send(req, 304, b"", None, headers, head=True)
            return
        self._send(req, 200, doc.body, doc.content_type, headers, head)

    @staticmethod
    def _send(
        req: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str],
        head: bool,
    ) -> None:
        try:
            req.send_response(status)
            if content_type is not None:
                req.send_header("Content-Type", content_type)
            for name, value in headers.items():
                req.send_header(name, value)
            if status != 304:
                req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            if not head:
                req.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client went away; nothing to tell it
            req.close_connection = True


class DemoOutlets:
    """All sample outlets at once: ``base_port`` + each outlet's offset, or free ports when 0."""

    def __init__(self, host: str = "127.0.0.1", base_port: int = 0) -> None:
        self.outlets: list[DemoOutlet] = []
        try:
            for profile in OUTLETS:
                port = base_port + profile.port_offset if base_port else 0
                self.outlets.append(DemoOutlet(profile, host=host, port=port))
        except OSError:
            for bound in self.outlets:
                bound.stop()
            raise

    def __iter__(self) -> Iterator[DemoOutlet]:
        return iter(self.outlets)

    def __getitem__(self, key: str) -> DemoOutlet:
        if key not in BY_KEY:
            raise KeyError(key)
        return next(o for o in self.outlets if o.profile.key == key)

    def article_url(self, slug: str) -> str:
        """Where any demo article lives, whichever outlet published it."""
        for outlet in self.outlets:
            if any(a.slug == slug for a in outlet.articles):
                return outlet.article_url(slug)
        raise KeyError(slug)

    def start(self) -> DemoOutlets:
        for outlet in self.outlets:
            outlet.start()
        return self

    def stop(self) -> None:
        for outlet in self.outlets:
            outlet.stop()

    def __enter__(self) -> DemoOutlets:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
