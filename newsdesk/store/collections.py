"""Source collections: which sources a collection holds, for every list, search, chart and feed.

A manual collection lists its sources in ``collection_sources``; a ``country`` or ``language``
collection holds whatever sources have that value now (why: a source added or corrected later
joins without anyone editing the collection, as Media Cloud's geographic collections do).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

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
