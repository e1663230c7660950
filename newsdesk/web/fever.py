"""The Fever API at ``/fever/``: the second protocol feed-reader apps sync with (Reeder, Unread, FeedMe).

A thin adapter over ``store.reading`` (Miniflux's ``internal/fever`` is the model): every call
resolves the user from ``api_key`` and passes their id to each store call, so two readers never see
each other's state. The protocol's description (feedafever.com/api) and the two reference servers,
Miniflux (``internal/fever/handler.go``) and FreshRSS (``p/api/fever.php``), settle its quirks:

- ``api_key`` is md5("username:app password"), POSTed by clients; taken from the query string too.
  A missing or unknown key answers ``{"api_version": 3, "auth": 0}`` with status 200, as both
  references do (clients read ``auth``, not the status).
- Reading arguments (``groups``, ``feeds``, ``items``…) are flags; several in one call each add
  their members (FreshRSS), and they are read from the query string or the body alike.
- ``items``: at most 50, ``since_id`` ascending, ``max_id`` descending (``max_id=0``: the newest),
  ``with_ids`` (up to 50 ids), plus the ``feed_ids``/``group_ids`` filters FreshRSS and Tiny Tiny
  RSS accept; ``total_items`` is the reader's visible item count. With none of them: from the oldest.
- Writes (``mark=item|feed|group``) answer with ``unread_item_ids`` or ``saved_item_ids`` as the
  protocol says they should (FreshRSS does; Miniflux sends only the base answer). ``before`` is
  clamped to now (a client's clock ahead of ours must not mark unseen items read), and a missing
  or zero ``before`` means now. Group 0 is "Kindling" (every feed); group -1, "Sparks", is empty here.
- ``?api=xml`` renders the same answer as XML under ``<response>``; list members hold one element
  per object, named by the list's name without its plural ``s`` (``<groups><group>…``), as Fever did.

Groups are the reader's folders. Fever wants positive integer ids that stay put between syncs, so a
folder's id is derived from its name (CRC-32, probing on a clash), not from its place in a list.
Feeds are the reader's subscriptions (Fever feed id = source id). Authenticated by ``api_key``, the
writes need no CSRF token: this is not a browser form, and the site's CSRF check is per handler
(``routes._csrf_ok``), so nothing exempts this path.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from newsdesk.store import fever as fever_store
from newsdesk.store import reading, users
from newsdesk.store.db import StoreBusy, session_scope
from newsdesk.web.security import sanitize_article_html
from newsdesk.web.site import Site, site_of

API_VERSION = 3
ITEMS_PER_CALL = 50  # the protocol's page size: clients page until an answer holds fewer
MAX_KEY_CHARS = 128  # an md5 hex is 32; FreshRSS reads at most 128 before giving up
MAX_IDS_CHARS = 2000  # 50 ids of up to 39 digits with commas: longer lists are cut, not parsed
KINDLING = 0  # the super group of every feed that is not a spark
SPARKS = -1  # the super group of "spark" feeds; Newsdesk has none
XML = "text/xml; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store"}  # every answer is one reader's state


# --- parameters ---------------------------------------------------------------------------------


def _params(query: Mapping[str, str], form: FormData | None) -> dict[str, str]:
    """Query string and body as one mapping, the body winning (Go's FormValue and PHP's $_REQUEST
    both merge them; clients put the key in the body and the reading flags in the query)."""
    merged = {key: value for key, value in query.items()}
    if form is not None:
        merged.update({key: value for key, value in form.items() if isinstance(value, str)})
    return merged


def _int(value: str | None, default: int | None = None) -> int | None:
    value = (value or "").strip()
    sign = -1 if value.startswith("-") else 1
    digits = value.removeprefix("-")
    if not digits.isdigit() or len(digits) > 18:
        return default
    return sign * int(digits)


def _ids(value: str | None, limit: int = ITEMS_PER_CALL) -> list[int]:
    """A comma-separated id list (``with_ids``, ``feed_ids``): positive integers, in order, at most ``limit``."""
    found: list[int] = []
    for part in (value or "")[:MAX_IDS_CHARS].split(","):
        number = _int(part)
        if number is not None and number > 0 and number not in found:
            found.append(number)
        if len(found) == limit:
            break
    return found


def api_key(params: Mapping[str, str]) -> str | None:
    """The key as md5 hex in lower case (Mr. Reader sends it in capitals), or None when it is not one."""
    key = params.get("api_key", "").strip()[:MAX_KEY_CHARS].lower()
    return key if len(key) == 32 and all(c in "0123456789abcdef" for c in key) else None


def unix(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


def from_unix(value: int, now: datetime) -> datetime:
    """A ``before`` time: 0 or missing means now, a time ahead of ours is held at now."""
    if value <= 0:
        return now
    try:
        moment = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return now
    return min(moment, now)


# --- groups -------------------------------------------------------------------------------------


def group_ids(folders: Iterable[str]) -> dict[str, int]:
    """Stable positive ids for folder names: CRC-32 of the name (31 bits, so every client's signed
    32-bit integer holds it), moved to the next free number on a clash, deciding clashes in name order."""
    taken: dict[int, str] = {}
    result: dict[str, int] = {}
    for folder in sorted(set(folders)):
        number = zlib.crc32(folder.encode()) & 0x7FFFFFFF or 1
        while number in taken:
            number = number % 0x7FFFFFFF + 1
        taken[number] = folder
        result[folder] = number
    return result


def _feeds_groups(subs: list[reading.SubscriptionView], ids: dict[str, int]) -> list[dict[str, Any]]:
    """One ``feeds_group`` per folder: its id and its feeds' ids as a comma-separated string."""
    members: dict[int, list[str]] = {}
    for sub in subs:
        if sub.folder is not None and sub.folder in ids:
            members.setdefault(ids[sub.folder], []).append(str(sub.source_id))
    return [{"group_id": gid, "feed_ids": ",".join(feed_ids)} for gid, feed_ids in members.items()]


