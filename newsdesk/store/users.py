"""Site administrators: create, authenticate. Passwords are kept only as argon2id hashes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.errors import UsageError
from newsdesk.store.schema import User, utcnow

MIN_PASSWORD_CHARS = 8  # why: the floor NIST SP 800-63B sets for user-chosen secrets
MAX_PASSWORD_CHARS = 1024  # why: argon2 hashes any length; a cap stops megabyte "passwords"

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("newsdesk-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, *, replace: bool = False) -> User:
    """Create an admin (or set a new password with ``replace``); UsageError on bad input."""
    username = username.strip()
    if not username or len(username) > 100:
        raise UsageError("admin: the username must be 1–100 characters")
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise UsageError(f"admin: the password must be {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters")
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is not None and not replace:
        raise UsageError(f"admin: user {username!r} exists (use --replace to set a new password)")
    if user is None:
        user = User(username=username, password_hash=hash_password(password))
        session.add(user)
    else:
        user.password_hash = hash_password(password)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user when the password matches, else None (same work done for unknown users)."""
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    user = session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


__all__ = ["authenticate", "create_user", "get_user", "hash_password"]
