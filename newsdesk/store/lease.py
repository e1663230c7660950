"""Leases: which process runs a background job now, shared through the database.

Several web workers (``serve --workers N``) each start the in-process scheduler, but only the one
holding the ``crawl`` lease runs passes. A lease is a row (name, owner, expires_at), taken with one
conditional statement, so two processes can never both hold it:

* ``UPDATE … SET owner = me, expires_at = … WHERE name = … AND (owner = me OR expires_at <= now)``
  renews our own lease or takes an expired one (the database serialises the two UPDATEs: the second
  sees the first's new expiry and matches no row);
* when no row exists yet, an ``INSERT`` takes it; a concurrent INSERT fails on the primary key.

A holder that crashes stops renewing and its lease expires; a holder that stops releases it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsdesk.store.db import session_scope
from newsdesk.store.schema import SchedulerLease


def acquire(engine: Engine, name: str, owner: str, *, now: datetime, ttl: float) -> bool:
    """Take or renew the lease ``name`` for ``owner`` until ``now + ttl``; False when another holds it."""
    expires = now + timedelta(seconds=ttl)
    with session_scope(engine) as session:
        result = session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name,
                   (SchedulerLease.owner == owner) | (SchedulerLease.expires_at <= now))
            .values(owner=owner, expires_at=expires)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            return True
        if session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == name)) is not None:
            return False  # held by someone else, not expired
    try:
        with session_scope(engine) as session:
            session.execute(insert(SchedulerLease).values(name=name, owner=owner, expires_at=expires))
    except IntegrityError:
        return False  # another process inserted it first
    return True


def release(engine: Engine, name: str, owner: str) -> None:
    """Give the lease up (only if still ours), so another worker may take it at once."""
    with session_scope(engine) as session:
        session.execute(delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.owner == owner))


def holder(engine: Engine, name: str) -> tuple[str, datetime] | None:
    """Who holds ``name`` and until when (None: nobody ever took it, or it was released)."""
    with session_scope(engine) as session:
        row = session.execute(
            select(SchedulerLease.owner, SchedulerLease.expires_at).where(SchedulerLease.name == name)
        ).first()
    return (row[0], row[1]) if row else None
