"""Site administrators: create, authenticate, delete; their sessions; the login throttle.

Passwords are kept only as argon2id hashes. A session is a row (keyed by a hash of the cookie's
random token), so logging out, a new password or deleting the user ends it on the server.

The login throttle counts attempts in the database (one count for every web worker), per client
address and username, and counts an attempt *before* checking it: a burst of concurrent tries
cannot slip past a count that only failures raise. The rule, chosen so the right password is not
locked out for long: at most ``LOGIN_LIMIT`` checked attempts per (address, username) and
``ADDRESS_LIMIT`` per address in ``LOGIN_WINDOW``; a refused attempt is not kept, so the lock lifts
when the window has passed since the attempts that were checked, however long an attacker keeps
knocking; a successful login clears its (address, username) count. Old rows are pruned by age
only, so flooding from other addresses cannot wipe anyone's count.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from newsdesk.errors import UsageError
from newsdesk.store.schema import AdminSession, ApiToken, LoginAttempt, User, utcnow

SESSION_LIFETIME = timedelta(hours=12)  # why: an admin working day; then log in again
LOGIN_LIMIT = 10  # why: 10 tries per address and username in LOGIN_WINDOW: typos pass, guessing does not
ADDRESS_LIMIT = 30  # why: one address trying many usernames (a spray) gets three users' worth
LOGIN_WINDOW = timedelta(minutes=10)

MIN_PASSWORD_CHARS = 8  # why: the floor NIST SP 800-63B sets for user-chosen secrets
MAX_PASSWORD_CHARS = 1024  # why: argon2 hashes any length; a cap stops megabyte "passwords"

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("newsdesk-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


ROLES = ("admin", "reader")


def create_user(session: Session, username: str, password: str, *, replace: bool = False,
                role: str = "admin") -> User:
    """Create a user (an admin unless ``role="reader"``; the default keeps the admin-only callers
    that predate roles), or set a new password with ``replace`` (the role is then left as it is);
    UsageError on bad input."""
    if role not in ROLES:
        raise UsageError(f"users: the role must be one of {', '.join(ROLES)}, not {role!r}")
    username = username.strip()
    if not username or len(username) > 100:
        raise UsageError("admin: the username must be 1–100 characters")
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise UsageError(f"admin: the password must be {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters")
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is not None and not replace:
        raise UsageError(f"admin: user {username!r} exists (use --replace to set a new password)")
    if user is None:
        user = User(username=username, password_hash=hash_password(password), role=role)
        session.add(user)
    else:
        user.password_hash = hash_password(password)
        end_sessions(session, user.id)  # a new password logs the user out everywhere
    session.flush()
    return user


def delete_user(session: Session, username: str) -> None:
    """Remove an admin and every session they had; UsageError when there is no such user."""
    user = session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
    if user is None:
        raise UsageError(f"admin: no user {username.strip()!r}")
    end_sessions(session, user.id)
    session.delete(user)
    session.flush()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user when the password matches, else None (same work done for unknown users).

    Only reads: the slow hash check must not run inside a write transaction, where it would hold
    SQLite's write lock for every login in turn (``note_login`` records a success afterwards).
    """
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    user = session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def note_login(session: Session, user_id: int, password: str, *, now: datetime | None = None) -> None:
    """Record a successful login: its time, and a fresh hash when the hashing parameters changed."""
    user = session.get(User, user_id)
    if user is None:
        return
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now or utcnow()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


# --- sessions -----------------------------------------------------------------------------------


def _session_id(token: str) -> str:
    """The row's key: a hash, so the table alone does not let anyone in."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user_id: int, *, now: datetime | None = None,
                  lifetime: timedelta | None = None) -> str:
    """A new session for ``user_id`` lasting ``lifetime`` (default ``SESSION_LIFETIME``); returns
    the token the cookie carries."""
    now = now or utcnow()
    session.execute(delete(AdminSession).where(AdminSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(AdminSession(id=_session_id(token), user_id=user_id, created_at=now,
                             expires_at=now + (lifetime or SESSION_LIFETIME)))
    session.flush()
    return token


def session_user(session: Session, token: str, *, now: datetime | None = None) -> int | None:
    """The user id of a live session (unexpired, its user still there), else None."""
    now = now or utcnow()
    return session.execute(
        select(User.id).join(AdminSession, AdminSession.user_id == User.id)
        .where(AdminSession.id == _session_id(token), AdminSession.expires_at > now)
    ).scalar_one_or_none()


def end_session(session: Session, token: str) -> None:
    session.execute(delete(AdminSession).where(AdminSession.id == _session_id(token)))


def end_sessions(session: Session, user_id: int) -> None:
    """End every browser session of the user and every app token (password change, deletion)."""
    session.execute(delete(AdminSession).where(AdminSession.user_id == user_id))
    end_api_tokens(session, user_id)


def find_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


# --- app access: Google Reader API tokens, the Fever key ---------------------------------------

API_TOKEN_TOUCH = timedelta(hours=1)  # why: last_used_at is news at this grain; not a write per API call


def issue_api_token(session: Session, user_id: int, *, kind: str = "greader", now: datetime | None = None) -> str:
    """A new app token (the GReader ClientLogin ``Auth``): 64 hex characters, which every client
    passes through unchanged; only its hash is kept. It lasts until the user logs out, changes
    the password or is deleted (apps keep ``Auth`` forever and cannot log in again unattended)."""
    token = secrets.token_hex(32)
    session.add(ApiToken(id=_session_id(token), user_id=user_id, kind=kind, created_at=now or utcnow()))
    session.flush()
    return token


def api_token_user(session: Session, token: str, *, now: datetime | None = None) -> int | None:
    """The user id an app token belongs to, else None; notes its use at most once an hour."""
    if not token or len(token) > 200:
        return None
    row = session.get(ApiToken, _session_id(token))
    if row is None:
        return None
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= API_TOKEN_TOUCH:
        row.last_used_at = now
    return row.user_id


def end_api_tokens(session: Session, user_id: int) -> None:
    session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))


def fever_key(username: str, password: str) -> str:
    """The Fever protocol's api_key: md5 of "username:password" (its own scheme, hence an app password)."""
    return hashlib.md5(f"{username}:{password}".encode(), usedforsecurity=False).hexdigest()


