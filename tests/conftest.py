"""Shared fixtures: a real loopback origin, real databases (SQLite always, PostgreSQL when configured).

PostgreSQL tests read ``NEWSDESK_TEST_POSTGRES_URL`` (``.ci/run`` sets it). Without it they skip
with a hint; with ``CI=true`` a missing database is an error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.origin import Origin

os.environ.setdefault("NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS", "true")  # the origin is on 127.0.0.1
os.environ.setdefault("NEWSDESK_FETCH_PER_HOST_DELAY", "0")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_service(env_var: str, what: str) -> str:
    """The URL of a service for a test; skip with a hint outside CI, fail in CI."""
    url = os.environ.get(env_var)
    if url:
        return url
    message = f"{what} not configured: set {env_var} (for example run the suite through .ci/run)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"shared data missing: {path} (clone the project beside its shared/ folder)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def origin() -> Iterator[Origin]:
    with Origin() as server:
        yield server


def _postgres_database() -> Iterator[str]:
    from sqlalchemy import create_engine, text

    admin_url = need_service("NEWSDESK_TEST_POSTGRES_URL", "PostgreSQL")
    name = f"newsdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        from newsdesk.store.db import engine_for

        engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database on each backend."""
    from newsdesk.store.db import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
        upgrade(url)
        yield url
    else:
        gen = _postgres_database()
        url = next(gen)
        upgrade(url)
        yield url
        for _ in gen:
            pass


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    from newsdesk.store.db import upgrade

    url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    upgrade(url)
    return url
