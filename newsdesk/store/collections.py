"""Source collections: which sources a collection holds, for every list, search, chart and feed.

A manual collection lists its sources in ``collection_sources``; a ``country`` or ``language``
collection holds whatever sources have that value now (why: a source added or corrected later
joins without anyone editing the collection, as Media Cloud's geographic collections do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from newsdesk.errors import UsageError
from newsdesk.store.schema import Collection, CollectionSource, Source


def find_collection(session: Session, ref: str | int) -> Collection | None:
    """The collection with this id or slug; None when there is none."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = session.get(Collection, int(ref))
        if found is not None:
            return found
    return session.scalar(select(Collection).where(Collection.slug == str(ref)))


def member_ids_query(collection: Collection) -> Select[Any]:
    """A SELECT of the member source ids, to use as ``Source.id.in_(…)`` inside a bigger query."""
    if collection.kind == "country":
        return select(Source.id).where(func.lower(Source.country) == (collection.value or "").lower())
    if collection.kind == "language":
        base = (collection.value or "").lower()
        return select(Source.id).where((func.lower(Source.lang) == base) | func.lower(Source.lang).like(f"{base}-%"))
    return select(CollectionSource.source_id).where(CollectionSource.collection_id == collection.id)


def member_source_ids(session: Session, ref: str | int) -> list[int] | None:
    """The ids of the sources in collection ``ref`` (id or slug), sorted; None when no such collection."""
    collection = find_collection(session, ref)
    if collection is None:
        return None
    return sorted(session.scalars(member_ids_query(collection)))


# --- source metadata: country, language, ownership, state media ------------------------------

# The sources.ownership column's size: a name and a note ("Gazprom-Media (Gazprom)"), not an essay.
MAX_OWNERSHIP_CHARS = 300
# CLDR codes that are no country (EU, the euro zone, the UN, "unknown", pseudo-locales): Babel lists
# them among its territories, ISO 3166-1 does not.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
_LANG_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
STATE_MEDIA_WORDS = {"yes": True, "no": False, "unknown": None}
KINDS = ("manual", "country", "language")


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from the CLDR territory list Babel ships (why Babel: it is already a
    dependency for country names on story pages, and CLDR is kept current with ISO; XK, Kosovo, is
    kept as CLDR and most news data sets keep it)."""
    from babel import Locale

    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


def clean_country(value: str | None) -> str | None:
    """``value`` as a stored country code (upper case), None for empty; UsageError when no country."""
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if code not in country_codes():
        raise UsageError(f"country {value!r} is not an ISO 3166-1 alpha-2 code (two letters, e.g. RU, GB, US)")
    return code


def clean_language(value: str | None) -> str | None:
    """``value`` as a stored language tag (lower case, hyphens: "ru", "pt-br"), None for empty."""
    if value is None or not value.strip():
        return None
    tag = value.strip().replace("_", "-").lower()
    if not _LANG_TAG.fullmatch(tag) or len(tag) > 16:
        raise UsageError(f"language {value!r} is not a language code (ISO 639 with an optional region, "
                         "e.g. ru, en, pt-br)")
    return tag


def clean_ownership(value: str | None) -> str | None:
    """Free text, spaces tidied; UsageError when longer than the column."""
    if value is None:
        return None
    text = " ".join(value.split())
    if len(text) > MAX_OWNERSHIP_CHARS:
        raise UsageError(f"ownership is {len(text)} characters; at most {MAX_OWNERSHIP_CHARS}")
    return text or None


def parse_state_media(value: str | bool | None) -> bool | None:
    """``yes``/``no``/``unknown`` (also true/false, 1/0) as True/False/None."""
    if value is None or isinstance(value, bool):
        return value
    word = value.strip().lower()
    aliases = {"true": "yes", "1": "yes", "false": "no", "0": "no", "": "unknown"}
    word = aliases.get(word, word)
    if word not in STATE_MEDIA_WORDS:
        raise UsageError(f"state media {value!r}: give yes, no or unknown")
    return STATE_MEDIA_WORDS[word]


def state_media_word(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


_UNSET: Any = object()


def set_source_metadata(session: Session, source_id: int, *, country: Any = _UNSET, lang: Any = _UNSET,
                        ownership: Any = _UNSET, state_media: Any = _UNSET) -> Source:
    """Check and store the fields given (the others stay); UsageError for bad input or no such source.

    Every value is checked before any is set, so a bad one leaves the source as it was.
    """
    source = session.get(Source, source_id)
    if source is None:
        raise UsageError(f"no source {source_id}")
    changes: dict[str, Any] = {}
    if country is not _UNSET:
        changes["country"] = clean_country(country)
    if lang is not _UNSET:
        changes["lang"] = clean_language(lang)
    if ownership is not _UNSET:
        changes["ownership"] = clean_ownership(ownership)
    if state_media is not _UNSET:
        changes["state_media"] = parse_state_media(state_media)
    for name, value in changes.items():
        setattr(source, name, value)
    session.flush()
    return source


def source_metadata(source: Source) -> dict[str, Any]:
    """The metadata fields of a source, as the CLI's JSON and the API give them."""
    return {"country": source.country, "lang": source.lang, "ownership": source.ownership,
            "state_media": source.state_media}


