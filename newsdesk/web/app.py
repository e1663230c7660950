"""The ASGI application: ``create_app(settings)`` wires views, API, static files and error pages.

One FastAPI app so ``/openapi.json`` documents the JSON API; the HTML pages and feeds are plain
Starlette routes on the same router (they stay out of the schema and skip FastAPI's per-request
dependency machinery). Security headers are added by a pure ASGI middleware; pages, feeds and JSON
answers are gzipped by ``Site.respond`` (pages come out of the response cache already compressed).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles

from newsdesk.clock import Clock, system_clock
from newsdesk.pipeline.scheduler import Scheduler
from newsdesk.settings import Settings, get_settings
from newsdesk.web import accounts, api, fever, greader, keys, my, rules, websub
from newsdesk.web.admin_extraction import ROUTES as EXTRACTION_ROUTES
from newsdesk.web.cache import STALE_GRACE
from newsdesk.web.routes import ROUTES, error_page
from newsdesk.web.security import SECURITY_HEADERS, SecurityHeadersMiddleware
from newsdesk.web.site import Site, site_of

STATIC = Path(__file__).with_name("static")
try:
    VERSION = version("newsdesk")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    VERSION = "0"


class CachedStatic(StaticFiles):
    """Static files with a day of caching (they change only with a release)."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", "public, max-age=86400")
        return response


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _json_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


def _html_error(request: Request, status: int, title: str, message: str) -> Response:
    site = site_of(request)
    built = error_page(site, status, title, message)
    headers = {"Cache-Control": "no-store"}
    headers.update({k.decode(): v.decode() for k, v in SECURITY_HEADERS})
    return Response(built.body, status_code=status, media_type="text/html; charset=utf-8", headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method some route at this path takes (RFC 9110 §15.5.6: a 405 must list them in Allow).

    Starlette names only the first matching route's methods, and a path such as ``/admin/login``
    has one route for GET and another for POST.
    """
    methods: set[str] = set()
    for route in request.app.router.routes:
        if route.matches(request.scope)[0] == Match.NONE:
            continue
        if isinstance(route, Mount):  # the static files: read-only
            methods |= {"GET", "HEAD"}
        else:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def _with_allow(request: Request, exc: StarletteHTTPException, response: Response) -> Response:
    if exc.status_code == 405:
        response.headers["Allow"] = allowed_methods(request) or (exc.headers or {}).get("Allow", "")
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _is_api(request):
        return _with_allow(request, exc, _json_error(exc.status_code, str(exc.detail)))
    if exc.status_code == 404:
        return _html_error(request, 404, "Page not found", "There is no page at this address.")
    if exc.status_code == 405:
        return _with_allow(request, exc, _html_error(request, 405, "Method not allowed",
                                                     "This address does not take that request."))
    return _html_error(request, exc.status_code, "Something is wrong", str(exc.detail))


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(x) for x in error.get("loc", ()) if x != "query")
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return _json_error(422, "; ".join(parts) or "invalid parameters")


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, api.ApiError)
    return _json_error(exc.status, exc.message)


async def server_error(request: Request, exc: Exception) -> Response:
    if _is_api(request):
        return _json_error(500, "internal error")
    return _html_error(request, 500, "Something went wrong",
                       "The page could not be shown. Try again in a moment.")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything built at start-up (routes, templates, SQLAlchemy metadata) lives as long as the
    # process: freezing it keeps the collector's full passes, and the latency spikes they cause,
    # to objects made while serving.
    gc.collect()
    gc.freeze()
    scheduler = start_scheduler(app)
    try:
        yield
    finally:
        if scheduler is not None:
            await asyncio.to_thread(scheduler.stop)  # off the event loop: a pass may take a moment to end


def start_scheduler(app: FastAPI) -> Scheduler | None:
    """The background crawl (pipeline/scheduler.py), unless ``NEWSDESK_SCHEDULER`` is off (workers or
    a cron job crawl instead). It runs in a thread of its own, so pages never wait on a fetch."""
    site: Site = app.state.site
    if not site.settings.scheduler:
        return None
    scheduler = Scheduler(site.settings, clock=site.clock)
    scheduler.start()
    app.state.scheduler = scheduler
    return scheduler


def create_app(settings: Settings | None = None, *, secret: str | None = None,
               stale_grace: float = STALE_GRACE, clock: Clock = system_clock) -> FastAPI:
    """The site. ``stale_grace``: seconds a cached page may outlive a change made elsewhere;
    ``clock``: "now" for its pages, relative times and feeds."""
    settings = settings or get_settings()
    app = FastAPI(
        title=f"{settings.site_name} API",
        version=VERSION,
        description="Articles, sources and search of a Newsdesk site. Errors are "
        '`{"error": {"status", "message"}}` with the matching HTTP status.',
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        exception_handlers={
            StarletteHTTPException: http_error,
            RequestValidationError: validation_error,
            api.ApiError: api_error,
            500: server_error,
        },
    )
    app.state.site = Site(settings, secret=secret, stale_grace=stale_grace, clock=clock)
    app.state.scheduler = None  # the background crawl, once the lifespan has started it
    app.include_router(api.router)
    app.router.routes.extend(EXTRACTION_ROUTES)  # before ROUTES' /admin/sources/{id}/{action}
    app.router.routes.extend(ROUTES)
    app.router.routes.extend(accounts.ROUTES)  # /login, /logout, /signup
    app.router.routes.extend(my.ROUTES)  # a reader's own pages: /my, /my/subscriptions, /my/opml
    app.router.routes.extend(keys.ROUTES)  # /my/keys: the reader's keyboard keys
    app.router.routes.extend(rules.ROUTES)  # /my/rules: the reader's filter rules
    app.router.routes.extend(websub.ROUTES)  # the WebSub callback hubs call
    app.router.routes.extend(greader.ROUTES)  # the Google Reader API for apps (web/greader.py)
    app.router.routes.extend(fever.ROUTES)  # the Fever API apps sync with (api_key, no CSRF)
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    app.add_middleware(SecurityHeadersMiddleware)
    return app


__all__ = ["create_app"]
