"""A signed-in reader's own pages: "My feed" (``/my``), subscriptions and folders
(``/my/subscriptions``), OPML out and in (``/my/opml``), and the marks (``POST /my/mark``,
``/my/mark-all``).

Thin handlers over ``store/reading.py`` (every call passes the user's id) and, for following a new
outlet or importing OPML, ``pipeline/follow.py`` (the admin's guarded path). Everything works
without JavaScript: each button is a POST form with the CSRF token that comes back to the page it
was on. These pages are made for one person: never cached, never shared (``personal_page``).

Reading state writes do not go through ``Site.writing`` (which drops the public page cache):
nothing public changes when a reader marks an article read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsdesk.errors import UsageError, plain_message
from newsdesk.models import MAX_URL_CHARS
from newsdesk.pipeline.follow import export_opml_for_reader, follow_for_reader, import_opml_for_reader
from newsdesk.sources.opml import MAX_OPML_BYTES
from newsdesk.store import reading
from newsdesk.store.db import StoreBusy, session_scope
from newsdesk.store.schema import Source
from newsdesk.web.auth import (
    busy,
    csrf_ok,
    form_expired,
    personal_page,
    plain_error,
    require_user,
    safe_next,
    user_form,
)
from newsdesk.web.site import Site, site_of

T = TypeVar("T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MARK_IDS = 500  # why: a page holds at most my_page_size (≤ 200) items; bounds one form


# --- cursors in URLs ----------------------------------------------------------------------------


def cursor_param(cursor: reading.Cursor) -> str:
    """A keyset cursor as a URL value: microseconds since the epoch and the article id."""
    at, article_id = cursor
    return f"{(at - _EPOCH) // timedelta(microseconds=1)}-{article_id}"


def parse_cursor(value: str | None) -> reading.Cursor | None:
    micros, _, article_id = (value or "").partition("-")
    if not (micros.isdigit() and article_id.isdigit()) or len(value or "") > 40:
        return None
    return _EPOCH + timedelta(microseconds=int(micros)), int(article_id)


def _time_param(value: str | None) -> datetime | None:
    cursor = parse_cursor(f"{value}-0") if value else None
    return cursor[0] if cursor else None


def _int(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


# --- helpers ------------------------------------------------------------------------------------


def _write(site: Site, fn: Callable[[Any], T]) -> T:
    with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
        return fn(session)


def _back(form: FormData, default: str) -> str:
    value = form.get("back")
    return safe_next(value if isinstance(value, str) else None, default)


async def _run_write(request: Request, fn: Callable[[Any], Any], back: str) -> Response:
    site = site_of(request)
    try:
        await run_in_threadpool(_write, site, fn)
    except StoreBusy as exc:
        return busy(site, exc)
    except UsageError as exc:
        return plain_error(site, 422, "Not done", plain_message(exc).capitalize() + ".")
    return RedirectResponse(back, status_code=303)


# --- My feed ------------------------------------------------------------------------------------


def _my_url(**params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "/my" + ("?" + urlencode(kept) if kept else "")


async def my_feed(request: Request) -> Response:
    """The reader's stream: unread (default) or all, everything or one folder or source, newest
    first in keyset pages ("older" links carry the last item's cursor)."""
    user = await require_user(request)
    if isinstance(user, Response):
        return user
    site = site_of(request)
    query = request.query_params
    state = query.get("state", "unread")
    if state not in reading.STATES:
        state = "unread"
    source_id = _int(query.get("source"))
    folder = reading.clean_folder((query.get("folder") or "")[:300])
    after = parse_cursor(query.get("after"))
    size = site.settings.my_page_size

    def load() -> dict[str, Any]:
        with site.session() as session:
            subs = reading.subscriptions(session, user.id)
            per_source, per_folder, total = reading.unread_counts(session, user.id)
            page, cursor = reading.stream(session, user.id, source_id=source_id, folder=folder, state=state,
                                          limit=size, after=after)
            names = {s.source_id: s.title for s in subs}
            return {"subs": subs, "per_folder": per_folder, "total": total, "items": page, "cursor": cursor,
                    "names": names, "folders": sorted(per_folder, key=str.casefold),
                    "per_source": per_source}

    data = await run_in_threadpool(load)
    scope = {"folder": folder, "source": source_id}
    here = _my_url(state=state, after=query.get("after"), **scope)
    title = ("All" if folder is None and source_id is None
             else folder if folder is not None else data["names"].get(source_id, "Source"))
    newest = max((i.fetched_at for i in data["items"]), default=None)
    return personal_page(
        request, "my.html", user=user, state=state, folder=folder, source_id=source_id, title=title,
        here=here, newest=str((newest - _EPOCH) // timedelta(microseconds=1)) if newest else None,
        older=_my_url(state=state, after=cursor_param(data["cursor"]), **scope) if data["cursor"] else None,
        first_page=_my_url(state=state, **scope) if after else None,
        toggle=_my_url(state="all" if state == "unread" else "unread", **scope),
        my_url=_my_url, **data)


async def mark(request: Request) -> Response:
    """Mark the posted ``id``s read, unread, starred or not (``action``), then back to the page."""
    result = await user_form(request, max_fields=MAX_MARK_IDS + 5)
    if isinstance(result, Response):
        return result
    user, form = result
    action = str(form.get("action") or "")
    values = {"read": {"read": True}, "unread": {"read": False}, "star": {"starred": True},
              "unstar": {"starred": False}}.get(action)
    ids = [i for i in (_int(v) for v in form.getlist("id")[:MAX_MARK_IDS]) if i is not None]
    if values is None:
        return plain_error(site_of(request), 422, "Not done", "Unknown action.")
    now = site_of(request).clock()
    return await _run_write(request, lambda s: reading.mark(s, user.id, ids, now=now, **values), _back(form, "/my"))


async def mark_all(request: Request) -> Response:
    """Mark read everything (or one folder or source) up to ``before``: the newest item the page
    showed, so what arrived since stays unread."""
    result = await user_form(request, max_fields=10)
    if isinstance(result, Response):
        return result
    user, form = result
    before = _time_param(str(form.get("before") or ""))
    if before is None:
        return plain_error(site_of(request), 422, "Not done", "Nothing to mark.")
    folder = str(form.get("folder") or "") or None
    source_id = _int(form.get("source"))
    now = site_of(request).clock()
    return await _run_write(request, lambda s: reading.mark_all_read(
        s, user.id, before=before, folder=folder, source_id=source_id, now=now), _back(form, "/my"))


# --- subscriptions and folders ------------------------------------------------------------------


async def subscriptions_page(request: Request, *, error: str | None = None, message: str | None = None,
                             status_code: int = 200, entered: dict[str, str] | None = None) -> Response:
    user = await require_user(request)
    if isinstance(user, Response):
        return user
    site = site_of(request)

    def load() -> tuple[list[reading.SubscriptionView], list[str], list[tuple[int, str]]]:
        with site.session() as session:
            subs = reading.subscriptions(session, user.id)
            followed = {s.source_id for s in subs}
            others = [(sid, name) for sid, name in session.query(Source.id, Source.name).order_by(Source.name)
                      if sid not in followed]
            return subs, reading.folders(session, user.id), others

    subs, folder_names, others = await run_in_threadpool(load)
    messages = {"imported": "OPML imported.", "followed": "Followed.", "saved": "Saved."}
    return personal_page(request, "my_subscriptions.html", status_code=status_code, user=user, subs=subs,
                         folders=folder_names, others=others, error=error, entered=entered or {},
                         message=message or messages.get(request.query_params.get("msg") or ""),
                         skipped=None)


def _folder_field(form: FormData, name: str = "folder") -> str | None:
    value = form.get(name)
    return str(value)[:400] if isinstance(value, str) and value.strip() else None


async def follow_source(request: Request) -> Response:
    result = await user_form(request, max_fields=10)
    if isinstance(result, Response):
        return result
    user, form = result
    source_id = _int(form.get("source"))
    if source_id is None:
        return plain_error(site_of(request), 422, "Not done", "No such source.")
    folder = _folder_field(form)
    now = site_of(request).clock()
    return await _run_write(request, lambda s: reading.subscribe(s, user.id, source_id, folder=folder, now=now),
                            _back(form, "/my/subscriptions?msg=followed"))


async def edit_subscription(request: Request) -> Response:
    result = await user_form(request, max_fields=10)
    if isinstance(result, Response):
        return result
    user, form = result
    source_id = _int(request.path_params["source_id"])
    action = request.path_params["action"]
    if source_id is None or action not in ("edit", "unfollow"):
        return plain_error(site_of(request), 404, "Page not found", "No such action.")
    if action == "unfollow":
        return await _run_write(request, lambda s: reading.unsubscribe(s, user.id, source_id),
                                "/my/subscriptions?msg=saved")
    folder, title = _folder_field(form), str(form.get("title") or "")[:600] or None
    return await _run_write(request, lambda s: reading.edit_subscription(s, user.id, source_id, folder=folder,
                                                                         title=title),
                            "/my/subscriptions?msg=saved")


async def folder_action(request: Request) -> Response:
    result = await user_form(request, max_fields=10)
    if isinstance(result, Response):
        return result
    user, form = result
    action = request.path_params["action"]
    old = _folder_field(form, "old") or ""
    if action == "rename":
        new = _folder_field(form, "new") or ""
        return await _run_write(request, lambda s: reading.rename_folder(s, user.id, old, new),
                                "/my/subscriptions?msg=saved")
    if action == "delete":
        return await _run_write(request, lambda s: reading.delete_folder(s, user.id, old),
                                "/my/subscriptions?msg=saved")
    return plain_error(site_of(request), 404, "Page not found", "No such action.")


async def add_by_url(request: Request) -> Response:
    """Follow an outlet by its feed or home page URL, through the admin's guarded follow path."""
    result = await user_form(request, max_fields=10, max_part_size=8 * 1024)
    if isinstance(result, Response):
        return result
    user, form = result
    site = site_of(request)
    url = str(form.get("url") or "").strip()[:MAX_URL_CHARS]
    folder = _folder_field(form)
    entered = {"url": url, "folder": folder or ""}
    if not url.startswith(("http://", "https://")):
        return await subscriptions_page(request, error="Give the http(s) URL of a feed or a home page.",
                                        status_code=422, entered=entered)
    try:
        await run_in_threadpool(follow_for_reader, site.settings, user.id, url, folder=folder, now=site.clock())
    except StoreBusy as exc:
        return busy(site, exc)
    except UsageError as exc:
        return await subscriptions_page(request, error=plain_message(exc), status_code=422, entered=entered)
    site.cache.clear()  # a new outlet may have joined the site's sources
    return RedirectResponse("/my/subscriptions?msg=followed", status_code=303)


async def opml_export(request: Request) -> Response:
    user = await require_user(request)
    if isinstance(user, Response):
        return user
    site = site_of(request)
    body = await run_in_threadpool(export_opml_for_reader, site.settings, user.id,
                                   title=f"{user.username}'s subscriptions on {site.settings.site_name}")
    return Response(body, media_type="text/x-opml; charset=utf-8", headers={
        "Cache-Control": "no-store", "Content-Disposition": 'attachment; filename="subscriptions.opml"'})


async def opml_import(request: Request) -> Response:
    """Follow every feed of an uploaded OPML file, in its folders."""
    user = await require_user(request)
    if isinstance(user, Response):
        return user
    site = site_of(request)
    form = await request.form(max_files=1, max_fields=5, max_part_size=MAX_OPML_BYTES)
    if not csrf_ok(request, form):
        return form_expired(site)
    upload = form.get("opml")
    if not isinstance(upload, UploadFile):
        return await subscriptions_page(request, error="Choose an OPML file.", status_code=422)
    data = await upload.read(MAX_OPML_BYTES + 1)
    try:
        followed, skipped = await run_in_threadpool(import_opml_for_reader, site.settings, user.id, data,
                                                    now=site.clock())
    except StoreBusy as exc:
        return busy(site, exc)
    except UsageError as exc:
        return await subscriptions_page(request, error=plain_message(exc), status_code=422)
    site.cache.clear()
    return await subscriptions_page(
        request, message=f"OPML imported: {len(followed)} followed, {len(skipped)} left out.")


ROUTES = [
    Route("/my", my_feed, methods=["GET"], name="my"),
    Route("/my/mark", mark, methods=["POST"], name="my-mark"),
    Route("/my/mark-all", mark_all, methods=["POST"], name="my-mark-all"),
    Route("/my/subscriptions", subscriptions_page, methods=["GET"], name="my-subscriptions"),
    Route("/my/subscriptions/follow", follow_source, methods=["POST"], name="my-follow"),
    Route("/my/subscriptions/add", add_by_url, methods=["POST"], name="my-add"),
    Route("/my/subscriptions/{source_id}/{action}", edit_subscription, methods=["POST"], name="my-subscription"),
    Route("/my/folders/{action}", folder_action, methods=["POST"], name="my-folder"),
    Route("/my/opml", opml_export, methods=["GET"], name="my-opml"),
    Route("/my/opml", opml_import, methods=["POST"], name="my-opml-import"),
]

__all__ = ["ROUTES", "cursor_param", "parse_cursor"]
