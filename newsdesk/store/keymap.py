"""A reader's key bindings (``users.keymap``): only the keys they changed are stored, so a new
default (a key added later) reaches everyone who did not choose otherwise."""

from __future__ import annotations

from sqlalchemy.orm import Session

from newsdesk.errors import UsageError
from newsdesk.store.schema import User


def keymap(session: Session, user_id: int) -> dict[str, str]:
    """The user's changed keys ({"next": "n", ...}); {} for none (or no such user)."""
    user = session.get(User, user_id)
    return dict(user.keymap or {}) if user is not None else {}


def set_keymap(session: Session, user_id: int, changed: dict[str, str]) -> None:
    """Store the user's changed keys (already validated: ``web/keys.py``); {} goes back to the defaults."""
    user = session.get(User, user_id)
    if user is None:
        raise UsageError("keys: no such user")
    user.keymap = dict(changed)  # a new object: the JSON column notices the change
    session.flush()


__all__ = ["keymap", "set_keymap"]
