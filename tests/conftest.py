"""Shared fixtures: a real loopback origin, real databases (SQLite always, PostgreSQL when configured).

PostgreSQL tests read ``NEWSDESK_TEST_POSTGRES_URL`` (``.ci/run`` sets it). Without it they skip
with a hint; with ``CI=true`` a missing database is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.origin import Origin

os.environ.setdefault("NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS", "true")  # the origin is on 127.0.0.1
os.environ.setdefault("NEWSDESK_FETCH_PER_HOST_DELAY", "0")
# The site's background crawl would fetch whatever a test's database holds while the test looks at
# it; the scheduler's own tests turn it on for their app or subprocess.
os.environ.setdefault("NEWSDESK_SCHEDULER", "false")

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


@pytest.fixture(autouse=True)
def _no_database_in_the_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A command a test runs without ``--db`` uses a database of the test's own, never the
    default ``./newsdesk.db`` of the folder pytest runs in (a developer's demo database, or a
    file an older schema left there: the translate CLI tests once failed on one)."""
    if "NEWSDESK_DATABASE_URL" not in os.environ:
        monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'default-newsdesk.db'}")


@pytest.fixture
def origin() -> Iterator[Origin]:
    with Origin() as server:
        yield server


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database, a copy of the database named ``template`` when given; dropped after."""
    from sqlalchemy import create_engine, text

    admin_url = need_service("NEWSDESK_TEST_POSTGRES_URL", "PostgreSQL")
    name = f"newsdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        from newsdesk.store.db import engine_for

        engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _postgres_database() -> Iterator[str]:
    """``postgres_database`` as a plain generator (tests/test_workers.py drives it by hand)."""
    with postgres_database() as url:
        yield url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def seeded_database(backend: str, folder: Path, seed: Callable[[str], object]) -> Iterator[str]:
    """A migrated database on ``backend`` filled once by ``seed``: the template tests copy."""
    from newsdesk.store.db import engine_for, upgrade

    if backend == "sqlite":
        url = f"sqlite:///{folder / 'seed.db'}"
        upgrade(url)
        seed(url)
        engine_for(url).dispose()  # closes the last connection: SQLite folds the WAL into the file
        yield url
        return
    with postgres_database() as url:
        upgrade(url)
        seed(url)
        engine_for(url).dispose()  # PostgreSQL copies a template only while no one is connected to it
        yield url


@contextmanager
def database_copy(template_url: str, folder: Path) -> Iterator[str]:
    """A test's own copy of a seeded database (a file copy, or CREATE DATABASE … TEMPLATE)."""
    if template_url.startswith("sqlite"):
        target = folder / "newsdesk.db"
        shutil.copyfile(template_url.removeprefix("sqlite:///"), target)
        yield f"sqlite:///{target}"
        return
    with postgres_database(template=template_url.rsplit("/", 1)[1]) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database on each backend."""
    from newsdesk.store.db import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
        upgrade(url)
        yield url
    else:
        with postgres_database() as url:
            upgrade(url)
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    from newsdesk.store.db import upgrade

    url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    upgrade(url)
    return url
