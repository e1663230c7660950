"""Search input on both backends: dates are strict (400 with a clear message), the calendar's last day
does not overflow, and every 405 names the methods the address takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from starlette.testclient import TestClient

from newsdesk.settings import load_settings
from newsdesk.web.app import create_app
from tests.support.webdata import seed_articles

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    seed_articles(db_url, 12, sources=2)
    app = create_app(load_settings(database_url=db_url, secret_key="k"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_the_last_day_of_the_calendar_is_a_date(client: TestClient) -> None:
    for path in ("/search", "/search/feed.rss", "/api/v1/search", "/api/v1/articles"):
        r = client.get(path, params={"q": "ferry", "from": "0001-01-01", "to": "9999-12-31"})
        assert r.status_code == 200, (path, r.text[:200])
    found = client.get("/api/v1/search", params={"q": "ferry", "to": "9999-12-31"}).json()["items"]
    assert found  # the widest range hides nothing
    page = client.get("/search", params={"q": "ferry", "to": "9999-12-31"}).text
    assert 'value="9999-12-31"' in page
    far = client.get("/api/v1/articles", params={"since": "9999-12-31T23:00:00-14:00"})
    assert far.status_code == 200 and far.json()["items"] == []


@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("value", ["0", "yesterday", "2026-02-30", "20261128", "1700000000"])
def test_a_date_that_is_not_one_is_refused(client: TestClient, name: str, value: str) -> None:
    api = client.get("/api/v1/search", params={"q": "ferry", name: value})
    assert api.status_code in (400, 422) and api.headers["content-type"].startswith("application/json")
    assert api.json()["error"]["message"].startswith(name)
    html = client.get("/search", params={"q": "ferry", name: value})
    assert html.status_code == 400 and html.headers["content-type"].startswith("text/html")
    text = unescape(html.text)
    assert "is not a date" in text and "YYYY-MM-DD" in text and 'role="alert"' in text
    assert f'name="{name}" value="{value}"' in text  # the form again, as typed
    assert 'name="q" value="ferry"' in text and 'class="teaser' not in text


def test_dates_that_pydantic_would_take_as_numbers_are_refused(client: TestClient) -> None:
    """since=0 and to=0 parsed as Unix time 1970 although the schema says date-time / date."""
    for params in ({"since": "0"}, {"since": "1700000000"}, {"q": "ferry", "since": "0"}):
        r = client.get("/api/v1/articles", params=params)
        assert r.status_code == 400 and "since" in r.json()["error"]["message"]
    assert client.get("/api/v1/search", params={"q": "ferry", "to": "0"}).status_code == 400
    ok = client.get("/api/v1/articles", params={"since": "2026-11-28T06:00:00Z"})
    assert ok.status_code == 200 and ok.json()["items"]


def test_an_inverted_range_is_explained(client: TestClient) -> None:
    r = client.get("/search", params={"q": "ferry", "from": "2026-11-28", "to": "2026-11-01"})
    assert r.status_code == 400 and "must not be after" in r.text


def test_search_links_keep_the_last_day(client: TestClient) -> None:
    """The feed and pager links carry the day typed, not the midnight after it."""
    page = unescape(client.get("/search", params={"q": "ferry", "to": "2026-11-28"}).text)
    assert "/search/feed.rss?q=ferry&to=2026-11-28" in page and "to=2026-11-29" not in page


def test_every_405_says_what_is_allowed(client: TestClient) -> None:
    cases = [
        ("POST", "/", {"GET", "HEAD"}),
        ("DELETE", "/article/1", {"GET", "HEAD"}),
        ("PUT", "/admin/login", {"GET", "HEAD", "POST"}),  # two routes share the path
        ("GET", "/admin/logout", {"POST"}),
        ("POST", "/feed.rss", {"GET", "HEAD"}),
        ("POST", "/api/v1/articles", {"GET"}),
        ("DELETE", "/api/v1/search", {"GET"}),
        ("POST", "/static/site.css", {"GET", "HEAD"}),
    ]
    for method, path, allowed in cases:
        r = client.request(method, path)
        assert r.status_code == 405, (method, path)
        assert {m.strip() for m in r.headers["allow"].split(",")} == allowed, (method, path)
