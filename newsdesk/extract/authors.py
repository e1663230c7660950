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
    r"^\s*(?:(?:written|posted|reported|text|story|words|photos?|video)\s+by|geschrieben von|verfasst von|"
    r"escrito por|publicado por|écrit par|publié par|by|von|par|por|di|door|"
    r"av|af|przez|автор(?:ы)?|текст|author(?:s)?|autor(?:in|en)?|redakteur(?:in)?|reporter|"
    r"story by|from|zeige alle beiträge von|alle beiträge von|show all (?:articles|posts) (?:of|by)|"
    r"view all (?:articles|posts) by|more (?:articles |posts )?by|posts by|articles by)\s*[:\-–—]?\s*",
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
_DESK = re.compile(r"redaktion|staff writer|editors?|the editors|newsroom|редакция|rédaction|redacción",
                   re.IGNORECASE)
_TRAILING_WORD = re.compile(r"\s+(?:at|am|um|on|le|el|в)\s*$", re.IGNORECASE)  # left by a cut time
_NOT_NAMES = frozenset({"admin", "administrator", "unknown", "anonymous", "guest", "none", "name", "author",
                        "alle beiträge", "all posts", "posts", "autor", "autorin", "mehr", "more", "staff"})
_DIGIT = re.compile(r"\d")  # names have no digits; "March 3" left by a split date does
_LETTER = re.compile(r"[^\W\d_]")


def _clean_one(name: str, alone: bool) -> str | None:
    """Clean one part of a byline; ``alone`` when the byline had no other part."""
    name = _JUNK.sub(" ", name)
    name = _DATEISH.sub("", name)
    name = _PREFIX.sub("", name)
    role = _ROLE.search(name)
    if role:
        before = name[: role.start()]
        if len(before.split()) >= 2:
            name = before  # "Jane Doe Staff Writer": the role goes
        elif not before.strip() and not alone:
            return None  # "…, Staff Writers": a role listed beside the names is not a name
        # else "Rasender Reporter", "Redaktion Polizeiticker": the byline is a desk's name; keep it
    name = _TRAILING_WORD.sub("", name)
    name = " ".join(name.split()).strip(" -–—:,.|·•'\"")
    if not name or not _LETTER.search(name) or _DIGIT.search(name):
        return None
    if len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        return None
    if "→" in name or name.endswith("*") or name.casefold() in _NOT_NAMES:
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
        desk = _PREFIX.sub("", raw).strip(" -–—:,.|·•'\"")
        if _DESK.fullmatch(desk):  # a byline that is only the desk ("Redaktion", "Staff Writer") stays
            names.append(desk)
            continue
        raw = _DATEISH.sub("", raw)
        raw = _PREFIX.sub("", raw)
        parts = _SPLIT.split(raw)
        for part in parts:
            name = _clean_one(part, alone=len(parts) == 1)
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
                if len(names) >= MAX_AUTHORS:
                    return tuple(names)
    return tuple(names)
