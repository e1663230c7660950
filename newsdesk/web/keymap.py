"""The reader's keyboard keys: one table of actions with their default key and label, and the
check of a reader's remap (one printable character each, no key for two actions). Pure (no web or
store imports) so the templates' globals (``web/site.py``) and ``web/keys.py`` share it."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Final

from newsdesk.errors import UsageError

# action -> (default key, what it does); the order is the help's order
ACTIONS: Final[dict[str, tuple[str, str]]] = {
    "next": ("j", "Next item"),
    "prev": ("k", "Previous item"),
    "open": ("o", "Open the selected item"),
    "read": ("m", "Mark read / unread"),
    "star": ("s", "Star / unstar"),
    "search": ("/", "Search"),
    "help": ("?", "Show these keys"),
}
DEFAULT_KEYS: Final[dict[str, str]] = {action: key for action, (key, _) in ACTIONS.items()}


def effective(changed: Mapping[str, str] | None) -> dict[str, str]:
    """The reader's keys: the defaults with their changes (unknown actions and bad stored values ignored)."""
    keys = dict(DEFAULT_KEYS)
    for action, key in (changed or {}).items():
        if action in keys and isinstance(key, str) and _printable(key):
            keys[action] = key
    return keys


def keymap_meta(changed: Mapping[str, str] | None) -> str:
    """The JSON for ``<meta name="newsdesk-keymap" content=...>`` (escaped by the template)."""
    return json.dumps(effective(changed), ensure_ascii=False, sort_keys=True)


def _printable(key: str) -> bool:
    """One character that types something visible: a letter, digit, punctuation or symbol
    (not a space, control, combining mark or private-use character)."""
    return len(key) == 1 and unicodedata.category(key)[0] in "LNPS"


def validate_keymap(wanted: Mapping[str, str]) -> dict[str, str]:
    """The keys to store (only those that differ from the defaults) for a submitted map of
    action -> key; UsageError naming every problem otherwise. A missing action keeps its default."""
    keys = dict(DEFAULT_KEYS)
    problems = []
    for action, value in wanted.items():
        if action not in ACTIONS:
            problems.append(f"there is no action {action!r}")
            continue
        key = value.strip() if value.strip() else value
        if not _printable(key):
            label = ACTIONS[action][1]
            problems.append(f"{label}: use one printable character (a letter, digit or sign), not {value!r}")
            continue
        keys[action] = key
    by_key: dict[str, list[str]] = {}
    for action, key in keys.items():
        by_key.setdefault(key, []).append(action)
    for key, actions in by_key.items():
        if len(actions) > 1:
            names = " and ".join(ACTIONS[a][1] for a in actions)
            problems.append(f"the key {key!r} is given to both {names}")
    if problems:
        raise UsageError("keys: " + "; ".join(problems))
    return {action: key for action, key in keys.items() if key != DEFAULT_KEYS[action]}


__all__ = ["ACTIONS", "DEFAULT_KEYS", "effective", "keymap_meta", "validate_keymap"]
