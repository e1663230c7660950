"""The WebSub callback, ``/websub/{feed_id}/{token}``: hubs verify our intent here (GET) and
deliver content here (POST). See ``pipeline/websub.py`` for the flow.

Answers follow the W3C Recommendation: a verification is echoed (200, the challenge as the body)
only for a topic we asked for, else 404 (§5.3); a delivery is answered 202 at once and stored in a
background thread (the hub must not wait on extraction, nor the event loop on the database). A
delivery whose ``X-Hub-Signature`` is missing or wrong is acknowledged too (2xx, as §8 allows, so
signatures cannot be probed) but ignored: nothing of it is stored. A body over ``websub_max_bytes``
is refused with 413 before it is read to the end.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from newsdesk.pipeline import crawl, websub
from newsdesk.store import websub as store
from newsdesk.store.db import StoreBusy, session_scope
from newsdesk.web.site import Site, site_of

log = logging.getLogger(__name__)

MAX_CHALLENGE_CHARS = 1000  # why: hubs send a few dozen characters; echoing more is a reflection risk
# Leases granted beyond this are held at it (why: a hub's absurd lease must not stop renewals for years).
MAX_LEASE_SECONDS = 366 * 86_400
TEXT = "text/plain; charset=utf-8"


def _ids(request: Request) -> tuple[int, str] | None:
    raw = str(request.path_params["feed_id"])
    token = str(request.path_params["token"])
    if not raw.isdigit() or len(raw) > 10 or len(token) > 64:
        return None
    return int(raw), token


def _lease(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return min(int(value.strip()), MAX_LEASE_SECONDS)


def _verify(site: Site, feed_id: int, token: str, params: dict[str, str]) -> str | None:
    """Decide and record one verification (or denial) in a write transaction; the echo or None."""
    mode = params.get("hub.mode", "")
    now = site.clock()
    with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
        sub = store.for_callback(session, feed_id, token)
        if mode == "denied" and sub is not None and params.get("hub.topic") == sub.topic_url:
            sub.state = "denied"
            sub.last_error = "websub: the hub denied the subscription: " + params.get("hub.reason", "")[:300]
            return ""
        answer = websub.verification_answer(
            sub, mode=mode, topic=params.get("hub.topic", ""), challenge=params.get("hub.challenge", ""),
            topic_url=sub.topic_url if sub else None,
        )
        if answer is None or sub is None:
            return None
        lease = _lease(params.get("hub.lease_seconds"))
        sub.state, sub.verified_at, sub.last_error = "active", now, None
        sub.lease_seconds = lease
        sub.expires_at = now + timedelta(seconds=lease) if lease else None
        return answer


async def verify(request: Request) -> Response:
    ids = _ids(request)
    params = dict(request.query_params)
    if ids is None or len(params.get("hub.challenge", "")) > MAX_CHALLENGE_CHARS:
        return PlainTextResponse("no such subscription\n", status_code=404)
    try:
        answer = await run_in_threadpool(_verify, site_of(request), ids[0], ids[1], params)
    except StoreBusy:
        return _busy()
    if answer is None:
        return PlainTextResponse("no such subscription\n", status_code=404)
    return Response(answer, media_type=TEXT, headers={"Cache-Control": "no-store"})


def _busy() -> Response:
    """The database's write lock is held elsewhere: 503, which hubs retry (spec §7: non-2xx is retried)."""
    return PlainTextResponse("busy, try again\n", status_code=503, headers={"Retry-After": "5"})


async def _read_capped(request: Request, cap: int) -> bytes | None:
    """The body, or None once it passes ``cap`` bytes (read no further)."""
    length = request.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > cap:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _accept(site: Site, feed_id: int, token: str, body: bytes, signature: str | None) -> str:
    """``stored`` (to be processed), ``unknown`` (no such active subscription), ``bad_signature``,
    or ``not_followed`` (the feed is paused or gone: acknowledged, not stored)."""
    with session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait) as session:
        sub = store.for_callback(session, feed_id, token)
        if sub is None or sub.state != "active":
            return "unknown"
        if not websub.signature_valid(sub.secret, signature, body):
            sub.last_error = "websub: a push with a missing or wrong X-Hub-Signature was ignored"
            return "bad_signature"
        if not store.feed_is_live(session, feed_id):
            return "not_followed"
        sub.pushes += 1
        sub.last_push_at = site.clock()
        return "stored"


def _store_push(site: Site, feed_id: int, body: bytes, content_type: str | None) -> None:
    try:
        report = crawl.receive_push(site.settings, feed_id, body, content_type, clock=site.clock)
    except Exception:  # a background task has no one to answer: log it, the poll catches up
        log.exception("websub: storing a push for feed %s failed", feed_id)
        return
    if report.articles_stored:
        site.cache.clear()


async def deliver(request: Request) -> Response:
    ids = _ids(request)
    if ids is None:
        return PlainTextResponse("no such subscription\n", status_code=404)
    site = site_of(request)
    body = await _read_capped(request, site.settings.websub_max_bytes)
    if body is None:
        return PlainTextResponse(f"websub: body over {site.settings.websub_max_bytes} bytes\n", status_code=413)
    try:
        outcome = await run_in_threadpool(_accept, site, ids[0], ids[1], body, request.headers.get("x-hub-signature"))
    except StoreBusy:
        return _busy()
    if outcome == "unknown":
        return PlainTextResponse("no such subscription\n", status_code=404)
    if outcome == "bad_signature":
        log.warning("websub: ignored a push for feed %s: missing or wrong signature", ids[0])
        return PlainTextResponse("ignored\n", status_code=202)
    if outcome == "not_followed":
        return PlainTextResponse("ignored: the feed is not followed now\n", status_code=202)
    task = BackgroundTask(_store_push, site, ids[0], body, request.headers.get("content-type"))
    return PlainTextResponse("accepted\n", status_code=202, background=task)


ROUTES = [
    Route("/websub/{feed_id}/{token}", verify, methods=["GET"], name="websub-verify"),
    Route("/websub/{feed_id}/{token}", deliver, methods=["POST"], name="websub-deliver"),
]

__all__ = ["ROUTES"]
