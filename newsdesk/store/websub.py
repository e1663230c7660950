"""WebSub subscriptions in the database: what a feed's fetch discovered, what the hub verified.

The decisions (when to subscribe or renew, whether a verification is ours, whether a push is
signed) are pure functions in ``pipeline/websub.py``; this module only reads and writes rows.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.models import FeedStatus
from newsdesk.store.schema import Feed, WebSubSubscription

# Feeds whose subscriptions are kept up and whose pushes are stored: a paused or gone feed's lease
# is left to run out, and what its hub still pushes is ignored (as a poll would not fetch it).
LIVE_FEED_STATUSES = (FeedStatus.ACTIVE.value, FeedStatus.FAILING.value)

# Bytes of randomness in a callback token and an HMAC secret (why: 32 bytes is 256 bits, beyond
# guessing; the secret's hex form, 64 characters, stays under the spec's 200-byte limit).
TOKEN_BYTES = 24
SECRET_BYTES = 32


def record_discovery(session: Session, feed_id: int, hub_url: str, topic_url: str) -> WebSubSubscription:
    """Keep the hub and topic a fetch advertised. A new hub or topic starts a new subscription, with
    a new callback token and secret (why: a hub we left must not reach the new callback)."""
    sub = session.scalar(select(WebSubSubscription).where(WebSubSubscription.feed_id == feed_id))
    if sub is not None and sub.hub_url == hub_url and sub.topic_url == topic_url:
        return sub
    if sub is None:
        sub = WebSubSubscription(feed_id=feed_id, pushes=0)
        session.add(sub)
    sub.hub_url, sub.topic_url = hub_url, topic_url
    sub.token = secrets.token_urlsafe(TOKEN_BYTES)
    sub.secret = secrets.token_hex(SECRET_BYTES)
    sub.state = "discovered"
    sub.lease_seconds = sub.requested_at = sub.verified_at = sub.expires_at = None
    sub.last_error = None
    session.flush()
    return sub


def all_subscriptions(session: Session) -> Sequence[WebSubSubscription]:
    return session.scalars(select(WebSubSubscription).order_by(WebSubSubscription.id)).all()


def live_subscriptions(session: Session) -> Sequence[WebSubSubscription]:
    """Subscriptions of feeds that are followed now (not paused, not gone)."""
    return session.scalars(
        select(WebSubSubscription).join(Feed, Feed.id == WebSubSubscription.feed_id)
        .where(Feed.status.in_(LIVE_FEED_STATUSES)).order_by(WebSubSubscription.id)
    ).all()


def feed_is_live(session: Session, feed_id: int) -> bool:
    feed = session.get(Feed, feed_id)
    return feed is not None and feed.status in LIVE_FEED_STATUSES


def for_callback(session: Session, feed_id: int, token: str) -> WebSubSubscription | None:
    """The subscription a callback URL names, or None; the token is compared in constant time."""
    sub = session.scalar(select(WebSubSubscription).where(WebSubSubscription.feed_id == feed_id))
    if sub is None or not hmac.compare_digest(sub.token.encode(), token.encode()):
        return None
    return sub


def is_pushed(session: Session, feed_id: int, now: datetime) -> bool:
    """Does the feed have a verified subscription that has not expired?"""
    sub = session.scalar(select(WebSubSubscription).where(WebSubSubscription.feed_id == feed_id))
    return sub is not None and sub.state == "active" and (sub.expires_at is None or sub.expires_at > now)


__all__ = ["all_subscriptions", "feed_is_live", "for_callback", "is_pushed", "live_subscriptions",
           "record_discovery"]
