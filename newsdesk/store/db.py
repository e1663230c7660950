"""Engines and sessions for SQLite (embedded default) and PostgreSQL, and schema upgrades.

SQLite runs in WAL mode so the site reads while a crawl writes (one writer, many readers, as
Datasette does); ``busy_timeout`` makes a second writer wait instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from newsdesk.errors import ConfigError, MissingExtraError

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses at most the last commit
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")  # why: crawl and site share one file
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; a missing driver becomes a clear install hint."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"store: invalid database URL {url!r}: {exc}") from exc
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        if parsed.get_backend_name() == "postgresql":
            if parsed.get_driver_name() in ("psycopg2", "default") or parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            return create_engine(parsed, pool_pre_ping=True, **kwargs)
        return create_engine(url, **kwargs)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        if parsed.get_backend_name() == "postgresql":
            raise MissingExtraError("postgres", "PostgreSQL storage", "psycopg") from exc
        raise ConfigError(f"store: no driver for {parsed.drivername}: {exc}") from exc


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One shared engine per URL in a process."""
    engine = make_engine(url)
    _live_engines.append(engine)
    return engine


def forget_engines_after_fork() -> None:
    """In a forked child, drop the parent's pooled connections without closing them (they are the
    parent's), so the child opens its own (SQLAlchemy's advice for multiprocessing)."""
    for engine in _live_engines:
        engine.dispose(close=False)
    _live_engines.clear()
    engine_for.cache_clear()


_live_engines: list[Engine] = []  # what engine_for has made (lru_cache lists no values)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to the newest schema (creates it when empty)."""
    from alembic import command

    engine = engine_for(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine_for(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def ensure_schema(url: str) -> None:
    """Create or migrate the database when it is not at the newest schema (cheap when it is)."""
    try:
        if current_revision(url) == head_revision():
            return
    except Exception:  # noqa: S110 - unreadable or missing: let upgrade() report the real error
        pass
    upgrade(url)
