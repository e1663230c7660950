"""The Google Reader API, the protocol mobile and desktop feed apps sync with (Reeder, NetNewsWire,
Read You, FeedMe, Fluent Reader, NewsFlash, News+).

Google never published it; what apps expect is what FreshRSS (``p/api/greader.php``) and Miniflux
(``internal/googlereader``) answer, so this module copies their behaviour, quirks included, and says
where the two differ and which one it follows (docs/greader.md has the whole protocol). It is a thin
adapter over ``store.reading`` (STYLE.md habit 19): every call resolves the user from the
``Authorization: GoogleLogin auth=<token>`` header and passes the id to the store.

Where it answers: ``/api/greader.php/…`` (FreshRSS's address, which most apps' "FreshRSS" account
type appends by itself) and ``/reader/api/0/…`` with ``/accounts/ClientLogin`` at the root (Miniflux's
layout). People type the base URL with or without a trailing slash and with or without the
``/api/greader.php`` part, and apps append their own path, so the path is normalized first: runs of
slashes fold into one and a repeated ``/api/greader.php`` prefix is dropped (``api_path``).

Security: the API takes no cookies, so a browser cannot be tricked into a write (no CSRF exposure);
every call, writes included, checks the token against ``api_tokens`` (hashed there, ended with the
user's sessions). The 57-character edit token (``T=``) is derived from the auth token; ``T=x``
(Reeder) and an empty ``T`` (FeedMe) are accepted as FreshRSS does, a wrong one is a 401 with
``Google-Bad-Token: true``, which tells apps to fetch a new one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, request_response
from starlette.types import Receive, Scope, Send

from newsdesk.errors import Retry, UsageError, plain_message
from newsdesk.pipeline.follow import follow
from newsdesk.store import api_queries, reading, users
from newsdesk.store.db import StoreBusy, session_scope
from newsdesk.web.accounts import count_attempt
from newsdesk.web.site import Site, site_of

PREFIX = "/api/greader.php"
API = "/reader/api/0/"
LOGIN = "/accounts/ClientLogin"
LONG_ID = "tag:google.com,2005:reader/item/"
STATE = "user/-/state/com.google/"
LABEL = "user/-/label/"
READING_LIST = STATE + "reading-list"
READ = STATE + "read"
STARRED = STATE + "starred"
EDIT_TOKEN_CHARS = 57  # what Google's edit tokens were; some apps check the length
DEFAULT_ITEMS = 20  # Google's default n= (FreshRSS keeps it)
# why 64 bytes an id: the long form is 48 characters, URL-encoded 60 with its "i=" and "&"; the
# rest of a form (a=, r=, T=, s=) fits in the 64 kB on top
ID_BYTES = 64
FORM_SLACK = 64 * 1024
JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store, private"}


# --- paths and ids ------------------------------------------------------------------------------


def api_path(path: str) -> tuple[str, str] | None:
    """What a request path asks for: ("login", ""), ("api", "<endpoint under /reader/api/0/>"),
    ("base", "<rest under /api/greader.php>"), or None when it is not this API's.

    ``//api/greader.php//reader/api/0/token`` (a base typed with a trailing slash) and
    ``/api/greader.php/api/greader.php/accounts/ClientLogin`` (the prefix typed and added by the
    app) both count. Inside a stream id, ``feed/http://…`` keeps its double slash.
    """
    folded = re.sub(r"/{2,}", "/", path)
    prefixed = False
    while folded == PREFIX or folded.startswith(PREFIX + "/"):
        folded = folded[len(PREFIX):] or "/"
        prefixed = True
    if folded.rstrip("/") == LOGIN:
        return ("login", "")
    if folded.startswith(API):
        rest = folded[len(API):]
        return ("api", re.sub(r"(feed/https?:)/(?!/)", r"\1//", rest))
    if prefixed:
        return ("base", folded)
    return None


def long_id(article_id: int) -> str:
    """The long item id: the tag URI with the id as 16 hex digits (Google's ItemId format)."""
    return f"{LONG_ID}{article_id:016x}"


def parse_item_id(value: str) -> int | None:
    """An item id in any of the forms apps send: the long tag URI (hex), 16 hex digits (the long
    form's tail, which Miniflux takes bare), or the short decimal form. None when it is neither.

    A bare all-digit value shorter than 16 characters is decimal (the short form apps get from
    stream/items/ids); 16 characters are the hex tail (no decimal article id is that long)."""
    value = value.strip()
    if value.startswith(LONG_ID):
        value, base = value[len(LONG_ID):], 16
    elif len(value) == 16 or (value and not value.lstrip("-").isdigit()):
        base = 16
    else:
        base = 10
    try:
        number = int(value, base)
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def edit_token(secret: str, auth_token: str) -> str:
    """The ``T`` token of one auth token: a keyed hash, so it needs no storage and dies with it."""
    digest = hmac.new(secret.encode(), b"greader-edit\0" + auth_token.encode(), hashlib.sha256).hexdigest()
    return digest[:EDIT_TOKEN_CHARS - 7] + "Z" * 7  # 50 hex digits padded, as FreshRSS pads to 57


def usec(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


def instant(value: str | None) -> datetime | None:
    """A time apps send, told apart by size: seconds (``ot``, ``nt``), or the milli-, micro- or
    nanoseconds ``mark-all-as-read``'s ``ts`` comes in (the protocol says µs; apps vary)."""
    if not value or not value.strip().isdigit():
        return None
    number = int(value.strip())
    if number <= 0:
        return None
    for limit, scale in ((10**11, 1), (10**14, 10**3), (10**17, 10**6)):
        if number < limit:
            return datetime.fromtimestamp(number / scale, UTC)
    return datetime.fromtimestamp(number / 10**9, UTC)


@dataclass(frozen=True)
class Stream:
    """A stream id taken apart: ``kind`` feed | label | reading-list | starred | read | kept-unread."""

    kind: str
    value: str = ""


def parse_stream(stream_id: str, user_id: int) -> Stream | None:
    """``feed/<id or url>``, ``user/-/label/<folder>``, ``user/-/state/com.google/<state>`` (the
    user's own number may stand for ``-``, as Miniflux writes it); None when unknown."""
    stream_id = stream_id.strip()
    for me in ("user/-/", f"user/{user_id}/"):
        if stream_id.startswith(me):
            rest = stream_id[len(me):]
            if rest.startswith("label/") and rest[6:]:
                return Stream("label", rest[6:])
            if rest.startswith("state/com.google/"):
                state = rest[len("state/com.google/"):]
                if state in ("reading-list", "starred", "read", "kept-unread"):
                    return Stream(state)
            return None
    if stream_id.startswith("feed/") and stream_id[5:]:
        return Stream("feed", stream_id[5:])
    return None


# --- requests and answers -----------------------------------------------------------------------


class Refusal(Exception):
    """An answer other than success: status, plain-text body, and whether the token was bad."""

    def __init__(self, status: int, message: str, *, bad_token: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.bad_token = bad_token


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=TEXT_TYPE, headers=NO_STORE)


def _json(data: Any) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type=JSON_TYPE, headers=NO_STORE)


def _refused(refusal: Refusal) -> Response:
    response = _text(refusal.message + "\n", refusal.status)
    if refusal.bad_token:
        response.headers["Google-Bad-Token"] = "true"
    return response


def unauthorized() -> Refusal:
    return Refusal(401, "Unauthorized!", bad_token=True)


@dataclass
class Params:
    """Query and form values together (apps send some in the URL, some in the body); a form
    value wins over the query's, as PHP's ``$_REQUEST`` in FreshRSS."""

    query: list[tuple[str, str]]
    form: list[tuple[str, str]] = field(default_factory=list)

    def all(self, name: str) -> list[str]:
        posted = [v for k, v in self.form if k == name]
        return posted or [v for k, v in self.query if k == name]

    def get(self, name: str, default: str = "") -> str:
        values = self.all(name)
        return values[0] if values else default

    def has(self, name: str) -> bool:
        return bool(self.all(name))

    def number(self, name: str, default: int, *, low: int = 0, high: int = 2**31 - 1) -> int:
        value = self.get(name).strip()
        if not value.lstrip("-").isdigit():
            return default
        return max(low, min(int(value), high))


async def _params(request: Request, site: Site) -> Params:
    query = list(request.query_params.multi_items())
    if request.method != "POST":
        return Params(query)
    limit = site.settings.greader_max_ids * ID_BYTES + FORM_SLACK
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Refusal(413, "Request Entity Too Large!")
    body = await request.body()
    if len(body) > limit:
        raise Refusal(413, "Request Entity Too Large!")
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = await request.form(max_files=0, max_fields=site.settings.greader_max_ids + 50)
        return Params(query, [(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    # urlencoded, or a body sent without a content type (FreshRSS parses the raw input too)
    return Params(query, parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _auth_token(request: Request) -> str | None:
    """The token of ``Authorization: GoogleLogin auth=<token>`` (scheme in any case, quotes allowed)."""
    header = request.headers.get("authorization", "")
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "googlelogin":
        return None
    name, _, value = rest.strip().partition("=")
    token = value.strip().strip('"')
    return token if name.strip().lower() == "auth" and 0 < len(token) <= 512 else None


@dataclass(frozen=True)
class Call:
    """One authenticated API call as the endpoint functions see it."""

    site: Site
    request: Request
    params: Params
    user_id: int
    token: str
    endpoint: str

    def now(self) -> datetime:
        return self.site.clock()

    def stream(self, stream_id: str) -> Stream:
        parsed = parse_stream(stream_id, self.user_id)
        if parsed is None:
            raise Refusal(400, f"Bad Request! unknown stream {stream_id[:200]!r}")
        return parsed


# --- the endpoints ------------------------------------------------------------------------------


def user_info(call: Call) -> Response:
    with call.site.session() as session:
        user = users.get_user(session, call.user_id)
        if user is None:
            raise unauthorized()
        return _json({"userId": str(user.id), "userName": user.username, "userProfileId": str(user.id),
                      "userEmail": "", "isBloggerUser": False,
                      "signupTimeSec": int(user.created_at.timestamp()) if user.created_at else 0,
                      "isMultiLoginEnabled": False})


def token(call: Call) -> Response:
    return _text(edit_token(call.site.tokens.secret, call.token))


def _icon_url(home_url: str | None) -> str:
    """The outlet's own favicon (the site keeps none; apps fetch it themselves)."""
    parts = urlsplit(home_url or "")
    return f"{parts.scheme}://{parts.netloc}/favicon.ico" if parts.scheme in ("http", "https") and parts.netloc else ""


def _label(folder: str) -> dict[str, str]:
    return {"id": LABEL + folder, "label": folder, "type": "folder"}


def subscription_list(call: Call) -> Response:
    with call.site.session() as session:
        subscriptions = reading.subscriptions(session, call.user_id)
    return _json({"subscriptions": [{
        "id": f"feed/{sub.source_id}",
        "title": sub.title,
        "categories": [_label(sub.folder)] if sub.folder else [],
        "sortid": f"{sub.source_id:08X}",
        "firstitemmsec": "0",
        "url": sub.feed_url or sub.home_url or "",
        "htmlUrl": sub.home_url or "",
        "iconUrl": _icon_url(sub.home_url),
    } for sub in subscriptions]})


def tag_list(call: Call) -> Response:
    with call.site.session() as session:
        folders = reading.folders(session, call.user_id)
    return _json({"tags": [{"id": STARRED}, *(_label(folder) for folder in folders)]})


def unread_count(call: Call) -> Response:
    with call.site.session() as session:
        per_source, per_folder, total = reading.unread_counts(session, call.user_id)
        newest = api_queries.newest_fetched(session, call.user_id)
        subscriptions = reading.subscriptions(session, call.user_id)
    counts: list[dict[str, Any]] = []
    folder_newest: dict[str, int] = {}
    for sub in subscriptions:
        at = usec(newest[sub.source_id]) if sub.source_id in newest else 0
        counts.append({"id": f"feed/{sub.source_id}", "count": per_source.get(sub.source_id, 0),
                       "newestItemTimestampUsec": str(at)})
        if sub.folder:
            folder_newest[sub.folder] = max(folder_newest.get(sub.folder, 0), at)
    for folder, count in sorted(per_folder.items()):
        counts.append({"id": LABEL + folder, "count": count,
                       "newestItemTimestampUsec": str(folder_newest.get(folder, 0))})
    counts.append({"id": READING_LIST, "count": total,
                   "newestItemTimestampUsec": str(usec(max(newest.values())) if newest else 0)})
    return _json({"max": total, "unreadcounts": counts})


@dataclass(frozen=True)
class Selection:
    """What a stream request asks the store for, plus what the store's one ``state`` cannot say
    (starred and unread at once, say), checked on the page afterwards."""

    source_id: int | None = None
    folder: str | None = None
    state: str = "all"
    read: bool | None = None  # checked afterwards when not None
    starred: bool | None = None
    empty: bool = False  # the request contradicts itself, or names a feed the user does not follow

    def keeps(self, item: reading.ItemView) -> bool:
        return ((self.read is None or item.read == self.read)
                and (self.starred is None or item.starred == self.starred))


def _source_id(call: Call, value: str) -> int | None:
    if value.isdigit():
        return int(value)
    with call.site.session() as session:
        return api_queries.source_of_url(session, value)


def select_items(call: Call, stream: Stream, includes: Iterable[Stream], excludes: Iterable[Stream]) -> Selection:
    """Turn ``s``, ``it`` and ``xt`` into store filters. ``xt=…/read`` really leaves read items out
    (Miniflux once applied it only to some streams); a contradiction selects nothing."""
    source_id: int | None = None
    folder: str | None = None
    read: bool | None = None
    starred: bool | None = None
    empty = False

    def want(current: bool | None, value: bool) -> bool | None:
        nonlocal empty
        if current is not None and current != value:
            empty = True
        return value

    for part, included in [(stream, True), *((s, True) for s in includes), *((s, False) for s in excludes)]:
        if part.kind == "feed" and included:
            found = _source_id(call, part.value)
            empty = empty or found is None or (source_id is not None and found != source_id)
            source_id = found
        elif part.kind == "label" and included:
            empty = empty or (folder is not None and folder != part.value)
            folder = part.value
        elif part.kind == "starred":
            starred = want(starred, included)
        elif part.kind == "read":
            read = want(read, included)
        elif part.kind == "kept-unread":
            read = want(read, not included)
        # an excluded feed or label, or an excluded reading list: no app sends these; ignored
    if starred:
        state, post_read, post_starred = "starred", read, None
    elif read is False:
        state, post_read, post_starred = "unread", None, starred
    elif read is True:
        state, post_read, post_starred = "read", None, starred
    else:
        state, post_read, post_starred = "all", None, starred
    return Selection(source_id=source_id, folder=folder, state=state, read=post_read, starred=post_starred,
                     empty=empty)


def _selection(call: Call, stream_id: str) -> Selection:
    stream = call.stream(stream_id)
    includes = [call.stream(s) for s in call.params.all("it") if s]
    excludes = [call.stream(s) for s in call.params.all("xt") if s]
    return select_items(call, stream, includes, excludes)


def _cursor(call: Call) -> tuple[reading.Cursor | None, bool]:
    """(the keyset cursor a continuation names, whether that item is gone). A continuation is the
    last item id sent (digits, as FreshRSS's); None on the first page. When the item is gone
    nothing tells where the page starts, so the answer is an empty page."""
    value = call.params.get("c").strip()
    if not value:
        return None, False
    article_id = int(value) if value.isdigit() else parse_item_id(value)
    if article_id is None or article_id >= 2**63:
        return None, True
    with call.site.session() as session:
        at = api_queries.fetched_at_of(session, article_id)
    return ((at, article_id), False) if at is not None else (None, True)


def _filters(call: Call, selection: Selection) -> dict[str, Any]:
    return {"source_id": selection.source_id, "folder": selection.folder, "state": selection.state,
            "newer_than": instant(call.params.get("ot")), "older_than": instant(call.params.get("nt")),
            "oldest_first": call.params.get("r") == "o"}


def _needs_states(selection: Selection) -> bool:
    return selection.read is not None or selection.starred is not None


def stream_item_ids(call: Call) -> Response:
    """``stream/items/ids``: the ids (short decimal form) of one stream, newest first unless
    ``r=o``; ``continuation`` is the last id when more follow."""
    stream_id = call.params.get("s")
    if not stream_id:
        raise Refusal(400, "Bad Request! s= is required")
    selection = _selection(call, stream_id)
    size = call.params.number("n", DEFAULT_ITEMS, low=1, high=call.site.settings.greader_max_ids)
    cursor, gone = _cursor(call)
    pairs: list[tuple[int, datetime]] = []
    if not selection.empty and not gone:
        with call.site.session() as session:
            pairs = reading.item_ids(session, call.user_id, limit=size + 1, after=cursor,
                                     **_filters(call, selection))
            more = len(pairs) > size
            pairs = pairs[:size]
            last = pairs[-1][0] if pairs and more else None
            if _needs_states(selection):
                kept = {item.article_id for item in reading.items(session, call.user_id, [p[0] for p in pairs])
                        if selection.keeps(item)}
                pairs = [p for p in pairs if p[0] in kept]
    else:
        last = None
    refs = [{"id": str(article_id), "directStreamIds": [], "timestampUsec": str(usec(at))}
            for article_id, at in pairs]
    if not refs and call.params.get("client") == "newsplus":
        refs = [{"id": "0", "directStreamIds": [], "timestampUsec": "0"}]  # News+ stalls on an empty list (as FreshRSS)
    answer: dict[str, Any] = {"itemRefs": refs}
    if last is not None:
        answer["continuation"] = str(last)
    return _json(answer)


def _item_json(item: reading.ItemView, subscriptions: dict[int, reading.SubscriptionView]) -> dict[str, Any]:
    sub = subscriptions.get(item.source_id) if item.source_id is not None else None
    published = item.published_at or item.fetched_at
    categories = [READING_LIST]
    if sub is not None and sub.folder:
        categories.append(LABEL + sub.folder)
    if item.read:
        categories.append(READ)
    if item.starred:
        categories.append(STARRED)
    data: dict[str, Any] = {
        "id": long_id(item.article_id),
        "crawlTimeMsec": str(usec(item.fetched_at) // 1000),
        "timestampUsec": str(usec(item.fetched_at)),
        "published": int(published.timestamp()),
        "updated": int(published.timestamp()),
        "title": item.title or "",
        "canonical": [{"href": item.url}],
        "alternate": [{"href": item.url, "type": "text/html"}],
        "summary": {"direction": "ltr", "content": item.html or item.teaser},
        "categories": categories,
        "origin": {"streamId": f"feed/{item.source_id}", "title": sub.title if sub else "",
                   "htmlUrl": (sub.home_url or "") if sub else ""},
    }
    if item.authors:
        data["author"] = ", ".join(item.authors)
    return data


def _contents(call: Call, stream_id: str, title: str, items: list[reading.ItemView],
              continuation: int | None, source_id: int | None = None) -> Response:
    with call.site.session() as session:
        subscriptions = {sub.source_id: sub for sub in reading.subscriptions(session, call.user_id)}
    if source_id is not None and source_id in subscriptions:
        title = subscriptions[source_id].title  # a feed's stream is titled as the app lists the feed
    answer: dict[str, Any] = {
        "direction": "ltr", "id": stream_id, "title": title, "self": [{"href": str(call.request.url)}],
        "updated": int(call.now().timestamp()), "items": [_item_json(item, subscriptions) for item in items],
    }
    if continuation is not None:
        answer["continuation"] = str(continuation)
    return _json(answer)


def stream_contents(call: Call) -> Response:
    """``stream/contents/<stream>`` (or ``s=``, or the reading list when neither: Fluent Reader and
    EasyRSS leave it out): one page of items with their text."""
    stream_id = call.endpoint[len("stream/contents"):].lstrip("/") or call.params.get("s") or READING_LIST
    selection = _selection(call, stream_id)
    size = call.params.number("n", DEFAULT_ITEMS, low=1, high=call.site.settings.greader_max_contents)
    cursor, gone = _cursor(call)
    items: list[reading.ItemView] = []
    last = None
    if not selection.empty and not gone:
        with call.site.session() as session:
            items, after = reading.stream(session, call.user_id, limit=size, after=cursor,
                                          **_filters(call, selection))
        last = after[1] if after is not None else None
        items = [item for item in items if selection.keeps(item)]
    title = stream_id.removeprefix(LABEL) if stream_id.startswith(LABEL) else stream_id.rsplit("/", 1)[-1]
    return _contents(call, stream_id, title, items, last, selection.source_id)


def stream_items_contents(call: Call) -> Response:
    """``stream/items/contents``: the items named by ``i=`` (any id form), in stream order."""
    wanted = [i for i in (parse_item_id(v) for v in call.params.all("i")) if i is not None]
    if len(wanted) > call.site.settings.greader_max_contents:
        raise Refusal(400, f"Bad Request! at most {call.site.settings.greader_max_contents} items a call")
    with call.site.session() as session:
        items = reading.items(session, call.user_id, wanted)
    items.sort(key=lambda item: (item.fetched_at, item.article_id), reverse=call.params.get("r") != "o")
    return _contents(call, READING_LIST, "Reading list", items, None)


def edit_tag(call: Call) -> Response:
    """``edit-tag``: add (``a=``) or remove (``r=``) read, kept-unread or starred on many ``i=``
    at once; one store call whatever the count (a 2,000-id POST is one transaction)."""
    read: bool | None = None
    starred: bool | None = None
    changes = [(s, True) for s in call.params.all("a") if s] + [(s, False) for s in call.params.all("r") if s]
    labels = False
    for stream_id, added in changes:
        stream = call.stream(stream_id)
        if stream.kind in ("read", "kept-unread"):
            value = added if stream.kind == "read" else not added
            if read is not None and read != value:
                raise Refusal(400, "Bad Request! read and unread at once")
            read = value
        elif stream.kind == "starred":
            if starred is not None and starred != added:
                raise Refusal(400, "Bad Request! starred added and removed at once")
            starred = added
        elif stream.kind == "label":
            labels = True  # items carry no labels of their own here: folders hold feeds
        else:
            raise Refusal(400, f"Bad Request! {stream_id[:200]!r} is not a tag")
    if read is None and starred is None:
        if labels:
            raise Refusal(400, "Bad Request! item labels are not supported (folders hold feeds)")
        raise Refusal(400, "Bad Request! a= or r= is required")
    values = call.params.all("i")
    if len(values) > call.site.settings.greader_max_ids:
        raise Refusal(400, f"Bad Request! at most {call.site.settings.greader_max_ids} items a call")
    wanted = [i for i in (parse_item_id(v) for v in values) if i is not None]
    if not wanted:
        raise Refusal(400, "Bad Request! i= is required")
    with _writing(call.site) as session:
        reading.mark(session, call.user_id, wanted, read=read, starred=starred, now=call.now())
    return _text("OK")


def mark_all_as_read(call: Call) -> Response:
    """``mark-all-as-read``: a feed, a folder or everything, up to ``ts`` (µs; now without it)."""
    stream = call.stream(call.params.get("s") or READING_LIST)
    before = instant(call.params.get("ts")) or call.now()
    scope: dict[str, Any] = {}
    if stream.kind == "feed":
        source_id = _source_id(call, stream.value)
        if source_id is None:
            raise Refusal(400, "Bad Request! no such feed")
        scope["source_id"] = source_id
    elif stream.kind == "label":
        scope["folder"] = stream.value
    elif stream.kind != "reading-list":
        raise Refusal(400, "Bad Request! only feeds, labels and the reading list can be marked read")
    with _writing(call.site) as session:
        reading.mark_all_read(session, call.user_id, before=min(before, call.now()), now=call.now(), **scope)
    return _text("OK")


def _folder_of(call: Call, stream_id: str) -> str | None:
    stream = call.stream(stream_id)
    if stream.kind != "label":
        raise Refusal(400, "Bad Request! a folder must be user/-/label/<name>")
    return stream.value


def _follow(call: Call, url: str) -> int:
    """The source a URL names: one the site already has, else followed through the same guarded
    path as the admin's "add source" (fetched under the address guard, discovered, stored)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise UsageError(f"subscriptions: not an http(s) URL: {url[:200]!r}")
    with call.site.session() as session:
        known = api_queries.source_of_url(session, url)
    if known is not None:
        return known
    return follow(call.site.settings, url).source_id


def _subscribe(call: Call, source_id: int, folder: str | None, title: str | None) -> None:
    with _writing(call.site) as session:
        reading.subscribe(session, call.user_id, source_id, folder=folder, title=title, now=call.now())


def subscription_edit(call: Call) -> Response:
    """``subscription/edit``: ``ac=subscribe|unsubscribe|edit`` on ``s=feed/…`` (repeatable),
    ``t=`` a title, ``a=``/``r=`` the folder to put it in or take it out of."""
    action = call.params.get("ac")
    streams = [call.stream(s) for s in call.params.all("s") if s]
    if not streams or any(s.kind != "feed" for s in streams):
        raise Refusal(400, "Bad Request! s=feed/… is required")
    if action not in ("subscribe", "unsubscribe", "edit"):
        raise Refusal(400, "Bad Request! ac= must be subscribe, unsubscribe or edit")
    titles = call.params.all("t")
    add = _folder_of(call, call.params.get("a")) if call.params.get("a") else None
    remove = _folder_of(call, call.params.get("r")) if call.params.get("r") else None
    for n, stream in enumerate(streams):
        title = titles[n] if n < len(titles) else None
        if action == "subscribe":
            source_id = int(stream.value) if stream.value.isdigit() else _follow(call, stream.value)
            _subscribe(call, source_id, add, title)
            continue
        source_id_or_none = _source_id(call, stream.value)
        if source_id_or_none is None:
            raise Refusal(400, "Bad Request! no such feed")
        with _writing(call.site) as session:
            if action == "unsubscribe":
                reading.unsubscribe(session, call.user_id, source_id_or_none)
                continue
            changes: dict[str, Any] = {}
            if title:
                changes["title"] = title
            if add is not None:
                changes["folder"] = add
            elif remove is not None and _current_folder(session, call.user_id, source_id_or_none) == remove:
                changes["folder"] = None
            if changes:
                reading.edit_subscription(session, call.user_id, source_id_or_none, **changes)
    return _text("OK")


def _current_folder(session: Any, user_id: int, source_id: int) -> str | None:
    for sub in reading.subscriptions(session, user_id):
        if sub.source_id == source_id:
            return sub.folder
    raise UsageError(f"subscriptions: source {source_id} is not followed")


def quickadd(call: Call) -> Response:
    """``subscription/quickadd?quickadd=<url>``: follow a URL (a feed or a page with feeds)."""
    url = call.params.get("quickadd").strip()
    url = url[5:] if url.startswith("feed/") else url
    try:
        source_id = _follow(call, url)
        _subscribe(call, source_id, None, None)
    except UsageError as exc:
        return _json({"query": url, "numResults": 0, "error": plain_message(exc)})
    with call.site.session() as session:
        name = next((s.title for s in reading.subscriptions(session, call.user_id) if s.source_id == source_id), "")
    return _json({"query": url, "numResults": 1, "streamId": f"feed/{source_id}", "streamName": name})


def rename_tag(call: Call) -> Response:
    old = _folder_of(call, call.params.get("s") or LABEL + call.params.get("t"))
    new = _folder_of(call, call.params.get("dest"))
    with _writing(call.site) as session:
        if old not in reading.folders(session, call.user_id):
            raise Refusal(400, "Bad Request! no such folder")
        reading.rename_folder(session, call.user_id, old or "", new or "")
    return _text("OK")


def disable_tag(call: Call) -> Response:
    names = [_folder_of(call, s) for s in call.params.all("s") if s]
    names += [t for t in call.params.all("t") if t]
    if not names:
        raise Refusal(400, "Bad Request! s=user/-/label/… is required")
    with _writing(call.site) as session:
        existing = set(reading.folders(session, call.user_id))
        if not any(name in existing for name in names):
            raise Refusal(400, "Bad Request! no such folder")
        for name in names:
            if name in existing:
                reading.delete_folder(session, call.user_id, name or "")
    return _text("OK")


@dataclass(frozen=True)
class Endpoint:
    handler: Callable[[Call], Response]
    write: bool = False  # POST only, and the edit token is checked
    listing: bool = False  # output= other than json is 501 (FreshRSS); streams always answer json


ENDPOINTS: dict[str, Endpoint] = {
    "token": Endpoint(token),
    "user-info": Endpoint(user_info),
    "subscription/list": Endpoint(subscription_list, listing=True),
    "subscription/edit": Endpoint(subscription_edit, write=True),
    "subscription/quickadd": Endpoint(quickadd, write=True),
    "tag/list": Endpoint(tag_list, listing=True),
    "unread-count": Endpoint(unread_count, listing=True),
    "stream/items/ids": Endpoint(stream_item_ids),
    "stream/items/contents": Endpoint(stream_items_contents),
    "stream/contents": Endpoint(stream_contents),
    "edit-tag": Endpoint(edit_tag, write=True),
    "mark-all-as-read": Endpoint(mark_all_as_read, write=True),
    "rename-tag": Endpoint(rename_tag, write=True),
    "disable-tag": Endpoint(disable_tag, write=True),
}


def endpoint_of(path: str) -> tuple[str, Endpoint] | None:
    path = path.rstrip("/")
    if path in ENDPOINTS:
        return path, ENDPOINTS[path]
    if path.startswith("stream/contents/"):
        return path, ENDPOINTS["stream/contents"]
    return None


# --- sign-in ------------------------------------------------------------------------------------


def _client_login(site: Site, ip: str, username: str, password: str) -> str | None:
    """Count the attempt (the site's login throttle), check the account or app password, and
    issue a token; None when they do not match. Raises Retry when throttled."""
    account_key, _ = count_attempt(site, ip, username, stage="greader")
    wait = site.settings.web_write_lock_wait
    with site.session() as session:  # the slow hash check holds no lock
        user = users.authenticate_app(session, username, password)
    if user is None:
        return None
    with session_scope(site.engine, lock_wait=wait) as session:
        users.clear_attempts(session, account_key)
        return users.issue_api_token(session, user.id, now=site.clock())


async def client_login(request: Request, site: Site) -> Response:
    """``accounts/ClientLogin`` (GET or POST ``Email``, ``Passwd``): ``SID=…\\nLSID=…\\nAuth=…\\n``
    in plain text, or JSON with ``output=json`` (Miniflux); 401 ``Unauthorized!`` otherwise."""
    params = await _params(request, site)
    username, password = params.get("Email")[:200], params.get("Passwd")
    if not username or not password:
        return _refused(unauthorized())
    ip = request.client.host if request.client else "unknown"
    try:
        auth = await run_in_threadpool(_client_login, site, ip, username, password)
    except StoreBusy as exc:
        return _busy(exc)
    except Retry as exc:
        response = _text("Too many login attempts\n", 429)
        response.headers["Retry-After"] = str(int(exc.retry_after or 600))
        return response
    if auth is None:
        return _refused(unauthorized())
    if params.get("output") == "json":
        return _json({"SID": auth, "LSID": auth, "Auth": auth})
    return _text(f"SID={auth}\nLSID={auth}\nAuth={auth}\n")


def _busy(exc: StoreBusy) -> Response:
    response = _text("Service Unavailable! busy saving other changes; try again\n", 503)
    response.headers["Retry-After"] = str(max(1, int(exc.retry_after or 1)))
    return response


# --- dispatch -----------------------------------------------------------------------------------


def _user_of(site: Site, auth: str) -> int | None:
    """The token's user. Its hourly "last used" note is committed when there is one, outside the
    write lock's queue: losing that note to a busy database costs nothing."""
    with site.session() as session:
        user_id = users.api_token_user(session, auth, now=site.clock())
        if user_id is not None and session.dirty:
            try:
                session.commit()
            except SQLAlchemyError:
                session.rollback()
        return user_id


@contextmanager
def _writing(site: Site) -> Iterator[Session]:
    """A write transaction for one user's state. Not ``Site.writing``: that drops every cached
    public page, and no public page shows a reader's marks or subscriptions."""
    with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
        yield session


def _check_edit_token(call: Call) -> None:
    """``T`` as apps send it: the real one, ``x`` (Reeder) or empty/absent (FeedMe); the auth
    header was checked already, so these two add nothing an attacker could lack."""
    given = call.params.get("T").strip()
    if given in ("", "x"):
        return
    if not hmac.compare_digest(given.encode(), edit_token(call.site.tokens.secret, call.token).encode()):
        raise unauthorized()


async def handle(request: Request) -> Response:
    site = site_of(request)
    kind, rest = request.path_params["greader"]
    try:
        if kind == "login":
            return await client_login(request, site)
        if kind == "base":
            if rest.strip("/") == "":
                return _text("OK")  # FreshRSS answers its bare address so; apps probe it
            if rest.strip("/") == "check/compatibility":
                # FreshRSS's set-up check: does the Authorization header reach the server?
                return _text("PASS" if _auth_token(request) else "FAIL get HTTP Authorization header!")
            raise Refusal(400, "Bad Request!")
        auth = _auth_token(request)
        user_id = await run_in_threadpool(_user_of, site, auth) if auth else None
        if user_id is None or auth is None:
            raise unauthorized()
        found = endpoint_of(rest)
        if found is None:
            raise Refusal(400, "Bad Request!")  # FreshRSS's answer to an endpoint it lacks
        name, endpoint = found
        if endpoint.write and request.method != "POST":
            response = _text("Method Not Allowed!\n", 405)
            response.headers["Allow"] = "POST"
            return response
        params = await _params(request, site)
        if endpoint.listing and params.get("output", "json") not in ("json", ""):
            raise Refusal(501, "Not Implemented! only output=json")
        call = Call(site, request, params, user_id, auth, name)
        if endpoint.write:
            _check_edit_token(call)
        return await run_in_threadpool(endpoint.handler, call)
    except Refusal as refusal:
        return _refused(refusal)
    except StoreBusy as exc:
        return _busy(exc)
    except UsageError as exc:
        return _text(f"Bad Request! {plain_message(exc)}\n", 400)


class GReaderRoute(BaseRoute):
    """Matches every path ``api_path`` recognizes (folded slashes, repeated prefixes), which a
    Starlette path pattern cannot express."""

    methods = {"GET", "HEAD", "POST"}

    def __init__(self) -> None:
        self.name = "greader"
        self.app = request_response(handle)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            found = api_path(scope["path"])
            if found is not None:
                params = dict(scope.get("path_params", {}))
                params["greader"] = found
                return Match.FULL, {"endpoint": handle, "path_params": params}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


ROUTES = [GReaderRoute()]

__all__ = ["ROUTES", "api_path", "edit_token", "long_id", "parse_item_id", "parse_stream"]
