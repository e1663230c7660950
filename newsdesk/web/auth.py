"""The one auth step of the web layer: who is asking, resolved once per request from the browser's
session cookie (a signed cookie naming a server-side session row, ``store/users.py``).

Every page, the admin pages and the JSON API ask here: ``current_user`` (None when anonymous),
``require_user`` (else a redirect to /login), ``require_admin`` (else that redirect, or 403 for a
signed-in reader), and ``user_form`` / ``admin_form`` for POSTed forms, which also check CSRF
(same origin and the double-submit token). The apps (Google Reader, Fever) send no cookie: their
modules resolve their own tokens with ``store.users.api_token_user`` / ``fever_user``.

The answer is kept on ``request.state`` so a handler and the helpers it calls look it up once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsdesk.store import users
from newsdesk.store.db import StoreBusy
from newsdesk.store.schema import User
from newsdesk.web.security import CSRF_COOKIE, SESSION_COOKIE, same_origin
from newsdesk.web.site import HTML, Site, site_of

_UNSET = object()


@dataclass(frozen=True)
class UserView:
    """The signed-in user as the web layer sees them (never the password hash)."""

    id: int
    username: str
    role: str
    keymap: dict[str, str] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def user_view(user: User) -> UserView:
    return UserView(id=user.id, username=user.username, role=user.role, keymap=dict(user.keymap or {}))


def session_lifetime(site: Site, role: str) -> timedelta:
    """How long a new session lasts: the admins' short day, the readers' ``reader_session_days``."""
    if role == "admin":
        return users.SESSION_LIFETIME
    return timedelta(days=site.settings.reader_session_days)


def _cookie_max_age(site: Site) -> int:
    """The oldest signed cookie worth looking up (the longest session; the row decides the rest)."""
    longest = max(users.SESSION_LIFETIME, timedelta(days=site.settings.reader_session_days))
    return int(longest.total_seconds())


def session_token(request: Request) -> str | None:
    """The session token the request's cookie carries, if validly signed (not yet looked up)."""
    if "cookie" not in request.headers:
        return None
    site = site_of(request)
    return site.tokens.session_token(request.cookies.get(SESSION_COOKIE), max_age=_cookie_max_age(site))


def user_for_token(site: Site, token: str) -> UserView | None:
    """The user of a live session (blocking: call it in a thread)."""
    with site.session() as session:
        user_id = users.session_user(session, token, now=site.clock())
        user = users.get_user(session, user_id) if user_id is not None else None
        return user_view(user) if user is not None else None


async def current_user(request: Request) -> UserView | None:
    """The signed-in user, or None (checked in the database on every request, once)."""
    cached = getattr(request.state, "newsdesk_user", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    token = session_token(request)
    user = None if token is None else await run_in_threadpool(user_for_token, site_of(request), token)
    request.state.newsdesk_user = user
    return user


def safe_next(value: str | None, default: str = "/my") -> str:
    """A local path to go back to after signing in (never another site: no scheme, no host, no //)."""
    value = (value or "").strip()
    parts = urlsplit(value)
    if not value.startswith("/") or value.startswith("//") or parts.scheme or parts.netloc or "\\" in value \
            or len(value) > 2000:
        return default
    return value


def login_redirect(request: Request) -> Response:
    """To the sign-in page, coming back here afterwards (GET pages only; a POST comes back to /my)."""
    if request.url.path.startswith("/admin"):  # an admin lands on /admin after signing in anyway
        return RedirectResponse("/admin/login", status_code=303)
    path = request.url.path if request.method in ("GET", "HEAD") else "/my"
    if request.method in ("GET", "HEAD") and request.url.query:
        path += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(path, safe='/')}", status_code=303)


def plain_error(site: Site, status: int, title: str, message: str) -> Response:
    body = site.render("error.html", status=status, title=title, message=message, nav=None)
    return Response(body, status_code=status, media_type=HTML, headers={"Cache-Control": "no-store"})


def busy(site: Site, exc: StoreBusy) -> Response:
    response = plain_error(site, 503, "Busy", "The site is busy saving other changes. Try again in a moment.")
    response.headers["Retry-After"] = str(max(1, int(exc.retry_after or 1)))
    return response


def client_ip(request: Request) -> str:
    """The peer's address: a trusted proxy's X-Forwarded-For is applied by the server beforehand
    (``trusted_proxies``); nothing here reads forwarded headers, so a client cannot pick its own."""
    return request.client.host if request.client else "unknown"


def forbidden(site: Site) -> Response:
    return plain_error(site, 403, "Not allowed", "This page is for the site's administrators.")


async def require_user(request: Request) -> UserView | Response:
    """The signed-in user, or the redirect to sign in."""
    user = await current_user(request)
    return user if user is not None else login_redirect(request)


async def require_admin(request: Request) -> UserView | Response:
    """A signed-in admin; else the redirect to sign in, or 403 for a reader."""
    user = await current_user(request)
    if user is None:
        return login_redirect(request)
    return user if user.is_admin else forbidden(site_of(request))


def csrf_ok(request: Request, form: Any) -> bool:
    """A browser write: from a page of this site (Origin) carrying the CSRF cookie's token."""
    site = site_of(request)
    origin = request.headers.get("origin")
    public_host = urlsplit(site.settings.site_url).netloc if site.settings.site_url else None
    if not (same_origin(origin, request.headers.get("host")) or same_origin(origin, public_host)):
        return False  # a proxy may rewrite Host; the configured public URL counts as ours too
    value = form.get("csrf")
    return site.tokens.check_csrf(request.cookies.get(CSRF_COOKIE), value if isinstance(value, str) else None)


def form_expired(site: Site) -> Response:
    return plain_error(site, 403, "Form expired", "Reload the page and try again.")


async def user_form(request: Request, **limits: Any) -> tuple[UserView, FormData] | Response:
    """A signed-in user's POSTed form, or the response refusing it (sign in; 403 without CSRF)."""
    return await _checked_form(request, await require_user(request), limits)


async def admin_form(request: Request, **limits: Any) -> tuple[UserView, FormData] | Response:
    """As ``user_form``, for an admin."""
    return await _checked_form(request, await require_admin(request), limits)


async def _checked_form(request: Request, user: UserView | Response,
                        limits: dict[str, Any]) -> tuple[UserView, FormData] | Response:
    """The bounded form once the user is known, with its CSRF token checked."""
    if isinstance(user, Response):
        return user
    form = await request.form(max_files=0, **limits)
    if not csrf_ok(request, form):
        return form_expired(site_of(request))
    return user, form


def personal_page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    """A page made for one person (never cached, never shared), with a CSRF token for its forms."""
    site = site_of(request)
    token = request.cookies.get(CSRF_COOKIE)
    new_token = None
    if not site.tokens.valid_csrf(token):
        token = new_token = site.tokens.new_csrf()
    body = site.render(template, csrf=token, **context)
    response = Response(body, status_code=status_code, media_type=HTML,
                        headers={"Cache-Control": "no-store", "Vary": "Cookie"})
    if new_token:
        site.set_cookie(request, response, CSRF_COOKIE, new_token, max_age=None)
    return response


__all__ = [
    "UserView", "admin_form", "busy", "client_ip", "csrf_ok", "current_user", "forbidden", "form_expired", "login_redirect",
    "personal_page", "plain_error", "require_admin", "require_user", "safe_next", "session_lifetime",
    "session_token", "user_for_token", "user_form", "user_view",
]
