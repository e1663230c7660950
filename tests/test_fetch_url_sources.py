"""``fetch-url`` makes its host's source only with the article it stores, and the public lists of
sources leave out an empty one-off source (SQLite and PostgreSQL, a real loopback origin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from starlette.testclient import TestClient

from newsdesk.cli import main
from newsdesk.settings import load_settings
from newsdesk.store import queries, repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Entry, Source
from newsdesk.web.app import create_app
from tests.support.origin import Origin, Response
from tests.support.pages import article_page, unique_paragraphs

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def fetch_url(db_url: str, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["fetch-url", url], env={"NEWSDESK_DATABASE_URL": db_url})
    return result.exit_code, result.output


def count(db_url: str, model: type) -> int:
    with session_scope(engine_for(db_url)) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_failed_fetch_url_creates_no_source(db_url: str, origin: Origin) -> None:
    origin.route("/missing.html", Response("not here", status=404))
    code, output = fetch_url(db_url, origin.url("/missing.html"))
    assert code == 1, output
    assert count(db_url, Source) == 0
    with session_scope(engine_for(db_url)) as session:  # the failure itself is kept, with its reason
        entry = session.scalars(select(Entry)).one()
        assert entry.status == "failed" and "404" in (entry.last_error or "")


def test_a_stored_fetch_url_makes_its_hosts_source_once(db_url: str, origin: Origin) -> None:
    for n in (1, 2):
        origin.route(f"/news/{n}.html", article_page(f"Story {n}", unique_paragraphs(n)))
    for n in (1, 2):
        code, output = fetch_url(db_url, origin.url(f"/news/{n}.html"))
        assert code == 0, output
    with session_scope(engine_for(db_url)) as session:
        [source] = session.scalars(select(Source)).all()
        assert source.name == "127.0.0.1" and source.home_url == origin.url("/")
        assert [a.source_id for a in session.scalars(select(Article))] == [source.id, source.id]


@pytest.fixture
def sources(db_url: str) -> Iterator[str]:
    with session_scope(engine_for(db_url)) as session:
        repo.add_source(session, name="Phantom Host", home_url="http://127.0.0.9/")  # a one-off, nothing stored
        followed = repo.add_source(session, name="Followed Outlet", home_url="https://followed.example/")
        repo.add_feed(session, followed, url="https://followed.example/feed.xml", kind="rss")
        stored = repo.add_source(session, name="Stored Outlet", home_url="https://stored.example/")
        session.add(Article(url="https://stored.example/a", canonical_url="https://stored.example/a", title="A",
                            html="<p>a</p>", text="a", teaser="a", content_hash="h1", source_id=stored.id,
                            lang="en"))
    yield db_url


def test_public_source_lists_leave_out_empty_one_off_sources(sources: str) -> None:
    with session_scope(engine_for(sources)) as session:
        public = [s.name for s in queries.list_sources(session)]
        admin = [s.name for s in queries.list_sources(session, with_feeds=True)]
    assert public == ["Followed Outlet", "Stored Outlet"]
    assert admin == ["Followed Outlet", "Phantom Host", "Stored Outlet"]  # the admin can still remove it
    app = create_app(load_settings(database_url=sources, secret_key="k"))
    with TestClient(app) as client:
        api = [s["name"] for s in client.get("/api/v1/sources").json()["items"]]
        front, search = client.get("/").text, client.get("/search", params={"q": "a"}).text
    assert api == ["Followed Outlet", "Stored Outlet"]
    assert "Stored Outlet" in front and "Phantom Host" not in front
    assert "Stored Outlet" in search and "Phantom Host" not in search
