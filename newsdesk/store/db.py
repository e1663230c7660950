"""Engines and sessions for SQLite (embedded default) and PostgreSQL, and schema upgrades.

SQLite runs in WAL mode so the site reads while a crawl writes (one writer, many readers, as
Datasette does); ``busy_timeout`` makes a second writer wait instead of failing.

A writer (``session_scope``, the site's write handlers) takes SQLite's write lock up front with
``BEGIN IMMEDIATE``: a transaction that read first and asked for the lock later could find another
writer's commit in between and fail at once (``SQLITE_BUSY_SNAPSHOT``), whatever the timeout. Plain
sessions and connections stay as pysqlite makes them (no transaction until the first write), so
read-only paths never take the lock. A writer given ``lock_wait`` (the web) waits at most that long
for the lock (SQLite's ``busy_timeout``, PostgreSQL's ``lock_timeout``) and then raises
:class:`StoreBusy`, which the site answers with "try again" instead of a frozen worker and a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from newsdesk.errors import ConfigError, MissingExtraError, Retry

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 30_000  # why: crawl and site share one file; a crawl batch commits well within this
WRITER = "newsdesk_writer"  # execution option: this connection's transactions take the write lock
LOCK_WAIT = "newsdesk_lock_wait"  # execution option: seconds a writer waits for the lock (None: the default)
# SQLite says "database is locked" (or "busy"); PostgreSQL's lock_timeout is SQLSTATE 55P03.
_LOCK_MESSAGES = ("database is locked", "database is busy", "lock timeout", "locknotavailable")


class StoreBusy(Retry):
    """Another process holds the write lock longer than this writer may wait."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses at most the last commit
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """A writer's transaction starts with the write lock (waiting ``lock_wait`` when given)."""
    options = conn.get_execution_options()
    if not options.get(WRITER):
        return  # pysqlite's own handling: no transaction, so no lock, until the first write
    wait = options.get(LOCK_WAIT)
    if wait is not None:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={max(0, int(wait * 1000))}")
        conn.connection.info[LOCK_WAIT] = True  # restored when the connection goes back to the pool
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_checkin(dbapi_connection: Any, record: Any) -> None:
    if record is not None and record.info.pop(LOCK_WAIT, None):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


def _postgres_begin(conn: Connection) -> None:
    """PostgreSQL has no database-wide write lock; a bounded writer bounds its row-lock waits."""
    wait = conn.get_execution_options().get(LOCK_WAIT)
    if wait is not None:
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(wait * 1000))}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; a missing driver becomes a clear install hint."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"store: invalid database URL {url!r}: {exc}") from exc
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
                folder = Path(parsed.database).expanduser().parent
                if not folder.is_dir():  # never made: a mistyped path is an error, not a new empty database
                    raise ConfigError(f"the folder {folder} of the SQLite database does not exist "
                                      "(no folder is created; check NEWSDESK_DATABASE_URL or --db)")
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            event.listen(engine, "checkin", _sqlite_checkin)
            return engine
        if parsed.get_backend_name() == "postgresql":
            if parsed.get_driver_name() in ("psycopg2", "default") or parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
            event.listen(engine, "begin", _postgres_begin)
            return engine
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


def writer(engine: Engine, lock_wait: float | None = None) -> Engine:
    """``engine`` for write transactions: they take the write lock up front, waiting at most
    ``lock_wait`` seconds when given (the connection's usual timeout otherwise)."""
    return engine.execution_options(**{WRITER: True, LOCK_WAIT: lock_wait})


def is_lock_timeout(exc: BaseException) -> bool:
    """True when ``exc`` is a database's "could not get the lock in time"."""
    if not isinstance(exc, OperationalError):
        return False
    text = f"{type(exc.orig).__name__} {exc.orig}".lower()
    return any(message in text for message in _LOCK_MESSAGES)


@contextmanager
def session_scope(engine: Engine, *, lock_wait: float | None = None) -> Iterator[Session]:
    """A write session: committed on success, rolled back on any error; the write lock is taken
    at its first statement. With ``lock_wait``, waiting longer for it raises StoreBusy."""
    try:
        with Session(writer(engine, lock_wait), expire_on_commit=False) as session, session.begin():
            yield session
    except OperationalError as exc:
        if lock_wait is not None and is_lock_timeout(exc):
            raise StoreBusy(f"the database is busy (another writer held it over {lock_wait:g} s)",
                            stage="store", reason="locked", retry_after=max(1.0, lock_wait)) from exc
        raise


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
