"""Feeds out on both backends: text stays inert, full text and images when asked, paging, refusals.

Feeds are parsed with feedparser, without its sanitizer (``sanitize_html=False``), so what is
checked is what a reader that trusts the feed would render.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import feedparser
import pytest
from starlette.testclient import TestClient

from newsdesk.settings import load_settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article
from newsdesk.store.search import index_article
from newsdesk.web.app import create_app
from tests.support.webdata import BASE_TIME, Seeded, seed_articles

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HOSTILE_TITLE = 'Mayor says <img src=x onerror="alert(1)"> is fine'
HOSTILE_TEXT = 'The code <img src=x onerror="alert(2)"> and <script>alert(3)</script> was quoted.'
HOSTILE_HTML = ('<p>The code &lt;img src=x onerror="alert(2)"&gt; was quoted.</p>'
                '<p onclick="evil()">Second <script>alert(4)</script>paragraph.</p>'
                '<img src="/pics/lead.png" onerror="alert(5)">')


class Tags(HTMLParser):
    """The elements and attributes an HTML fragment really has."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def names(self) -> set[str]:
        return {t for t, _ in self.tags}

    def handlers(self) -> set[str]:
        return {a for _, attrs in self.tags for a in attrs if a.startswith("on")}


@pytest.fixture
def seeded(db_url: str) -> Seeded:
    return seed_articles(db_url, 64, sources=2)  # why: three feed pages of 30, two of one outlet's


def make_client(url: str, **overrides: object) -> TestClient:
    settings = load_settings(database_url=url, secret_key="test-secret", **overrides)
    return TestClient(create_app(settings, stale_grace=0), raise_server_exceptions=False)


@pytest.fixture
def client(db_url: str, seeded: Seeded) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def add_hostile(url: str) -> int:
    """The newest article: a headline and text that mention markup, an image with an extension."""
    with session_scope(engine_for(url)) as session:
        article = Article(source_id=1, url="https://outlet1.example/hostile",
                          canonical_url="https://outlet1.example/hostile", title=HOSTILE_TITLE,
                          text=HOSTILE_TEXT, teaser=HOSTILE_TEXT, html=HOSTILE_HTML, lang="en",
                          content_hash="e" * 64, published_at=BASE_TIME + timedelta(hours=1),
                          fetched_at=BASE_TIME + timedelta(hours=1), section="City", authors=["Anna Berg"],
                          image="https://outlet1.example/pics/lead.png?w=800")
        session.add(article)
        session.flush()
        index_article(session, article)
        return article.id


def parse(r: Any) -> Any:
    assert r.status_code == 200, r.text
    parsed = feedparser.parse(r.content, sanitize_html=False,
                              response_headers={"content-type": r.headers["content-type"]})
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def test_rss_text_is_inert_in_readers(client: TestClient, db_url: str) -> None:
    add_hostile(db_url)
    entry = parse(client.get("/feed.rss")).entries[0]
    for detail in (entry.title_detail, entry.summary_detail):
        if detail.type == "text/html":  # readers render it: it must hold no element at all
            assert not Tags(detail.value).names(), detail.value
        assert "alert" in detail.value  # the words are kept, as text
    assert "<img" in entry.title or "&lt;img" in entry.title


def test_atom_and_json_say_what_they_carry(client: TestClient, db_url: str) -> None:
    add_hostile(db_url)
    entry = parse(client.get("/feed.atom")).entries[0]
    assert entry.title_detail.type == "text/plain" and entry.title == HOSTILE_TITLE
    assert entry.summary_detail.type == "text/plain" and "<img src=x" in entry.summary
    item = client.get("/feed.json").json()["items"][0]
    assert item["title"] == HOSTILE_TITLE and "<img src=x" in item["content_text"]
    assert "content_html" not in item  # a teaser feed has no HTML to give


def test_full_text_is_sanitized_html_when_asked(db_url: str, seeded: Seeded) -> None:
    add_hostile(db_url)
    with make_client(db_url) as client:
        assert "content" not in parse(client.get("/feed.rss")).entries[0]
        for path in ("/feed.rss?full=1", "/feed.atom?full=1"):
            parsed = parse(client.get(path))
            content = parsed.entries[0].content[0]
            assert content.type == "text/html"
            tags = Tags(content.value)
            assert "p" in tags.names() and "script" not in tags.names() and not tags.handlers()
            assert 'src="https://outlet1.example/pics/lead.png"' in content.value  # resolved like the page's
            assert "Second paragraph." in content.value
            assert any("full=1" in link.href for link in parsed.feed.links if link.rel == "self")
        item = client.get("/feed.json?full=1").json()["items"][0]
        assert not Tags(item["content_html"]).handlers() and "<script" not in item["content_html"]
    with make_client(db_url, feeds_full_text=True) as client:
        assert "Second paragraph." in parse(client.get("/feed.rss")).entries[0].content[0].value
        assert "content" not in parse(client.get("/feed.rss?full=0")).entries[0]


