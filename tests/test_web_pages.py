"""The reader site as a new reader meets it: what empty, filtered and out-of-range lists say.

Each list page (front, source, section, author, search) tells apart a site with no articles yet
(the first-run advice), a filter nothing matches (a language, with its name or "unknown code"), a
source that does not exist (404) and a page past the last article (404, a link back to page 1).
Also: error pages keep their own style apart from the admin's badges, the favicon answers at
``/favicon.ico`` with a cache header, and the search page shows one search form, not two.
Served by the real ASGI app through Starlette's TestClient, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from newsdesk.settings import load_settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Source
from newsdesk.web.app import create_app
from tests.support.webdata import Seeded, seed_articles

FIRST_RUN = "No articles yet. Add a source"
PAST_END = "This page is past the last article"


def make_client(url: str) -> TestClient:
    settings = load_settings(database_url=url, secret_key="test-secret")
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture
def seeded(db_url: str) -> Seeded:
    return seed_articles(db_url, 30)  # why: page_size is 20, so the front page has exactly two pages


@pytest.fixture
def client(db_url: str, seeded: Seeded) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def empty_message(page: str) -> str:
    match = re.search(r'<p class="empty">(.*?)</p>', page, re.S)
    return " ".join(match.group(1).split()) if match else ""


def test_first_run_message_only_on_an_empty_site(db_url: str) -> None:
    with make_client(db_url) as c:
        front = c.get("/")
        assert front.status_code == 200 and FIRST_RUN in front.text
        # an empty site has no page 2 either: the reader is sent to page 1, which gives the advice
        past = c.get("/?page=3")
        assert past.status_code == 404 and PAST_END in past.text and FIRST_RUN not in past.text
        search = c.get("/search?q=harbour")
        assert search.status_code == 200 and "Nothing found: this site holds no articles yet." in search.text


def test_language_filter_says_which_language(client: TestClient) -> None:
    german = client.get("/?lang=de")
    assert german.status_code == 200
    assert empty_message(german.text).startswith("No articles in German.")
    assert FIRST_RUN not in german.text
    assert "Showing latest news in German." in german.text
    unknown = client.get("/?lang=xq")
    assert unknown.status_code == 200
    message = empty_message(unknown.text)
    assert message.startswith("No articles in language “xq”: this site does not know that language code.")
    assert "Latest news in xq" not in unknown.text and "latest news in xq" not in unknown.text
    assert "language “xq” (an unknown code)" in unknown.text and FIRST_RUN not in unknown.text
    # a filter that matches keeps the language's name (and the source's own capitals)
    english = client.get("/?lang=en&source=2")
    assert english.status_code == 200 and not empty_message(english.text)
    assert "Showing latest news in English from Outlet 2." in english.text
    # both filters, nothing matches (the first outlet's seeded articles are all Russian)
    neither = client.get("/?lang=en&source=1")
    assert empty_message(neither.text).startswith("No articles in English from The Harbour Courier.")


def test_unknown_source_is_404(client: TestClient) -> None:
    for path in ("/?source=999", "/source/999", "/?source=999&lang=en", "/search?q=harbour&source=999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "No such source" in response.text and FIRST_RUN not in response.text, path
    assert client.get("/?source=1").status_code == 200


def test_pages_past_the_end(client: TestClient, seeded: Seeded) -> None:
    assert client.get("/?page=2").status_code == 200
    for path, back in (("/?page=99", "/"), ("/?lang=en&page=99", "/?lang=en"),
                       (f"/source/{seeded.source_ids[0]}?page=99", f"/source/{seeded.source_ids[0]}"),
                       ("/section/City?page=99", "/section/City"),
                       ("/author/Anna%20Berg?page=99", "/author/Anna%20Berg"),
                       ("/search?q=harbour&page=99", "/search?q=harbour")):
        response = client.get(path)
        assert response.status_code == 404, path
        assert FIRST_RUN not in response.text and "Nothing found" not in response.text, path
        assert f'{PAST_END}: <a href="{back}">back to page 1</a>.' in response.text, path
        assert 'rel="prev"' not in response.text, path  # no "Newer" link to yet another empty page


def test_missing_section_and_author_are_named(client: TestClient) -> None:
    section = client.get("/section/Nowhere")
    assert section.status_code == 404 and "No such section" in section.text
    author = client.get("/author/Nobody%20Here")
    assert author.status_code == 404 and "No such author" in author.text


def test_error_page_status_has_its_own_class(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert '<p class="error-status">404</p>' in page.text
    assert 'class="status' not in page.text and "feed-status" not in page.text
    css = client.get("/static/site.css").text
    assert not re.search(r"(^|[\s,}])\.status\b", css)  # the admin badge no longer matches any "status"
    assert ".error-status {" in css and ".feed-status {" in css


def test_favicon_answers(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg") and b"</svg>" in icon.content
    assert re.fullmatch(r"public, max-age=\d{4,}", icon.headers["cache-control"])
    again = client.get("/favicon.ico", headers={"If-None-Match": icon.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == icon.headers["cache-control"]
    linked = client.get("/static/favicon.svg")
    assert linked.status_code == 200 and linked.content == icon.content
    for path in ("/", "/search", "/no/such/page", "/admin/login"):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in client.get(path).text, path


def test_search_page_has_one_search_form(client: TestClient) -> None:
    for path in ("/search", "/search?q=harbour"):
        page = client.get(path).text
        assert page.count('role="search"') == 1, path
        assert 'class="search-form"' in page and 'class="searchbox"' not in page, path
    for path in ("/", "/section/City", "/no/such/page"):
        assert client.get(path).text.count('class="searchbox"') == 1, path


def test_search_names_its_language_filter(client: TestClient) -> None:
    german = client.get("/search?q=harbour&lang=de").text
    assert "Nothing found for <strong>harbour</strong> in German." in german
    assert '<option value="de" selected>German</option>' in german  # the form shows the filter it applied
    unknown = client.get("/search?q=harbour&lang=xq").text
    assert "Nothing found for <strong>harbour</strong> in language “xq” (an unknown code)." in unknown
    assert '<option value="xq" selected>Language “xq” (an unknown code)</option>' in unknown
    assert FIRST_RUN not in unknown


def test_source_without_articles_says_so(client: TestClient, db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        quiet = Source(name="Quiet Outlet", home_url="https://quiet.example/", lang="en")
        session.add(quiet)
        session.flush()
        quiet_id = quiet.id
    for path in (f"/source/{quiet_id}", f"/?source={quiet_id}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert empty_message(page.text).startswith("No articles from Quiet Outlet yet."), path
        assert FIRST_RUN not in page.text, path