def set_app_password(session: Session, user_id: int, password: str) -> None:
    """Set the user's app password: the password apps sign in with (Fever; also accepted by the
    Google Reader ClientLogin), stored only as the Fever key. A new one replaces the old."""
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise UsageError(f"users: the app password must be {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters")
    user = session.get(User, user_id)
    if user is None:
        raise UsageError(f"users: no user {user_id}")
    key = fever_key(user.username, password)
    clash = session.execute(select(User.id).where(User.fever_key == key, User.id != user_id)).scalar_one_or_none()
    if clash is not None:
        raise UsageError("users: choose another app password")
    user.fever_key = key
    session.flush()


def clear_app_password(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.fever_key = None


def fever_user(session: Session, api_key: str) -> int | None:
    """The user whose Fever key this is, else None."""
    key = (api_key or "").strip().lower()
    if len(key) != 32:
        return None
    return session.execute(select(User.id).where(User.fever_key == key)).scalar_one_or_none()


def authenticate_app(session: Session, username: str, password: str) -> User | None:
    """An app's sign-in (GReader ClientLogin): the account password or the app password."""
    user = authenticate(session, username, password)
    if user is not None:
        return user
    candidate = find_user(session, username)
    if candidate is None or candidate.fever_key is None or len(password) > MAX_PASSWORD_CHARS:
        return None
    if hmac.compare_digest(candidate.fever_key, fever_key(candidate.username, password)):
        return candidate
    return None


# --- login throttle -----------------------------------------------------------------------------


def attempt_keys(address: str, username: str, secret: str) -> tuple[str, str]:
    """Keyed hashes of the address and of (address, username): countable, not readable."""
    def keyed(value: str) -> str:
        return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()

    return keyed("login\0" + address), keyed("login\0" + address + "\0" + username.strip().lower())


def record_attempt(session: Session, address_key: str, account_key: str, *, now: datetime | None = None) -> int:
    """Count one attempt (committed before anything is checked) and prune expired ones; its row id."""
    now = now or utcnow()
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at <= now - LOGIN_WINDOW))
    attempt = LoginAttempt(address_key=address_key, account_key=account_key, created_at=now)
    session.add(attempt)
    session.flush()
    return attempt.id


def attempt_allowed(session: Session, address_key: str, account_key: str, *, now: datetime | None = None) -> bool:
    """Whether a recorded attempt may be checked: read after it was committed, so of concurrent
    attempts the k-th to commit sees at least k rows and no more than the limits get through."""
    since = (now or utcnow()) - LOGIN_WINDOW
    recent = LoginAttempt.created_at > since
    account = session.execute(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.account_key == account_key, recent)).scalar_one()
    address = session.execute(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.address_key == address_key, recent)).scalar_one()
    return account <= LOGIN_LIMIT and address <= ADDRESS_LIMIT


def forget_attempt(session: Session, attempt_id: int) -> None:
    """Drop a refused attempt: it was never checked, so it must not extend the lock."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))


def clear_attempts(session: Session, account_key: str) -> None:
    """After a successful login: that address's count for that user starts again."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == account_key))


__all__ = [
    "API_TOKEN_TOUCH", "ROLES", "api_token_user", "authenticate_app", "clear_app_password", "end_api_tokens",
    "fever_key", "fever_user", "find_user", "issue_api_token", "list_users", "set_app_password",
    "ADDRESS_LIMIT", "LOGIN_LIMIT", "LOGIN_WINDOW", "SESSION_LIFETIME", "attempt_allowed", "attempt_keys",
    "authenticate", "clear_attempts", "create_user", "delete_user", "end_session", "end_sessions",
    "forget_attempt", "get_user", "hash_password", "note_login", "record_attempt", "session_user", "start_session",
]
