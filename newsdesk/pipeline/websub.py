"""WebSub (https://www.w3.org/TR/websub/): subscribing to the hubs feeds advertise, and pinging ours.

The W3C flow, as Newsdesk plays the subscriber: a feed's fetch names a hub and its own URL (the
topic) in ``Link`` headers or in the document (:func:`discover`); once per crawl pass
:func:`due_subscriptions` picks the feeds to subscribe or renew, and :func:`maintain` sends each hub
``hub.mode=subscribe`` with a per-subscription callback (``/websub/{feed_id}/{token}``) and secret.
The hub then verifies our intent by calling the callback with a challenge, which the site echoes
only for a topic it asked for (:func:`verification_answer`); pushes are POSTed to the same callback
and stored only when signed with the secret (:func:`signature_valid`), through the crawl's own
entry path (``Crawler.receive_push``). A pushed feed is still polled, less often (:func:`poll_after`).

As publisher, :func:`publish` tells the configured hub (``websub_hub``) that the site's feeds
changed after a pass stored new articles. A hub must reach the callback, so nothing is subscribed
unless ``site_url`` (the public address) is set; the pass notes ``websub.no_site_url`` instead.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine

from newsdesk.errors import StageError
from newsdesk.models import FetchResult, ParsedFeed
from newsdesk.pipeline.report import CrawlReport
from newsdesk.settings import Settings
from newsdesk.store import websub as store
from newsdesk.store.db import session_scope

log = logging.getLogger(__name__)

# A subscription the hub has not verified within this time is asked for again (why: hubs verify
# within seconds to minutes; an hour covers a queueing hub, and a lost request is retried).
VERIFY_WAIT = timedelta(hours=1)
# A hub that refused, or could not be reached, is asked again after this long (why: a refusal is
# rarely lifted within the day, and polling goes on meanwhile).
RETRY_WAIT = timedelta(hours=6)
# The publish ping names these feeds of the site (the front page's, in every format).
PUBLISHED_FEEDS = ("/feed.rss", "/feed.atom", "/feed.json")
SIGNATURE_METHODS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
                     "sha512": hashlib.sha512}


@dataclass(frozen=True)
class Discovery:
    hub_url: str
    topic_url: str


def discover(result: FetchResult, parsed: ParsedFeed) -> Discovery | None:
    """The hub and topic of a fetched feed. The spec's order: HTTP ``Link`` headers first, then the
    document's links; a feed that names a hub but no ``self`` is subscribed under the URL fetched."""
    header_hubs = [url for rel, url in result.links if rel == "hub"]
    header_self = next((url for rel, url in result.links if rel == "self"), None)
    if header_hubs:
        return Discovery(header_hubs[0], header_self or parsed.self_url or result.final_url)
    if parsed.hubs:
        return Discovery(parsed.hubs[0], parsed.self_url or header_self or result.final_url)
    return None


