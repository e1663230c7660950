"""The JSON API: filters, cursor pagination, errors, and a schemathesis run against its own /openapi.json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.testclient import TestClient

from newsdesk.settings import load_settings
from newsdesk.web.app import create_app
from tests.conftest import BACKENDS, database_copy, seeded_database
from tests.support.webdata import seed_articles

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module", params=BACKENDS)
def api_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seeded_database(request.param, tmp_path_factory.mktemp("api"), lambda url: seed_articles(url, 45)) as url:
        yield url


@contextmanager
def api_client(api_db: str, folder: Path) -> Iterator[TestClient]:
    with database_copy(api_db, folder) as url:
        app = create_app(load_settings(database_url=url, secret_key="k"))
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c


@pytest.fixture
def client(api_db: str, tmp_path: Path) -> Iterator[TestClient]:
    with api_client(api_db, tmp_path) as c:
        yield c


def test_articles_cursor_pagination_visits_everything_once(client: TestClient) -> None:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/articles", params=params).json()  # type: ignore[arg-type]
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert pages == 5 and len(seen) == 45 and len(set(seen)) == 45
    times = [client.get(f"/api/v1/articles/{i}").json()["published_at"] for i in seen[:12]]
    assert times == sorted(times, reverse=True)


def test_article_filters(client: TestClient) -> None:
    ru = client.get("/api/v1/articles", params={"lang": "ru", "limit": 100}).json()["items"]
    assert ru and all(item["lang"] == "ru" for item in ru)
    src = client.get("/api/v1/articles", params={"source": 2, "limit": 100}).json()["items"]
    assert src and all(item["source"]["id"] == 2 for item in src)
    sport = client.get("/api/v1/articles", params={"section": "Sport"}).json()["items"]
    assert sport and all(item["section"] == "Sport" for item in sport)
    since = client.get("/api/v1/articles", params={"since": "2026-11-28T06:00:00Z", "limit": 100}).json()["items"]
    assert since and all(item["published_at"] >= "2026-11-28T06:00:00" for item in since)
    q = client.get("/api/v1/articles", params={"q": "ferry", "limit": 5}).json()
    assert q["items"] and q["next_cursor"] == "o5"
    q2 = client.get("/api/v1/articles", params={"q": "ferry", "limit": 5, "cursor": "o5"}).json()
    assert not {i["id"] for i in q["items"]} & {i["id"] for i in q2["items"]}


def test_one_article_sources_search(client: TestClient) -> None:
    article = client.get("/api/v1/articles/1").json()
    assert article["id"] == 1 and article["page_url"] == "/article/1" and article["html"].startswith("<p>")
    assert article["translations"] == {} and article["authors"]
    sources = client.get("/api/v1/sources").json()["items"]
    assert sum(s["article_count"] for s in sources) == 45
    found = client.get("/api/v1/search", params={"q": "паром", "lang": "ru"}).json()
    assert found["items"] and all(i["lang"] == "ru" for i in found["items"])
    assert "<mark>" in found["items"][0]["highlight"]


def test_errors_are_json_with_the_right_status(client: TestClient) -> None:
    cases = [
        ("/api/v1/articles/999999", 404),
        ("/api/v1/articles/2147483648", 404),  # past a 32-bit id: PostgreSQL refused the query (a 500)
        ("/api/v1/articles/abc", 422),
        ("/api/v1/articles?lang=english!", 422),
        ("/api/v1/articles?limit=0", 422),
        ("/api/v1/articles?cursor=garbage", 400),
        ("/api/v1/articles?q=ferry&cursor=garbage", 400),
        ("/api/v1/search", 422),
        ("/api/v1/search?q=x&from=yesterday", 422),
        ("/api/v1/nowhere", 404),
    ]
    for path, status in cases:
        r = client.get(path)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert body["error"]["status"] == status and body["error"]["message"]
    assert client.post("/api/v1/articles").status_code == 405


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/articles", "/api/v1/articles/{article_id}", "/api/v1/sources", "/api/v1/search"} <= set(
        spec["paths"]
    )
    assert not any(p.startswith("/article/") or p == "/" for p in spec["paths"])  # HTML stays out


# --- schemathesis ---------------------------------------------------------------------------------


def test_api_conforms_to_its_schema(api_db: str, tmp_path: Path) -> None:
    """Every operation, with generated parameters, answers as /openapi.json says (all checks)."""
    with database_copy(api_db, tmp_path) as url:
        _conforms(create_app(load_settings(database_url=url, secret_key="k")))


def _conforms(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6  # articles, one article, stories, one story, sources, search

    for operation in operations:

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=30,  # why: enough to hit each parameter's edges while the suite stays fast
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            # A cursor is opaque: a well-formed string the server never issued is rightly a 400,
            # so only requests carrying one skip the "valid input is accepted" check.
            excluded = [positive_data_acceptance] if case.query and "cursor" in case.query else []
            case.call_and_validate(excluded_checks=excluded)

        check()
