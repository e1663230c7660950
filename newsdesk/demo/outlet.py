"""The demo outlet server: the sample site on 127.0.0.1 so ``newsdesk demo`` works with no internet.

A threaded stdlib ``http.server``: every document is rendered once at start (the base URL is only
known after the port is bound) and served from memory, with ETag/Last-Modified and 304 answers on
conditional requests, as a well-behaved publisher does. It only listens on loopback by default and
never fetches anything.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.corpus import SAME_EVENT_PAIRS, TRACKED_SLUG, demo_articles
from newsdesk.demo.pages import (
    CHROME,
    http_date,
    lead_image_png,
    render_article_page,
    render_feed,
    render_listing,
    render_news_sitemap,
    render_robots,
    section_key,
)

__all__ = [
    "SAME_EVENT_PAIRS",
    "TRACKED_SLUG",
    "DemoArticle",
    "DemoOutlet",
    "demo_articles",
    "render_article_page",
]

HANDLER_TIMEOUT = 10.0  # seconds a client may idle on a socket; stops a stalled client pinning a thread

HTML = "text/html; charset=utf-8"
CSS = "body{font-family:Georgia,serif;max-width:48rem;margin:auto}.cookie-banner{position:fixed;bottom:0}\n"


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    last_modified: datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def build_site(articles: list[DemoArticle], base_url: str) -> dict[str, Document]:
    """Every path the outlet answers, rendered for ``base_url``."""
    newest = max(a.published_at for a in articles)
    site = {
        "/": Document(render_listing(articles, base_url).encode(), HTML, newest),
        "/feed.xml": Document(
            render_feed(articles, base_url, utm_slugs=(TRACKED_SLUG,)).encode(),
            "application/rss+xml; charset=utf-8",
            newest,
        ),
        "/news-sitemap.xml": Document(
            render_news_sitemap(articles, base_url).encode(), "application/xml; charset=utf-8", newest
        ),
        "/robots.txt": Document(render_robots(base_url).encode(), "text/plain; charset=utf-8"),
        "/static/site.css": Document(CSS.encode(), "text/css; charset=utf-8"),
        "/images/logo.png": Document(lead_image_png("logo", 120, 40), "image/png"),
    }
    for lang, chrome in CHROME.items():
        for name, key in chrome.sections:
            members = [a for a in articles if a.lang == lang and section_key(a) == key]
            site[f"/section/{key}"] = Document(
                render_listing(members, base_url, lang=lang, heading=name, path=f"/section/{key}").encode(),
                HTML,
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
    """``with DemoOutlet() as outlet: httpx.get(outlet.feed_url)``; port 0 picks a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.articles = demo_articles()
        outlet = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = HANDLER_TIMEOUT
            server_version = "HarbourCourier/1.0"
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
        self._site = build_site(self.articles, self.base_url)
        self._thread: threading.Thread | None = None

    @property
    def feed_url(self) -> str:
        return self.base_url + "/feed.xml"

    @property
    def sitemap_url(self) -> str:
        return self.base_url + "/news-sitemap.xml"

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    def article_url(self, slug: str) -> str:
        return f"{self.base_url}/news/{slug}"

    def start(self) -> DemoOutlet:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="demo-outlet", daemon=True
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