# --- collections ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """A collection and how many sources it holds now."""

    id: int
    slug: str
    name: str
    kind: str
    value: str | None
    description: str | None
    sources: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "slug": self.slug, "name": self.name, "kind": self.kind, "value": self.value,
                "description": self.description, "sources": self.sources}


def slugify(text: str) -> str:
    """A URL slug from a name: lower-case letters, digits and hyphens (other scripts fall back to "c")."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100].strip("-")
    return slug or "c"


def parse_by(value: str | None) -> tuple[str, str | None]:
    """``--by country=RU`` / ``language=ru`` / ``manual`` (None) as (kind, checked value)."""
    if value is None or value.strip().lower() in ("", "manual"):
        return "manual", None
    kind, sep, raw = value.partition("=")
    kind = kind.strip().lower()
    if not sep or kind not in ("country", "language"):
        raise UsageError(f"collection rule {value!r}: give country=CODE, language=CODE or manual")
    checked = clean_country(raw) if kind == "country" else clean_language(raw)
    if checked is None:
        raise UsageError(f"collection rule {value!r}: the {kind} code is missing")
    return kind, checked


def require_collection(session: Session, ref: str | int) -> Collection:
    """The collection ``ref`` (id or slug); UsageError naming it when there is none."""
    found = find_collection(session, ref)
    if found is None:
        raise UsageError(f"no collection {ref!r} (newsdesk collections list shows them)")
    return found


def collection_info(session: Session, collection: Collection) -> CollectionInfo:
    count = session.scalar(select(func.count()).select_from(member_ids_query(collection).subquery())) or 0
    return CollectionInfo(collection.id, collection.slug, collection.name, collection.kind, collection.value,
                          collection.description, int(count))


def list_collections(session: Session) -> list[CollectionInfo]:
    return [collection_info(session, c) for c in session.scalars(select(Collection).order_by(Collection.name,
                                                                                             Collection.id))]


def add_collection(session: Session, *, name: str, slug: str | None = None, by: str | None = None,
                   description: str | None = None) -> Collection:
    """A new collection; UsageError for an empty name, a bad slug or rule, or a slug taken."""
    name = " ".join((name or "").split())
    if not name:
        raise UsageError("a collection needs a name")
    if len(name) > 300:
        raise UsageError("a collection name is at most 300 characters")
    slug = slug.strip().lower() if slug else slugify(name)
    if not _SLUG.fullmatch(slug) or slug.isdigit():
        raise UsageError(f"slug {slug!r}: lower-case letters, digits and hyphens, not only digits (it names the "
                         "collection in commands and, later, in URLs)")
    if session.scalar(select(Collection.id).where(Collection.slug == slug)) is not None:
        raise UsageError(f"a collection with slug {slug!r} exists already")
    kind, value = parse_by(by)
    collection = Collection(slug=slug, name=name, kind=kind, value=value,
                            description=(description or "").strip() or None)
    session.add(collection)
    session.flush()
    return collection


def remove_collection(session: Session, ref: str | int) -> Collection:
    collection = require_collection(session, ref)
    session.execute(delete(CollectionSource).where(CollectionSource.collection_id == collection.id))
    session.delete(collection)
    session.flush()
    return collection


def _manual(collection: Collection) -> None:
    if collection.kind != "manual":
        raise UsageError(f"collection {collection.slug!r} holds every source with {collection.kind} "
                         f"{collection.value}: set the source's {collection.kind} instead of adding it by hand")


def add_source_to(session: Session, ref: str | int, source_id: int) -> Collection:
    """Put a source in a manual collection (again is no error)."""
    collection = require_collection(session, ref)
    _manual(collection)
    if session.get(Source, source_id) is None:
        raise UsageError(f"no source {source_id}")
    if session.get(CollectionSource, (collection.id, source_id)) is None:
        session.add(CollectionSource(collection_id=collection.id, source_id=source_id))
        session.flush()
    return collection


def remove_source_from(session: Session, ref: str | int, source_id: int) -> Collection:
    collection = require_collection(session, ref)
    _manual(collection)
    link = session.get(CollectionSource, (collection.id, source_id))
    if link is None:
        raise UsageError(f"source {source_id} is not in collection {collection.slug!r}")
    session.delete(link)
    session.flush()
    return collection


def members(session: Session, collection: Collection) -> list[Source]:
    return list(session.scalars(select(Source).where(Source.id.in_(member_ids_query(collection)))
                                .order_by(Source.name, Source.id)))
