"""Signing in, out and up: ``/login`` for every user (``/admin/login`` is the same step with the
admin's page), ``/logout``, and ``/signup`` when ``signup_enabled`` is on.

A login counts the attempt before checking it (the throttle of ``store/users.py``), checks the
argon2 hash outside any write transaction, then starts a server-side session: an admin's lasts
``SESSION_LIFETIME``, a reader's ``reader_session_days``. Logging out deletes that session row and
the user's app tokens, so a copied cookie or a phone's Google Reader token stops working at once.
Sign-ups share the throttle (per address), so a script cannot mint accounts in bulk.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsdesk.errors import Retry, UsageError, plain_message
from newsdesk.store import users
from newsdesk.store.db import StoreBusy, session_scope
from newsdesk.web.auth import (
    UserView,
    busy,
    client_ip,
    csrf_ok,
    current_user,
    form_expired,
    personal_page,
    plain_error,
    safe_next,
    session_lifetime,
    session_token,
    user_view,
)
from newsdesk.web.security import SESSION_COOKIE
from newsdesk.web.site import Site, site_of

SIGNUP_KEY = "\0signup"  # the throttle's "username" for sign-ups: one count per address


def count_attempt(site: Site, ip: str, username: str, *, stage: str = "web") -> tuple[str, int]:
    """Count a sign-in attempt, then check it (see ``store.users``): its account key and row id, or
    Retry when throttled. Every door that takes a password counts here (the site's login and
    sign-up, the Google Reader API's ClientLogin), so one throttle covers them all."""
    address_key, account_key = users.attempt_keys(ip, username, site.tokens.secret)
    wait = site.settings.web_write_lock_wait
    with session_scope(site.engine, lock_wait=wait) as session:  # committed before the count is read
        attempt_id = users.record_attempt(session, address_key, account_key)
    with site.session() as session:
        allowed = users.attempt_allowed(session, address_key, account_key)
    if not allowed:
        with session_scope(site.engine, lock_wait=wait) as session:
            users.forget_attempt(session, attempt_id)
        raise Retry("too many sign-in attempts", stage=stage, reason="login_throttled",
                    retry_after=users.LOGIN_WINDOW.total_seconds())
    return account_key, attempt_id


def log_in(site: Site, ip: str, username: str, password: str) -> tuple[str, UserView] | None:
    """The new session's token and its user, None for a wrong password; Retry when throttled."""
    account_key, _ = count_attempt(site, ip, username)
    with site.session() as session:  # the slow hash check holds no lock
        user = users.authenticate(session, username, password)
        view = user_view(user) if user is not None else None
    if view is None:
        return None
    with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
        users.note_login(session, view.id, password, now=site.clock())
        users.clear_attempts(session, account_key)
        token = users.start_session(session, view.id, now=site.clock(), lifetime=session_lifetime(site, view.role))
    return token, view


def _signed_in(request: Request, token: str, user: UserView, next_path: str | None) -> Response:
    site = site_of(request)
    default = "/admin" if user.is_admin and request.url.path.startswith("/admin") else "/my"
    response = RedirectResponse(safe_next(next_path, default), status_code=303)
    site.set_cookie(request, response, SESSION_COOKIE, site.tokens.session_cookie(token),
                    max_age=int(session_lifetime(site, user.role).total_seconds()))
    return response


def _template(request: Request) -> str:
    return "admin/login.html" if request.url.path.startswith("/admin") else "login.html"


async def login_form(request: Request) -> Response:
    user = await current_user(request)
    if user is not None:
        admin_page = request.url.path.startswith("/admin")
        if not admin_page or user.is_admin:
            return RedirectResponse("/admin" if admin_page else safe_next(request.query_params.get("next")),
                                    status_code=303)
    return personal_page(request, _template(request), error=None, next=safe_next(request.query_params.get("next"), ""),
                         signup=site_of(request).settings.signup_enabled)


async def login(request: Request) -> Response:
    site = site_of(request)
    form = await request.form(max_files=0, max_fields=10, max_part_size=8 * 1024)
    if not csrf_ok(request, form):
        return plain_error(site, 403, "Form expired", "Reload the login page and try again.")
    username = str(form.get("username") or "")[:200]
    next_path = str(form.get("next") or "")
    try:
        result = await run_in_threadpool(log_in, site, client_ip(request), username, str(form.get("password") or ""))
    except StoreBusy as exc:
        return busy(site, exc)
    except Retry as exc:
        response = plain_error(site, 429, "Too many attempts", "Wait a few minutes before trying again.")
        response.headers["Retry-After"] = str(int(exc.retry_after or 600))
        return response
    if result is None:
        return personal_page(request, _template(request), status_code=401, error="Wrong username or password.",
                             next=safe_next(next_path, ""), signup=site.settings.signup_enabled)
    return _signed_in(request, *result, next_path)


async def logout(request: Request) -> Response:
    """Ends the session on the server, and the user's app tokens: a copy of the cookie, or a
    token an app was given, no longer signs anyone in."""
    site = site_of(request)
    form = await request.form(max_files=0, max_fields=5)
    if not csrf_ok(request, form):
        return form_expired(site)
    token = session_token(request)
    if token is not None:

        def end() -> None:
            with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
                user_id = users.session_user(session, token, now=site.clock())
                users.end_session(session, token)
                if user_id is not None:
                    users.end_api_tokens(session, user_id)

        try:
            await run_in_threadpool(end)
        except StoreBusy as exc:
            return busy(site, exc)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _no_signup(site: Site) -> Response:
    return plain_error(site, 404, "Page not found", "This site does not take sign-ups; ask its administrator "
                       "for an account.")


async def signup_form(request: Request) -> Response:
    site = site_of(request)
    if not site.settings.signup_enabled:
        return _no_signup(site)
    if await current_user(request) is not None:
        return RedirectResponse("/my", status_code=303)
    return personal_page(request, "signup.html", error=None, username="",
                         limits=(users.MIN_PASSWORD_CHARS, users.MAX_PASSWORD_CHARS))


def sign_up(site: Site, ip: str, username: str, password: str) -> tuple[str, UserView]:
    """A new reader and their first session; UsageError for a taken name or a bad password."""
    count_attempt(site, ip, SIGNUP_KEY)
    with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
        if users.find_user(session, username) is not None:
            raise UsageError("that username is taken")
        user = users.create_user(session, username, password, role="reader")
        view = user_view(user)
        token = users.start_session(session, view.id, now=site.clock(), lifetime=session_lifetime(site, view.role))
    return token, view


async def signup(request: Request) -> Response:
    site = site_of(request)
    if not site.settings.signup_enabled:
        return _no_signup(site)
    form = await request.form(max_files=0, max_fields=10, max_part_size=8 * 1024)
    if not csrf_ok(request, form):
        return form_expired(site)
    username = " ".join(str(form.get("username") or "").split())[:100]
    password = str(form.get("password") or "")
    limits = (users.MIN_PASSWORD_CHARS, users.MAX_PASSWORD_CHARS)
    if password != str(form.get("password2") or ""):
        return personal_page(request, "signup.html", status_code=422, error="The two passwords differ.",
                             username=username, limits=limits)
    try:
        token, user = await run_in_threadpool(sign_up, site, client_ip(request), username, password)
    except StoreBusy as exc:
        return busy(site, exc)
    except Retry:
        response = plain_error(site, 429, "Too many attempts", "Wait a few minutes before trying again.")
        response.headers["Retry-After"] = str(int(users.LOGIN_WINDOW.total_seconds()))
        return response
    except UsageError as exc:
        return personal_page(request, "signup.html", status_code=422, error=plain_message(exc).capitalize() + ".",
                             username=username, limits=limits)
    return _signed_in(request, token, user, "/my/subscriptions")


ROUTES = [
    Route("/login", login_form, methods=["GET"], name="login-form"),
    Route("/login", login, methods=["POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/signup", signup_form, methods=["GET"], name="signup-form"),
    Route("/signup", signup, methods=["POST"], name="signup"),
]

__all__ = ["ROUTES", "log_in", "login", "login_form", "logout", "sign_up", "signup", "signup_form"]
