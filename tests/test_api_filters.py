"""The API's article list with ``q``: every filter is applied inside the search, on both backends.

Filtering a page of hits afterwards left pages short or empty that still carried a ``next_cursor``;
here the matches are counted from the stored texts and the cursor walk must give each exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from newsdesk.settings import load_settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article
from newsdesk.web.app import create_app
from tests.support.webdata import Seeded, seed_articles

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WORD = "ferry"  # in the seed's English vocabulary only, with no other form of it


@pytest.fixture
def seeded(db_url: str) -> Seeded:
    return seed_articles(db_url, 48, sources=3)


@pytest.fixture
def client(db_url: str, seeded: Seeded) -> Iterator[TestClient]:
    app = create_app(load_settings(database_url=db_url, secret_key="k"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def matches(url: str, **where: Any) -> set[int]:
    """Articles whose title or text has WORD and whose columns equal ``where`` (authors: contains)."""
    author = where.pop("author", None)
    with session_scope(engine_for(url)) as session:
        rows = session.execute(select(Article)).scalars().all()
        return {
            a.id for a in rows
            if WORD in re.findall(r"\w+", f"{a.title} {a.text}".lower())
            and all(getattr(a, k) == v for k, v in where.items())
            and (author is None or author in (a.authors or []))
        }


def walk(client: TestClient, **params: Any) -> list[int]:
    """Every item the cursor walk gives; no page is empty while it carries a cursor."""
    seen: list[int] = []
    cursor = None
    for _ in range(50):  # why: far more pages than 48 articles make at limit 2
        body = client.get("/api/v1/articles", params=params | ({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
        assert body["items"], "an empty page carries a next_cursor"
        assert len(body["items"]) == params["limit"], "a short page before the end"
    raise AssertionError("the cursor walk does not end")


@pytest.mark.parametrize("filters", [
    {"section": "Business"},  # the seed's English sections: Business, Culture, Science, World
    {"section": "Science", "source": 2},  # outlet 2 has Business and Science
    {"author": "Tom Hale"},
    {"lang": "en", "section": "Science"},
    {"section": "No such section"},
])
def test_search_filters_walk_every_match_once(client: TestClient, db_url: str, filters: dict[str, Any]) -> None:
    where = {"source_id" if k == "source" else k: v for k, v in filters.items()}
    expected = matches(db_url, **where)
    assert bool(expected) == (filters.get("section") != "No such section")  # the walk has something to find
    seen = walk(client, q=WORD, limit=2, **filters)
    assert len(seen) == len(set(seen)) and set(seen) == expected
    if "section" in filters:
        items = client.get("/api/v1/articles", params={"q": WORD, "limit": 100, **filters}).json()["items"]
        assert all(i["section"] == filters["section"] for i in items)


def test_a_filter_that_matches_nothing_has_no_cursor(client: TestClient) -> None:
    body = client.get("/api/v1/articles", params={"q": WORD, "section": "Nowhere", "limit": 1}).json()
    assert body == {"items": [], "next_cursor": None}
    past_the_end = client.get("/api/v1/articles", params={"q": WORD, "limit": 5, "cursor": "o500"}).json()
    assert past_the_end == {"items": [], "next_cursor": None}


def test_author_filter_without_q(client: TestClient, db_url: str) -> None:
    items = client.get("/api/v1/articles", params={"author": "Tom Hale", "limit": 100}).json()["items"]
    assert items and all(i["authors"] == ["Tom Hale"] for i in items)


def test_a_search_cursor_past_the_last_page_is_refused(client: TestClient) -> None:
    """Search pages stop at MAX_PAGE; a cursor beyond must not give the last page again."""
    from newsdesk.store.queries import MAX_PAGE

    r = client.get("/api/v1/articles", params={"q": WORD, "limit": 1, "cursor": f"o{MAX_PAGE}"})
    assert r.status_code == 400 and "narrow the query" in r.json()["error"]["message"]
    last = client.get("/api/v1/articles", params={"q": WORD, "limit": 1, "cursor": f"o{MAX_PAGE - 1}"})
    assert last.status_code == 200 and last.json()["items"] == []
