"""Author names, cleaned: bylines carry "By", dates, roles, outlets and e-mail addresses glued on.

``clean_authors("By Jane Doe and John Roe, Staff Writers | March 3, 2024")`` gives
``("Jane Doe", "John Roe")``. A candidate that does not look like a name (a URL, a sentence, only
digits) is dropped rather than stored wrong.
"""

from __future__ import annotations

import re

MAX_AUTHORS = 10  # why: bylines with more names than this are lists of contributors or junk
MAX_NAME_WORDS = 6  # why: longer "names" are sentences picked up from a byline box
MAX_NAME_CHARS = 60

_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|text|story|words|photos?|video)\s+by|by|von|par|por|di|door|"
    r"av|af|przez|автор(?:ы)?|текст|author(?:s)?|autor(?:in|en)?|redakteur(?:in)?|reporter|"
    r"story by|from)\s*[:\-–—]?\s+",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:[,;|/•·]|\s(?:and|und|et|y|e|и|és|en|i|og|och)\s|&|\+)\s*", re.IGNORECASE)
_ROLE = re.compile(
    r"\b(?:staff(?:\s+(?:writer|reporter|report))?|senior|editor(?:-at-large)?|editors|correspondent|"
    r"reporter|contributor|columnist|writer|journalist|columnista|redaktion|redakteur|korrespondent(?:in)?|"
    r"redaction|rédaction|redacción|редакция|корреспондент|photographer|associated press|"
    r"updated|published|posted|aktualisiert|veröffentlicht|обновлено|опубликовано)\b.*$",
    re.IGNORECASE,
)
_DATEISH = re.compile(r"\b\d{1,4}[./:\-]\d{1,2}(?:[./:\-]\d{1,4})?\b.*$|\b(?:19|20)\d{2}\b.*$")
_JUNK = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|@\w+|\(.*?\)|\[.*?\]")
_DIGIT = re.compile(r"\d")  # names have no digits; "March 3" left by a split date does
_LETTER = re.compile(r"[^\W\d_]")


def _clean_one(name: str) -> str | None:
    name = _JUNK.sub(" ", name)
    name = _DATEISH.sub("", name)
    name = _ROLE.sub("", name)
    name = _PREFIX.sub("", name)
    name = " ".join(name.split()).strip(" -–—:,.|·•'\"")
    if not name or not _LETTER.search(name) or _DIGIT.search(name):
        return None
    if len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        return None
    if name.casefold() in {"admin", "administrator", "staff", "unknown", "anonymous", "guest", "none"}:
        return None
    return name


def clean_authors(*candidates: str) -> tuple[str, ...]:
    """Split and clean one or more byline strings into a tuple of distinct names."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in candidates:
        if not raw:
            continue
        raw = " ".join(_JUNK.sub(" ", raw).split())
        raw = _DATEISH.sub("", raw)
        raw = _PREFIX.sub("", raw)
        for part in _SPLIT.split(raw):
            name = _clean_one(part)
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
                if len(names) >= MAX_AUTHORS:
                    return tuple(names)
    return tuple(names)
