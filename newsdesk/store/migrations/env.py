"""Alembic environment: runs on the connection handed in by ``newsdesk.store.db.upgrade``."""

from __future__ import annotations

from alembic import context

from newsdesk.store.db import engine_for
from newsdesk.store.schema import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        with engine_for(config.get_main_option("sqlalchemy.url") or "").connect() as conn:
            _migrate(conn)
            conn.commit()
    else:
        _migrate(connection)


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # why: SQLite can only ALTER through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