class SubscriptionState(Protocol):
    """What :func:`due_subscriptions` reads of a subscription (a row of ``websub_subscriptions``)."""

    @property
    def feed_id(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def requested_at(self) -> datetime | None: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def lease_seconds(self) -> int | None: ...


def renewal_margin(lease_seconds: int, settings: Settings) -> timedelta:
    """How long before expiry a lease is renewed: two crawl intervals (so at least one pass falls
    inside the window) or a tenth of the lease, whichever is longer, but at most half the lease."""
    margin = max(2 * settings.feed_interval, lease_seconds // 10)
    return timedelta(seconds=min(margin, lease_seconds // 2))


def due_subscriptions(subs: Sequence[SubscriptionState], now: datetime, settings: Settings) -> list[int]:
    """The feeds whose hub should be sent ``hub.mode=subscribe`` now: never asked; asked but not
    verified for a while; refused or unreachable a while ago; or active with the lease near its end."""
    due: list[int] = []
    for sub in subs:
        asked = sub.requested_at
        if sub.state == "discovered":
            ready = asked is None or now - asked >= RETRY_WAIT  # requested_at here: a failed request
        elif sub.state == "pending":
            ready = asked is None or now - asked >= VERIFY_WAIT
        elif sub.state == "denied":
            ready = asked is None or now - asked >= RETRY_WAIT
        elif sub.state == "active":
            lease = sub.lease_seconds or settings.websub_lease_seconds
            ready = sub.expires_at is None or now >= sub.expires_at - renewal_margin(lease, settings)
        else:
            ready = False
        if ready:
            due.append(sub.feed_id)
    return due


def callback_url(settings: Settings, feed_id: int, token: str) -> str:
    assert settings.site_url, "callbacks need the site's public URL"
    return f"{settings.site_url.rstrip('/')}/websub/{feed_id}/{token}"


class PostForm(Protocol):
    async def post_form(self, url: str, data: dict[str, str]) -> int: ...


async def maintain(fetcher: PostForm, engine: Engine, settings: Settings, now: datetime,
                   report: CrawlReport) -> None:
    """Subscribe or renew every due subscription (once per crawl pass); failures are recorded on
    the subscription and counted, never raised: polling goes on whatever the hub does."""
    if not settings.websub_subscribe:
        return
    with session_scope(engine) as session:
        subs = store.live_subscriptions(session)
        if subs and not settings.site_url:
            report.outcomes.add("websub", "no_site_url",
                                "websub: feeds advertise a hub, but NEWSDESK_SITE_URL is not set: no hub can reach us")
            return
        due = set(due_subscriptions(subs, now, settings))
        requests = []
        for sub in subs:
            if sub.feed_id not in due:
                continue
            # pending before the request is sent (why: a hub may verify before it answers, and the
            # callback confirms only a subscription it is waiting for); an active one stays active
            if sub.state != "active":
                sub.state = "pending"
            sub.requested_at = now
            requests.append((sub.feed_id, sub.hub_url, {
                "hub.mode": "subscribe", "hub.topic": sub.topic_url,
                "hub.callback": callback_url(settings, sub.feed_id, sub.token),
                "hub.lease_seconds": str(settings.websub_lease_seconds), "hub.secret": sub.secret,
            }))
    for feed_id, hub, form in requests:
        try:
            await fetcher.post_form(hub, form)
        except StageError as exc:
            error = f"websub: {hub} refused the subscription: {exc}"
            report.outcomes.add("websub", "subscribe_failed", error)
            _request_failed(engine, feed_id, form["hub.topic"], error)
        else:
            report.outcomes.add("websub", "subscribe_requested")


def _request_failed(engine: Engine, feed_id: int, topic: str, error: str) -> None:
    """A hub that refused or could not be reached: asked again after :data:`RETRY_WAIT`."""
    with session_scope(engine) as session:
        sub = next((s for s in store.all_subscriptions(session) if s.feed_id == feed_id), None)
        if sub is None or sub.topic_url != topic:
            return  # rediscovered meanwhile: the new subscription is asked for next pass
        sub.last_error = error
        if sub.state == "pending":
            sub.state = "discovered"


def verification_answer(sub: SubscriptionState | None, *, mode: str, topic: str, challenge: str,
                        topic_url: str | None) -> str | None:
    """The body to echo for a hub's verification of intent, or None to answer 404 (spec §5.3: the
    subscriber confirms only a subscription it asked for, on the topic it asked for)."""
    if sub is None or not challenge or topic != topic_url:
        return None
    if mode == "subscribe" and sub.state in ("pending", "active"):
        return challenge
    return None


def signature_valid(secret: str, header: str | None, body: bytes) -> bool:
    """Is ``X-Hub-Signature`` (``method=hexdigest``) the HMAC of ``body`` under ``secret``?
    Compared in constant time; an unknown method or a missing header is not valid."""
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = SIGNATURE_METHODS.get(method.strip().lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def poll_after(next_check: datetime | None, now: datetime, settings: Settings) -> datetime:
    """The next poll of a pushed feed: no sooner than ``poll_max_interval`` from now (why: polling
    is only the fallback for a hub that stops delivering; the slowest schedule costs least)."""
    slow = now + timedelta(seconds=settings.poll_max_interval)
    return slow if next_check is None or next_check < slow else next_check


async def publish(fetcher: PostForm, settings: Settings, report: CrawlReport) -> None:
    """Tell the configured hub the site's feeds changed (``hub.mode=publish``, ``hub.url``), after a
    pass stored new articles. Needs ``websub_hub`` and ``site_url`` (a hub fetches the feed)."""
    if not settings.websub_hub or not settings.site_url:
        return
    base = settings.site_url.rstrip("/")
    for path in PUBLISHED_FEEDS:
        try:
            await fetcher.post_form(settings.websub_hub, {"hub.mode": "publish", "hub.url": base + path})
        except StageError as exc:
            report.outcomes.add("websub", "publish_failed", f"websub: ping of {settings.websub_hub}: {exc}")
            return
    report.outcomes.add("websub", "published")


__all__ = ["Discovery", "callback_url", "discover", "due_subscriptions", "maintain", "poll_after", "publish",
           "renewal_margin", "signature_valid", "verification_answer"]