# --- the answer ---------------------------------------------------------------------------------


class Fever:
    """One authenticated call: the user, the store session, the clock; builds the answer's members."""

    def __init__(self, session: Session, user_id: int, now: datetime) -> None:
        self.session = session
        self.user_id = user_id
        self.now = now
        self._subs: list[reading.SubscriptionView] | None = None

    @property
    def subs(self) -> list[reading.SubscriptionView]:
        if self._subs is None:
            self._subs = reading.subscriptions(self.session, self.user_id)
        return self._subs

    def group_ids(self) -> dict[str, int]:
        return group_ids(reading.folders(self.session, self.user_id))

    def groups(self) -> dict[str, Any]:
        ids = self.group_ids()
        return {"groups": [{"id": gid, "title": name} for name, gid in ids.items()],
                "feeds_groups": _feeds_groups(self.subs, ids)}

    def feeds(self) -> dict[str, Any]:
        checked = fever_store.last_checked(self.session, [s.source_id for s in self.subs])
        feeds = [{
            "id": sub.source_id,
            "favicon_id": 0,  # no icons kept (Miniflux sends 0 for a feed without one)
            "title": sub.title or sub.name,
            "url": sub.feed_url or sub.home_url or "",
            "site_url": sub.home_url or "",
            "is_spark": 0,
            "last_updated_on_time": unix(checked.get(sub.source_id)),
        } for sub in self.subs]
        return {"feeds": feeds, "feeds_groups": _feeds_groups(self.subs, self.group_ids())}

    def _source_filter(self, params: Mapping[str, str]) -> set[int] | None:
        """``feed_ids``/``group_ids`` (FreshRSS, Tiny Tiny RSS): the sources to page through, or None for all."""
        if "feed_ids" not in params and "group_ids" not in params:
            return None
        wanted = set(_ids(params.get("feed_ids"), limit=10_000))
        groups = set(_ids(params.get("group_ids"), limit=10_000))
        if groups:
            ids = self.group_ids()
            wanted |= {s.source_id for s in self.subs if s.folder is not None and ids.get(s.folder) in groups}
        return wanted

    def items(self, params: Mapping[str, str]) -> dict[str, Any]:
        if "with_ids" in params:
            chosen = _ids(params.get("with_ids"))
        else:
            max_id = _int(params.get("max_id"))
            since_id = _int(params.get("since_id"), 0) or 0
            chosen = fever_store.page_ids(
                self.session, self.user_id, since_id=None if max_id is not None else since_id,
                max_id=max_id, sources=self._source_filter(params), limit=ITEMS_PER_CALL)
        found = {item.article_id: item for item in reading.items(self.session, self.user_id, chosen)}
        return {"items": [self._item(found[i]) for i in chosen if i in found],
                "total_items": fever_store.total_items(self.session, self.user_id)}

    @staticmethod
    def _item(item: reading.ItemView) -> dict[str, Any]:
        return {
            "id": item.article_id,
            "feed_id": item.source_id or 0,
            "title": item.title or "",
            "author": ", ".join(item.authors),
            "html": str(sanitize_article_html(item.html or item.teaser, item.url)),
            "url": item.url,
            "is_saved": int(item.starred),
            "is_read": int(item.read),
            "created_on_time": unix(item.published_at or item.fetched_at),
        }

    def unread_item_ids(self) -> dict[str, Any]:
        ids = reading.item_ids(self.session, self.user_id, state="unread")
        return {"unread_item_ids": ",".join(str(i) for i, _ in sorted(ids))}

    def saved_item_ids(self) -> dict[str, Any]:
        ids = reading.item_ids(self.session, self.user_id, state="starred")
        return {"saved_item_ids": ",".join(str(i) for i, _ in sorted(ids))}

    def mark(self, params: Mapping[str, str]) -> str | None:
        """``mark=item|feed|group``; the id list the answer must carry to show the change, if any."""
        what, how, target = params.get("mark", "").lower(), params.get("as", "").lower(), _int(params.get("id"))
        if target is None:
            return None
        if what == "item" and target > 0:
            changes = {"read": {"read": True}, "unread": {"read": False},
                       "saved": {"starred": True}, "unsaved": {"starred": False}}.get(how)
            if changes is None:
                return None
            reading.mark(self.session, self.user_id, [target], now=self.now, **changes)
            return "saved_item_ids" if "starred" in changes else "unread_item_ids"
        if how != "read" or what not in ("feed", "group"):
            return None
        before = from_unix(_int(params.get("before"), 0) or 0, self.now)
        if what == "feed" and target > 0:
            reading.mark_all_read(self.session, self.user_id, before=before, source_id=target, now=self.now)
        elif what == "group" and target == KINDLING:
            reading.mark_all_read(self.session, self.user_id, before=before, now=self.now)
        elif what == "group" and target > 0:
            folder = next((name for name, gid in self.group_ids().items() if gid == target), None)
            if folder is not None:
                reading.mark_all_read(self.session, self.user_id, before=before, folder=folder, now=self.now)
        # feed or group ids of nothing the reader follows, and SPARKS, change nothing
        return "unread_item_ids"

    def answer(self, params: Mapping[str, str], marked: str | None = None) -> dict[str, Any]:
        """Every member the call asked for, and ``marked``, the id list its write (done first) calls for."""
        result: dict[str, Any] = {"api_version": API_VERSION, "auth": 1, "last_refreshed_on_time": unix(self.now)}
        if "groups" in params:
            result.update(self.groups())
        if "feeds" in params:
            result.update(self.feeds())
        if "favicons" in params:
            result["favicons"] = []  # no icons kept; feeds say favicon_id 0
        if "items" in params:
            result.update(self.items(params))
        if "links" in params:
            result["links"] = []  # Hot links are Fever's own ranking; FreshRSS and Tiny Tiny RSS send none
        if "unread_item_ids" in params or marked == "unread_item_ids":
            result.update(self.unread_item_ids())
        if "saved_item_ids" in params or marked == "saved_item_ids":
            result.update(self.saved_item_ids())
        return result


