"""``/my/keys``: a reader changes their keyboard keys (the table and the check: ``web/keymap.py``).

The keys themselves work in ``static/keys.js`` (progressive enhancement: each key clicks a link or
submits a form that is on the page anyway). This page stores a reader's choice in ``users.keymap``
(only the keys that differ from the defaults, ``store/keymap.py``); every page made for a signed-in
reader carries the effective map in ``<meta name="newsdesk-keymap">`` (``base.html``), which
keys.js reads and keeps for the public lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsdesk.errors import UsageError
from newsdesk.store import keymap as keymap_store
from newsdesk.store.db import StoreBusy, session_scope
from newsdesk.web.auth import busy, personal_page, require_user, user_form
from newsdesk.web.keymap import ACTIONS, DEFAULT_KEYS, effective, validate_keymap
from newsdesk.web.site import site_of


def _rows(keys: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"action": action, "key": keys.get(action, default), "default": default, "label": label}
            for action, (default, label) in ACTIONS.items()]


async def keys_page(request: Request) -> Response:
    user = await require_user(request)
    if isinstance(user, Response):
        return user
    site = site_of(request)

    def load() -> dict[str, str]:
        with site.session() as session:
            return keymap_store.keymap(session, user.id)

    changed = await run_in_threadpool(load)
    return _page(request, user, effective(changed), saved=request.query_params.get("saved") == "1")


def _page(request: Request, user: Any, keys: Mapping[str, str], *,
          saved: bool = False, error: str | None = None, status_code: int = 200) -> Response:
    return personal_page(request, "keys.html", status_code=status_code, user=user, rows=_rows(keys),
                         saved=saved, error=error)


async def keys_save(request: Request) -> Response:
    answer = await user_form(request, max_fields=50)
    if isinstance(answer, Response):
        return answer
    user, form = answer
    site = site_of(request)
    wanted = {a: str(form.get(f"key_{a}") or "") for a in ACTIONS if f"key_{a}" in form}
    reset = form.get("reset") == "1"
    try:
        changed = {} if reset else validate_keymap(wanted)
    except UsageError as exc:
        shown = {a: wanted.get(a, DEFAULT_KEYS[a]) for a in ACTIONS}
        return _page(request, user, shown, error=_sentence(str(exc).removeprefix("keys: ")),
                     status_code=400)

    def save() -> None:
        with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
            keymap_store.set_keymap(session, user.id, changed)

    try:
        await run_in_threadpool(save)
    except StoreBusy as exc:
        return busy(site, exc)
    return RedirectResponse("/my/keys?saved=1", status_code=303)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


ROUTES = [
    Route("/my/keys", keys_page, methods=["GET", "HEAD"]),
    Route("/my/keys", keys_save, methods=["POST"]),
]

__all__ = ["ROUTES"]