def test_images_are_enclosures(client: TestClient, db_url: str) -> None:
    add_hostile(db_url)
    rss = parse(client.get("/feed.rss")).entries
    assert rss[0].enclosures[0].href == "https://outlet1.example/pics/lead.png?w=800"
    assert rss[0].enclosures[0].type == "image/png"
    assert rss[1].enclosures[0].type == "image/jpeg" and rss[1].enclosures[0].href.endswith(".jpg")
    atom = parse(client.get("/feed.atom")).entries[0]
    assert [(link.href, link.type) for link in atom.links if link.rel == "enclosure"] == [
        ("https://outlet1.example/pics/lead.png?w=800", "image/png")]
    assert client.get("/feed.json").json()["items"][0]["image"] == "https://outlet1.example/pics/lead.png?w=800"


def test_rss_source_is_the_outlets_feed(client: TestClient) -> None:
    for entry in parse(client.get("/feed.rss")).entries:
        outlet = entry.link  # each item's outlet follows from its source name
        assert entry.source.href in ("https://outlet1.example/feed.xml", "https://outlet2.example/feed.xml")
        assert entry.source.title in ("The Harbour Courier", "Outlet 2"), outlet
        number = "1" if entry.source.title == "The Harbour Courier" else "2"
        assert entry.source.href == f"https://outlet{number}.example/feed.xml"


@pytest.mark.parametrize("path", ["/feed", "/source/1/feed", "/search/feed"])
def test_feeds_page_through_every_item_once(client: TestClient, path: str) -> None:
    query = {"q": "harbour"} if path == "/search/feed" else {}
    seen: list[str] = []
    parsed = parse(client.get(f"{path}.atom", params=query))
    pages = 1
    while True:
        seen += [e.id for e in parsed.entries]
        nexts = [link.href for link in parsed.feed.links if link.rel == "next"]
        if not nexts or pages > 5:  # why: 64 articles are three pages of 30; more means paging is stuck
            break
        parsed = parse(client.get(nexts[0]))
        pages += 1
    assert len(seen) == len(set(seen)) and 2 <= pages <= 5
    rss1 = parse(client.get(f"{path}.rss", params=query)).entries
    rss2 = parse(client.get(f"{path}.rss", params=query | {"page": "2"})).entries
    assert rss2 and not {e.id for e in rss1} & {e.id for e in rss2}
    json2 = client.get(f"{path}.json", params=query | {"page": "2"}).json()
    assert [i["id"] for i in json2["items"]] == [e.id for e in rss2]


def test_feed_paging_counts_every_article(client: TestClient, seeded: Seeded) -> None:
    pages = [parse(client.get(f"/feed.rss?page={n}")).entries for n in (1, 2, 3)]
    ids = {e.id for entries in pages for e in entries}
    assert len(ids) == len(seeded.article_ids) == sum(len(entries) for entries in pages)
    second = parse(client.get("/feed.rss?page=2")).feed
    assert [link.href for link in second.links if link.rel == "previous"] == ["http://testserver/feed.rss"]
    assert client.get("/feed.json").json()["next_url"] == "http://testserver/feed.json?page=2"
    assert "next_url" not in client.get("/feed.json?page=3").json()


def test_search_feed_without_words_is_refused_plainly(client: TestClient) -> None:
    for ext in ("rss", "atom", "json"):
        r = client.get(f"/search/feed.{ext}")
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
        assert "?q=" in r.text
    r = client.get("/search/feed.rss", params={"q": "ferry", "to": "0"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain") and "to:" in r.text
    assert client.get("/search/feed.xml?q=ferry").status_code == 404  # not a format


def test_full_text_of_a_translated_item_is_the_translation(db_url: str) -> None:
    from tests.support.webdata import seed_translated

    world = seed_translated(db_url)
    with make_client(db_url) as client:
        entries = parse(client.get("/feed.rss?lang=en&full=1")).entries
        by_link = {e.link: e for e in entries}
        item = by_link[f"http://testserver/article/{world.ru_translated}?lang=en"]
        content = item.content[0].value
        assert "The mayor thanked the fishermen." in content and "Мэр" not in content
        assert "Machine-translated from Russian by tiny-mt." in content
        english = by_link[f"http://testserver/article/{world.en_article}"]
        assert "The harbour museum opened its doors." in english.content[0].value
        assert "Machine-translated" not in english.content[0].value
        original = parse(client.get(f"/source/{world.source_id}/feed.rss?full=1")).entries
        bodies = {e.link: e.content[0].value for e in original}
        assert "Мэр поблагодарил рыбаков." in bodies[f"http://testserver/article/{world.ru_translated}"]


def test_a_feed_page_that_is_not_one_is_refused(client: TestClient) -> None:
    """Out-of-range pages were read as page 1, which a reader would file again under page N."""
    for page in ("0", "-1", "abc", "501", "99999999999"):
        r = client.get("/feed.rss", params={"page": page})
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain"), page
        assert "page must be a whole number from 1 to 500" in r.text
    assert parse(client.get("/feed.rss", params={"page": "500"})).entries == []