def answer(site: Site, params: Mapping[str, str]) -> dict[str, Any]:
    """The whole call: the user from the key, the write (in a write transaction of its own, so
    reading calls never queue for SQLite's write lock), then the members asked for."""
    unauthorized = {"api_version": API_VERSION, "auth": 0}
    key = api_key(params)
    if key is None:
        return unauthorized
    now = site.clock()
    marked: str | None = None
    if "mark" in params:
        with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
            user_id = users.fever_user(session, key)
            if user_id is None:
                return unauthorized
            marked = Fever(session, user_id, now).mark(params)
    with site.session() as session:
        user_id = users.fever_user(session, key)
        if user_id is None:
            return unauthorized
        return Fever(session, user_id, now).answer(params, marked)


# --- rendering ----------------------------------------------------------------------------------


def _xml_text(value: Any) -> str:
    """A value as XML 1.0 text: characters XML cannot carry (most C0 controls) are dropped."""
    text = str(value)
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20) if any(ord(c) < 0x20 for c in text) else text


def _xml_fill(parent: ElementTree.Element, name: str, value: Any) -> None:
    node = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_fill(node, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _xml_fill(node, name.removesuffix("s"), inner)
    else:
        node.text = _xml_text(value)


def to_xml(result: Mapping[str, Any]) -> bytes:
    """The answer as Fever's XML: ``<response>`` with one element per member."""
    root = ElementTree.Element("response")
    for key, value in result.items():
        _xml_fill(root, key, value)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def render(result: Mapping[str, Any], params: Mapping[str, str], status: int = 200) -> Response:
    if params.get("api", "").strip().lower() == "xml":
        return Response(to_xml(result), status_code=status, media_type=XML, headers=NO_STORE)
    return JSONResponse(dict(result), status_code=status, headers=NO_STORE)


async def endpoint(request: Request) -> Response:
    form = await request.form() if request.method == "POST" else None
    params = _params(request.query_params, form)
    try:
        result = await run_in_threadpool(answer, site_of(request), params)
    except StoreBusy as exc:
        headers = {"Retry-After": str(int(exc.retry_after or 1))}
        response = render({"api_version": API_VERSION, "auth": 0, "error": "busy"}, params, status=503)
        response.headers.update(headers)
        return response
    return render(result, params)


# ``/fever`` too: typed without the slash, a redirect would turn some clients' POST into a GET.
# ``/api/fever.php`` is FreshRSS's address for the same API: apps and libraries set up for a
# FreshRSS server (the freshrss-api package, for one) find it there.
ROUTES = [
    Route("/fever/", endpoint, methods=["GET", "POST"]),
    Route("/fever", endpoint, methods=["GET", "POST"]),
    Route("/api/fever.php", endpoint, methods=["GET", "POST"]),
]

__all__ = ["API_VERSION", "ROUTES", "answer", "api_key", "group_ids", "to_xml"]
