"""The Fever API (``/fever/``) as apps use it, on SQLite and PostgreSQL.

The call sequences are the ones Fever clients make to sync (Reeder, Unread, FeedMe: an auth check,
groups, feeds, unread and saved ids, items paged with ``since_id`` to the end or fetched
``with_ids``, then marks), and every answer is checked member by member against the protocol's
description (feedafever.com/api) and what Miniflux and FreshRSS send. No Fever client library is
published on PyPI or npm, so the live-server test speaks the protocol with httpx, as the apps do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from starlette.testclient import TestClient

from newsdesk.clock import fixed_clock
from newsdesk.settings import load_settings
from newsdesk.store import reading, users
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Feed, Source
from newsdesk.web.app import create_app
from newsdesk.web.fever import group_ids, to_xml
from tests.support.site import served_site

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CHECKED = NOW - timedelta(minutes=7)
PASSWORDS = {"alice": "alice-app-password", "bob": "bob-app-password"}
PER_SOURCE = 45  # 135 visible to alice: three pages of since_id paging (50, 50, 35)
ITEM_FIELDS = {"id", "feed_id", "title", "author", "html", "url", "is_saved", "is_read", "created_on_time"}
FEED_FIELDS = {"id", "favicon_id", "title", "url", "site_url", "is_spark", "last_updated_on_time"}
BASE_FIELDS = {"api_version", "auth", "last_refreshed_on_time"}


def fever_key(username: str) -> str:
    return hashlib.md5(f"{username}:{PASSWORDS[username]}".encode()).hexdigest()


@dataclass
class World:
    url: str
    sources: list[int]  # tech, europe, loose (alice), bobs_own (only bob)
    articles: dict[int, list[int]]  # per source, oldest first
    fetched: dict[int, datetime]
    users: dict[str, int]


def _seed(url: str) -> World:
    with session_scope(engine_for(url)) as session:
        sources = []
        for n, name in enumerate(("Tech Daily", "Europe Wire", "Loose Ends", "Bob's Own"), start=1):
            source = Source(name=name, home_url=f"https://outlet{n}.example/", lang="en")
            session.add(source)
            session.flush()
            session.add(Feed(source_id=source.id, url=f"https://outlet{n}.example/feed.xml", kind="rss",
                             last_checked_at=CHECKED - timedelta(hours=n)))
            sources.append(source.id)
        articles: dict[int, list[int]] = {s: [] for s in sources}
        fetched: dict[int, datetime] = {}
        # interleaved so ids and fetch times both mix the sources; article i fetched i minutes after the first
        start = NOW - timedelta(days=2)
        for i in range(PER_SOURCE * len(sources)):
            source_id = sources[i % len(sources)]
            at = start + timedelta(minutes=i)
            article = Article(
                source_id=source_id, url=f"https://outlet{source_id}.example/news/{i}",
                canonical_url=f"https://outlet{source_id}.example/news/{i}", title=f"Story {i} <&>",
                authors=["Ann Lee", "Raj Patel"] if i % 2 else [], published_at=at - timedelta(minutes=30),
                lang="en", html=f"<p>Body of story {i} &amp; more</p><script>alert(1)</script>",
                text=f"Body of story {i}", teaser=f"Body of story {i}", content_hash=f"{i:064x}",
                fetched_at=at)
            session.add(article)
            session.flush()
            articles[source_id].append(article.id)
            fetched[article.id] = at
        ids = {}
        for username, password in PASSWORDS.items():
            user = users.create_user(session, username, "login-" + password)
            users.set_app_password(session, user.id, password)
            ids[username] = user.id
        tech, europe, loose, bobs = sources
        reading.subscribe(session, ids["alice"], tech, folder="Tech")
        reading.subscribe(session, ids["alice"], europe, folder="World/Europe", title="My Europe")
        reading.subscribe(session, ids["alice"], loose)
        reading.subscribe(session, ids["bob"], tech, folder="Reading")
        reading.subscribe(session, ids["bob"], bobs, folder="Reading")
    return World(url, sources, articles, fetched, ids)


@pytest.fixture
def world(db_url: str) -> World:
    return _seed(db_url)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    settings = load_settings(database_url=world.url, secret_key="test-secret")
    with TestClient(create_app(settings, clock=fixed_clock(NOW)), raise_server_exceptions=True) as test_client:
        yield test_client


def call(client: TestClient, user: str | None, query: str = "", **form: Any) -> dict[str, Any]:
    """One call as clients make it: the reading flags in the query, the key (and writes) POSTed."""
    if user is not None:
        form["api_key"] = fever_key(user)
    response = client.post("/fever/?api" + (f"&{query}" if query else ""), data=form)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert isinstance(body, dict)
    return body


def ids_of(text: str) -> list[int]:
    return [int(part) for part in text.split(",")] if text else []


def alice_visible(world: World) -> list[int]:
    return sorted(i for s in world.sources[:3] for i in world.articles[s])


# --- authentication -----------------------------------------------------------------------------


def test_without_a_valid_key_the_answer_is_auth_0_with_status_200(client: TestClient) -> None:
    for response in (
        client.get("/fever/?api"),
        client.post("/fever/?api", data={}),
        client.post("/fever/?api&items", data={"api_key": "0" * 32}),
        client.post("/fever/?api&groups", data={"api_key": "not-hex"}),
        client.post("/fever/?api", data={"api_key": fever_key("alice")[:-1]}),
        client.post("/fever/?api", data={"api_key": hashlib.md5(b"alice:login-alice-app-password").hexdigest()}),
    ):
        assert response.status_code == 200
        assert response.json() == {"api_version": 3, "auth": 0}
    xml = client.get("/fever/?api=xml")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "response" and [(c.tag, c.text) for c in root] == [("api_version", "3"), ("auth", "0")]


def test_the_key_is_md5_of_username_and_app_password_wherever_clients_put_it(client: TestClient) -> None:
    expected = {"api_version": 3, "auth": 1, "last_refreshed_on_time": int(NOW.timestamp())}
    assert call(client, "alice") == expected  # POSTed, the protocol's way
    key = fever_key("alice")
    assert client.get(f"/fever/?api&api_key={key}").json() == expected  # in the query
    assert client.post("/fever/?api", data={"api_key": key.upper()}).json() == expected  # Mr. Reader: capitals
    assert client.post("/fever?api", data={"api_key": key}).json() == expected  # typed without the slash
    assert client.post("/fever/", data={"api_key": key}).json() == expected  # no ?api at all


def test_writes_need_the_key_not_a_csrf_token(client: TestClient, world: World) -> None:
    first = world.articles[world.sources[0]][0]
    assert call(client, None, mark="item", id=str(first), **{"as": "read"}) == {"api_version": 3, "auth": 0}
    assert first in ids_of(call(client, "alice", "unread_item_ids")["unread_item_ids"])
    answer = call(client, "alice", mark="item", id=str(first), **{"as": "read"})  # no cookie, no csrf field
    assert answer["auth"] == 1 and first not in ids_of(answer["unread_item_ids"])


# --- the sync sequence --------------------------------------------------------------------------


def test_groups_and_feeds_describe_the_readers_folders_and_subscriptions(client: TestClient, world: World) -> None:
    tech, europe, loose, _ = world.sources
    groups = call(client, "alice", "groups")
    assert set(groups) == BASE_FIELDS | {"groups", "feeds_groups"}
    by_title = {g["title"]: g["id"] for g in groups["groups"]}
    assert set(by_title) == {"Tech", "World/Europe"}
    assert all(set(g) == {"id", "title"} and isinstance(g["id"], int) and g["id"] > 0 for g in groups["groups"])
    links = {fg["group_id"]: fg["feed_ids"] for fg in groups["feeds_groups"]}
    assert all(set(fg) == {"group_id", "feed_ids"} for fg in groups["feeds_groups"])
    assert links == {by_title["Tech"]: str(tech), by_title["World/Europe"]: str(europe)}  # loose: no folder

    feeds = call(client, "alice", "feeds")
    assert set(feeds) == BASE_FIELDS | {"feeds", "feeds_groups"}
    assert feeds["feeds_groups"] == groups["feeds_groups"]
    by_id = {f["id"]: f for f in feeds["feeds"]}
    assert set(by_id) == {tech, europe, loose}  # never bob's own source
    for n, source_id in enumerate((tech, europe, loose), start=1):
        feed = by_id[source_id]
        assert set(feed) == FEED_FIELDS
        assert feed["url"] == f"https://outlet{n}.example/feed.xml"
        assert feed["site_url"] == f"https://outlet{n}.example/"
        assert feed["is_spark"] == 0 and feed["favicon_id"] == 0
        assert feed["last_updated_on_time"] == int((CHECKED - timedelta(hours=n)).timestamp())
    assert by_id[europe]["title"] == "My Europe" and by_id[tech]["title"] == "Tech Daily"
    assert call(client, "alice", "favicons")["favicons"] == []
    assert call(client, "alice", "links")["links"] == []
    # several flags in one call: each adds its members (FreshRSS)
    both = call(client, "alice", "groups&feeds&unread_item_ids")
    assert {"groups", "feeds", "feeds_groups", "unread_item_ids"} <= set(both)


def test_a_first_sync_pages_items_with_since_id_to_the_end(client: TestClient, world: World) -> None:
    visible = alice_visible(world)
    unread = call(client, "alice", "unread_item_ids")
    assert set(unread) == BASE_FIELDS | {"unread_item_ids"}
    assert isinstance(unread["unread_item_ids"], str) and ids_of(unread["unread_item_ids"]) == visible
    saved = call(client, "alice", "saved_item_ids")
    assert saved["saved_item_ids"] == ""

    seen: list[int] = []
    since = 0
    pages = []
    while True:
        answer = call(client, "alice", f"items&since_id={since}")
        assert set(answer) == BASE_FIELDS | {"items", "total_items"}
        assert answer["total_items"] == len(visible)
        page = answer["items"]
        if not page:
            break
        pages.append(len(page))
        ids = [item["id"] for item in page]
        assert ids == sorted(ids) and ids[0] > since
        seen += ids
        since = ids[-1]
    assert pages == [50, 50, len(visible) - 100]
    assert seen == visible

    item = call(client, "alice", f"items&with_ids={visible[1]}")["items"][0]
    assert set(item) == ITEM_FIELDS
    assert item["feed_id"] in world.sources[:3]
    assert item["title"].startswith("Story ") and item["title"].endswith(" <&>")
    assert item["url"].startswith(f"https://outlet{item['feed_id']}.example/news/")
    assert "<script" not in item["html"] and "&amp; more" in item["html"]
    assert item["created_on_time"] == int((world.fetched[visible[1]] - timedelta(minutes=30)).timestamp())
    assert item["is_read"] == 0 and item["is_saved"] == 0
    assert item["author"] == "Ann Lee, Raj Patel"  # the second article has two authors


def test_max_id_pages_from_the_newest_down(client: TestClient, world: World) -> None:
    visible = alice_visible(world)
    newest = call(client, "alice", "items&max_id=0")["items"]
    assert [i["id"] for i in newest] == visible[::-1][:50]
    seen = [i["id"] for i in newest]
    while True:
        page = call(client, "alice", f"items&max_id={seen[-1]}")["items"]
        if not page:
            break
        seen += [i["id"] for i in page]
    assert seen == visible[::-1]


def test_with_ids_returns_only_the_readers_items_in_the_order_asked(client: TestClient, world: World) -> None:
    tech, europe, _, bobs = world.sources
    wanted = [world.articles[europe][3], world.articles[bobs][0], world.articles[tech][0], 999_999]
    answer = call(client, "alice", "items&with_ids=" + ",".join(map(str, wanted)) + ",x,")
    assert [i["id"] for i in answer["items"]] == [wanted[0], wanted[2]]
    many = alice_visible(world)[:60]
    assert len(call(client, "alice", "items&with_ids=" + ",".join(map(str, many)))["items"]) == 50
    # the FreshRSS / Tiny Tiny RSS filters narrow a page to feeds or groups
    groups = {g["title"]: g["id"] for g in call(client, "alice", "groups")["groups"]}
    page = call(client, "alice", f"items&since_id=0&group_ids={groups['World/Europe']}")["items"]
    assert {i["feed_id"] for i in page} == {europe} and len(page) == PER_SOURCE
    page = call(client, "alice", f"items&since_id=0&feed_ids={tech},{bobs}")["items"]
    assert {i["feed_id"] for i in page} == {tech}


def test_marking_items_read_unread_saved_unsaved(client: TestClient, world: World) -> None:
    tech = world.sources[0]
    one, two = world.articles[tech][:2]
    answer = call(client, "alice", mark="item", id=str(one), **{"as": "read"})
    assert set(answer) == BASE_FIELDS | {"unread_item_ids"} and one not in ids_of(answer["unread_item_ids"])
    answer = call(client, "alice", mark="item", id=str(two), **{"as": "saved"})
    assert set(answer) == BASE_FIELDS | {"saved_item_ids"} and answer["saved_item_ids"] == str(two)
    items = {i["id"]: i for i in call(client, "alice", f"items&with_ids={one},{two}")["items"]}
    assert (items[one]["is_read"], items[one]["is_saved"]) == (1, 0)
    assert (items[two]["is_read"], items[two]["is_saved"]) == (0, 1)
    answer = call(client, "alice", mark="item", id=str(two), **{"as": "saved"})  # saving twice keeps it (no toggle)
    assert answer["saved_item_ids"] == str(two)
    assert call(client, "alice", mark="item", id=str(two), **{"as": "unsaved"})["saved_item_ids"] == ""
    assert one in ids_of(call(client, "alice", mark="item", id=str(one), **{"as": "unread"})["unread_item_ids"])
    # a mark without an id, with a bad one or an unknown verb changes nothing and still answers
    for form in ({"mark": "item", "as": "read"}, {"mark": "item", "as": "read", "id": "abc"},
                 {"mark": "item", "as": "burn", "id": str(one)}):
        assert call(client, "alice", **form)["auth"] == 1
    assert ids_of(call(client, "alice", "unread_item_ids")["unread_item_ids"]) == alice_visible(world)


def test_mark_feed_and_group_read_before_a_time(client: TestClient, world: World) -> None:
    tech, europe, loose, _ = world.sources
    cut = world.fetched[world.articles[tech][20]]
    answer = call(client, "alice", mark="feed", id=str(tech), before=str(int(cut.timestamp())), **{"as": "read"})
    unread = set(ids_of(answer["unread_item_ids"]))
    assert {i for i in world.articles[tech] if world.fetched[i] <= cut}.isdisjoint(unread)
    assert {i for i in world.articles[tech] if world.fetched[i] > cut} <= unread
    assert set(world.articles[europe]) <= unread

    groups = {g["title"]: g["id"] for g in call(client, "alice", "groups")["groups"]}
    answer = call(client, "alice", mark="group", id=str(groups["World/Europe"]), before="0", **{"as": "read"})
    unread = set(ids_of(answer["unread_item_ids"]))
    assert unread.isdisjoint(world.articles[europe]) and set(world.articles[loose]) <= unread
    assert call(client, "alice", mark="group", id="-1", before="0", **{"as": "read"})["unread_item_ids"] != ""

    # Kindling (group 0) is every feed; a "before" ahead of the server's clock is held at now
    answer = call(client, "alice", mark="group", id="0", before=str(int((NOW + timedelta(days=3)).timestamp())),
                  **{"as": "read"})
    assert answer["unread_item_ids"] == ""
    with session_scope(engine_for(world.url)) as session:
        later = Article(source_id=loose, url="https://outlet3.example/late", canonical_url="https://outlet3.example/late",
                        title="Late", html="<p>late</p>", text="late", teaser="late", content_hash="f" * 64,
                        fetched_at=NOW + timedelta(hours=1))
        session.add(later)
        session.flush()
        late_id = later.id
    assert ids_of(call(client, "alice", "unread_item_ids")["unread_item_ids"]) == [late_id]


def test_two_readers_never_see_each_others_state(client: TestClient, world: World) -> None:
    tech, _, _, bobs = world.sources
    shared = world.articles[tech][0]
    call(client, "alice", mark="item", id=str(shared), **{"as": "saved"})
    call(client, "alice", mark="item", id=str(shared), **{"as": "read"})
    call(client, "alice", mark="group", id="0", before="0", **{"as": "read"})
    bob_unread = ids_of(call(client, "bob", "unread_item_ids")["unread_item_ids"])
    assert bob_unread == sorted(world.articles[tech] + world.articles[bobs])
    assert call(client, "bob", "saved_item_ids")["saved_item_ids"] == ""
    assert call(client, "bob", f"items&with_ids={shared}")["items"][0]["is_read"] == 0
    # alice cannot reach bob's own source, by item or by feed
    call(client, "alice", mark="item", id=str(world.articles[bobs][0]), **{"as": "saved"})
    call(client, "alice", mark="feed", id=str(bobs), before="0", **{"as": "read"})
    assert world.articles[bobs][0] not in ids_of(call(client, "alice", "saved_item_ids")["saved_item_ids"])
    assert ids_of(call(client, "bob", "unread_item_ids")["unread_item_ids"]) == bob_unread
    bob_groups = call(client, "bob", "groups")
    assert [g["title"] for g in bob_groups["groups"]] == ["Reading"]
    assert call(client, "bob", f"items&with_ids={world.articles[bobs][0]}")["items"][0]["is_saved"] == 0


def test_unread_ids_and_counts_agree_after_mixed_marks(client: TestClient, world: World) -> None:
    tech, europe, loose, _ = world.sources
    expected = set(alice_visible(world))
    steps: list[dict[str, str]] = [
        {"mark": "item", "as": "read", "id": str(world.articles[loose][0])},
        {"mark": "feed", "as": "read", "id": str(europe), "before": str(int(world.fetched[world.articles[europe][9]].timestamp()))},
        {"mark": "item", "as": "unread", "id": str(world.articles[europe][2])},  # unread again under read_before
        {"mark": "item", "as": "saved", "id": str(world.articles[europe][3])},
        {"mark": "item", "as": "read", "id": str(world.articles[tech][5])},
        {"mark": "item", "as": "unread", "id": str(world.articles[tech][5])},
    ]
    expected.discard(world.articles[loose][0])
    expected -= set(world.articles[europe][:10])
    expected.add(world.articles[europe][2])
    for step in steps:
        call(client, "alice", **step)
    unread = ids_of(call(client, "alice", "unread_item_ids")["unread_item_ids"])
    assert unread == sorted(expected)
    with session_scope(engine_for(world.url)) as session:
        per_source, per_folder, total = reading.unread_counts(session, world.users["alice"])
    assert total == len(unread)
    assert per_source[europe] == len(set(world.articles[europe]) & expected)
    assert per_folder["World/Europe"] == per_source[europe]
    items = {i["id"]: i for i in call(client, "alice", "items&with_ids=" + ",".join(
        map(str, world.articles[europe][:5])))["items"]}
    assert [items[i]["is_read"] for i in world.articles[europe][:5]] == [1, 1, 0, 1, 1]
    assert items[world.articles[europe][3]]["is_saved"] == 1


# --- XML and the live server --------------------------------------------------------------------


def test_xml_answers_parse_and_carry_the_same_members(client: TestClient, world: World) -> None:
    key = fever_key("alice")
    first = world.articles[world.sources[0]][0]
    for query in ("groups", "feeds", "unread_item_ids", f"items&with_ids={first}"):
        as_json = client.post(f"/fever/?api&{query}", data={"api_key": key}).json()
        response = client.post(f"/fever/?api=xml&{query}", data={"api_key": key})
        assert response.headers["content-type"].startswith("text/xml")
        root = ElementTree.fromstring(response.content)
        assert root.tag == "response" and root.findtext("auth") == "1" and root.findtext("api_version") == "3"
        assert {child.tag for child in root} == set(as_json)
    root = ElementTree.fromstring(client.post(f"/fever/?api=xml&items&with_ids={first}", data={"api_key": key}).content)
    item = root.find("items/item")
    assert item is not None and item.findtext("id") == str(first) and item.findtext("title") == "Story 0 <&>"
    assert "&amp; more" in (item.findtext("html") or "")
    groups = ElementTree.fromstring(client.post("/fever/?api=xml&groups", data={"api_key": key}).content)
    assert sorted(g.findtext("title") or "" for g in groups.findall("groups/group")) == ["Tech", "World/Europe"]
    assert all(fg.findtext("feed_ids") for fg in groups.findall("feeds_groups/feeds_group"))


def test_xml_drops_characters_xml_cannot_carry() -> None:
    root = ElementTree.fromstring(to_xml({"auth": 1, "items": [{"title": "bell\x07 tab\t"}]}))
    assert root.findtext("items/item/title") == "bell tab\t"


def test_group_ids_are_stable_positive_and_distinct() -> None:
    first = group_ids(["Tech", "World/Europe"])
    more = group_ids(["Tech", "World/Europe", "Sport", "Science"])
    assert {k: more[k] for k in first} == first  # adding a folder moves no other
    assert len(set(more.values())) == 4 and all(0 < v < 2**31 for v in more.values())


def test_a_live_server_syncs_over_http(world: World, tmp_path: Path) -> None:
    key = fever_key("alice")
    with served_site(world.url, tmp_path, NEWSDESK_SECRET_KEY="fever-test-secret") as base, \
            httpx.Client(base_url=base, timeout=10) as http:
        assert http.post("/fever/?api", data={"api_key": "0" * 32}).json() == {"api_version": 3, "auth": 0}
        auth = http.post("/fever/?api", data={"api_key": key}).json()
        assert auth["auth"] == 1 and isinstance(auth["last_refreshed_on_time"], int)
        unread = ids_of(http.post("/fever/?api&unread_item_ids", data={"api_key": key}).json()["unread_item_ids"])
        assert unread == alice_visible(world)
        page = http.post("/fever/?api&items&since_id=0", data={"api_key": key}).json()["items"]
        assert [i["id"] for i in page] == unread[:50]
        marked = http.post("/fever/?api", data={"api_key": key, "mark": "item", "as": "read", "id": str(unread[0])})
        assert ids_of(marked.json()["unread_item_ids"]) == unread[1:]
        xml = http.post("/fever?api=xml&saved_item_ids", data={"api_key": key})
        assert ElementTree.fromstring(xml.content).findtext("auth") == "1"


def test_the_freshrss_api_client_library_syncs_against_a_live_server(world: World, tmp_path: Path) -> None:
    """freshrss-api (PyPI), a maintained Fever client, finds the API at FreshRSS's ``/api/fever.php``."""
    from freshrss_api import FreshRSSAPI
    from freshrss_api.utils.errors import AuthenticationError

    tech, europe, loose, _ = world.sources
    with served_site(world.url, tmp_path, NEWSDESK_SECRET_KEY="fever-test-secret") as base:
        with pytest.raises(AuthenticationError):
            FreshRSSAPI(host=base, username="alice", password="wrong-password")
        client = FreshRSSAPI(host=base, username="alice", password=PASSWORDS["alice"])
        assert {f["id"] for f in client.get_feeds()["feeds"]} == {tech, europe, loose}
        assert sorted(g["title"] for g in client.get_groups()["groups"]) == ["Tech", "World/Europe"]
        unread = client.get_unreads()  # unread_item_ids, then with_ids 50 at a time; all must come back
        assert [item.id for item in unread] == alice_visible(world)
        assert all(not item.is_read and item.feed_id in (tech, europe, loose) for item in unread)
        first = unread[0].id
        assert str(first) not in client.set_mark(as_="read", id=first)["unread_item_ids"].split(",")
        client.set_mark(as_="saved", id=first)
        saved = client.get_saved()
        assert [(item.id, item.is_saved, item.is_read) for item in saved] == [(first, True, True)]
        client.set_mark(as_="unsaved", id=first)
        assert client.get_saved() == []
