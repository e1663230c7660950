"""Teasers: the opening of the text, cut at a word boundary, marked with "…" when cut."""

from __future__ import annotations

# Why 160: a teaser fills two lines of a list view and matches what search engines show; callers
# wanting the 150–200 character range pass their own limit.
DEFAULT_LIMIT = 160
_TRAILING = " \t\n,;:-–—([{«\"'"


def make_teaser(text: str, limit: int = DEFAULT_LIMIT) -> str:
    """Collapse whitespace and cut ``text`` to at most ``limit`` characters at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]  # leave room for the ellipsis
    if not text[limit - 1].isspace() and " " in head:
        head = head.rsplit(" ", 1)[0]  # do not cut a word in half
    head = head.rstrip(_TRAILING).rstrip(".…")
    return head + "…"
