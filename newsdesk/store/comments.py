"""Readers' comments: validation, the per-IP rate limit, the moderation queue.

Comments are stored as the plain text the reader typed (never HTML); the site escapes them on
output and turns bare links into ``rel="nofollow ugc"`` anchors. The rate limit counts rows in the
database, so it holds across every web worker process. IPs are kept only as a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from newsdesk.errors import Reject, Retry
from newsdesk.store.schema import Article, Comment, utcnow

MAX_BODY_CHARS = 4000  # why: a long reply fits; a pasted article does not
MIN_BODY_CHARS = 2
MAX_NAME_CHARS = 80
RATE_WINDOW = timedelta(minutes=10)  # the window settings.comments_rate_limit counts in
STATUSES = ("pending", "published", "rejected")


def ip_key(ip: str, secret: str) -> str:
    """A keyed hash of the client address: enough to rate-limit, useless to anyone reading the DB."""
    return hmac.new(secret.encode(), ip.encode(), hashlib.sha256).hexdigest()


def clean_text(value: str) -> str:
    """Normalise line ends, drop control characters (keeping newlines and tabs) and outer blanks."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
    ).strip()


def post_comment(
    session: Session,
    *,
    article_id: int,
    body: str,
    author_name: str | None,
    ip_hash: str,
    moderation: str = "hold",
    rate_limit: int = 5,
    now: datetime | None = None,
) -> Comment:
    """Store a comment (pending under "hold", published under "publish") or raise Reject/Retry."""
    now = now or utcnow()
    body = clean_text(body)
    name = " ".join(clean_text(author_name or "").split()) or None
    if len(body) < MIN_BODY_CHARS:
        raise Reject("the comment is empty", stage="comments", reason="empty")
    if len(body) > MAX_BODY_CHARS:
        raise Reject(f"the comment is longer than {MAX_BODY_CHARS} characters", stage="comments",
                     reason="too_long")
    if name is not None and len(name) > MAX_NAME_CHARS:
        raise Reject(f"the name is longer than {MAX_NAME_CHARS} characters", stage="comments",
                     reason="name_too_long")
    if session.get(Article, article_id) is None:
        raise Reject("no such article", stage="comments", reason="no_article")
    recent = session.execute(
        select(func.count()).select_from(Comment).where(
            Comment.ip_hash == ip_hash, Comment.created_at > now - RATE_WINDOW
        )
    ).scalar_one()
    if recent >= rate_limit:
        raise Retry("too many comments from this address; try again later", stage="comments",
                    reason="rate_limited", retry_after=RATE_WINDOW.total_seconds())
    comment = Comment(
        article_id=article_id,
        author_name=name,
        body=body,
        status="published" if moderation == "publish" else "pending",
        ip_hash=ip_hash,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    return comment


def moderate(session: Session, comment_id: int, action: str) -> bool:
    """approve, reject or delete a comment; False when it does not exist."""
    if action == "delete":
        deleted = session.execute(delete(Comment).where(Comment.id == comment_id))
        return bool(getattr(deleted, "rowcount", 0))
    status = {"approve": "published", "reject": "rejected"}.get(action)
    if status is None:
        raise ValueError(f"comments: unknown moderation action {action!r}")
    result = session.execute(
        update(Comment).where(Comment.id == comment_id).values(status=status, moderated_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


def pending_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Comment).where(Comment.status == "pending"))
               .scalar_one())


__all__ = ["MAX_BODY_CHARS", "MAX_NAME_CHARS", "clean_text", "ip_key", "moderate", "pending_count",
           "post_comment"]
