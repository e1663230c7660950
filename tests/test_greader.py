"""The Google Reader API (newsdesk/web/greader.py), replayed as real apps call it.

Each test follows one app's request sequence (Reeder's sign-in on whatever base URL was typed, the
News+/Read You sync, NetNewsWire's per-feed id calls, FeedMe's empty edit token, a 2,000-id
edit-tag) and checks every answer field by field against the protocol as FreshRSS and Miniflux
document and serve it (docs/greader.md). Both backends (``db_url``); the clock is pinned.
"""

from __future__ import annotations

import random
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import google_reader
import pytest
import uvicorn
from sqlalchemy import event, insert, select
from starlette.testclient import TestClient

from newsdesk.settings import load_settings
from newsdesk.store import reading, users
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article
from newsdesk.web.app import create_app
from newsdesk.web.greader import (
    EDIT_TOKEN_CHARS,
    Stream,
    api_path,
    edit_token,
    instant,
    long_id,
    parse_item_id,
    parse_stream,
)
from tests.support.origin import Origin
from tests.support.webdata import BASE_TIME, SITE_NOW, article_fields, seed_articles

PASSWORD = "correct horse battery"
APP_PASSWORD = "app-password-1234"
SECRET = "greader-test-secret"
READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
API = "/api/greader.php/reader/api/0"
LONG = re.compile(r"^tag:google\.com,2005:reader/item/[0-9a-f]{16}$")


@dataclass(frozen=True)
class World:
    url: str
    alice: int
    bob: int
    sources: list[int]  # source 0 in alice's "News" folder, 1 out of any folder; bob follows 0 and 2
    articles: list[int]


def _seed(db_url: str, count: int = 30) -> World:
    seeded = seed_articles(db_url, count, sources=3)
    with session_scope(engine_for(db_url)) as session:
        alice = users.create_user(session, "alice", PASSWORD, role="reader").id
        bob = users.create_user(session, "bob", PASSWORD, role="reader").id
        users.set_app_password(session, alice, APP_PASSWORD)
        s0, s1, s2 = seeded.source_ids
        reading.subscribe(session, alice, s0, folder="News")
        reading.subscribe(session, alice, s1)
        reading.subscribe(session, bob, s0, folder="Mine")
        reading.subscribe(session, bob, s2)
    return World(db_url, alice, bob, seeded.source_ids, seeded.article_ids)


@pytest.fixture
def world(db_url: str) -> World:
    return _seed(db_url)


def client_for(world: World) -> TestClient:
    settings = load_settings(database_url=world.url, secret_key=SECRET)
    return TestClient(create_app(settings, secret=SECRET, clock=lambda: SITE_NOW), raise_server_exceptions=True)


def login(client: TestClient, username: str = "alice", password: str = PASSWORD,
          path: str = "/api/greader.php/accounts/ClientLogin") -> str:
    response = client.post(path, data={"Email": username, "Passwd": password, "service": "reader",
                                       "accountType": "HOSTED_OR_GOOGLE", "client": "test"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.split("\n")
    assert lines[-1] == "" and [line.split("=", 1)[0] for line in lines[:-1]] == ["SID", "LSID", "Auth"]
    return dict(line.split("=", 1) for line in lines[:-1])["Auth"]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"GoogleLogin auth={token}"}


def ids_of(world: World, source_index: int) -> list[int]:
    """The seeded articles of one source, newest crawl first (seed order is newest first)."""
    return [a for i, a in enumerate(world.articles) if i % 3 == source_index]


# --- pure parts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), [
    ("/accounts/ClientLogin", ("login", "")),
    ("//accounts/ClientLogin", ("login", "")),
    ("/api/greader.php/accounts/ClientLogin", ("login", "")),
    ("//api/greader.php//accounts/ClientLogin", ("login", "")),
    ("/api/greader.php/api/greader.php/accounts/ClientLogin", ("login", "")),
    ("/reader/api/0/token", ("api", "token")),
    ("/api/greader.php/reader/api/0/stream/items/ids", ("api", "stream/items/ids")),
    ("/api/greader.php//reader/api/0/tag/list", ("api", "tag/list")),
    ("/reader/api/0/stream/contents/feed/http://x.example/rss", ("api", "stream/contents/feed/http://x.example/rss")),
    ("/api/greader.php", ("base", "/")),
    ("/api/greader.php/check/compatibility", ("base", "/check/compatibility")),
    ("/", None), ("/api/v1/articles", None), ("/api/greader.phpx/reader/api/0/token", None), ("/reader/api/1/x", None),
])
def test_paths_fold_slashes_and_repeated_prefixes(path: str, expected: tuple[str, str] | None) -> None:
    assert api_path(path) == expected


def test_item_ids_in_every_form() -> None:
    assert long_id(255) == "tag:google.com,2005:reader/item/00000000000000ff"
    for form in ("255", "tag:google.com,2005:reader/item/00000000000000ff", "00000000000000ff", "ff"):
        assert parse_item_id(form) == 255, form
    assert parse_item_id("1234567890") == 1234567890  # short decimal stays decimal
    for bad in ("", "0", "-5", "xyz", "tag:google.com,2005:reader/item/zz", "ffffffffffffffff"):
        assert parse_item_id(bad) is None, bad


def test_streams_and_times() -> None:
    assert parse_stream("feed/12", 7) == Stream("feed", "12")
    assert parse_stream("user/-/label/A/B", 7) == parse_stream("user/7/label/A/B", 7)
    assert parse_stream("user/-/label/A/B", 7) == Stream("label", "A/B")
    assert parse_stream(READING_LIST, 7) == Stream("reading-list")
    assert parse_stream("user/8/label/A", 7) is None and parse_stream("splice/1", 7) is None
    at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    seconds = int(at.timestamp())
    assert {instant(str(seconds * scale)) for scale in (1, 1000, 10**6, 10**9)} == {at}
    assert instant("0") is None and instant("abc") is None and instant(None) is None
    token = edit_token(SECRET, "abc")
    assert len(token) == EDIT_TOKEN_CHARS and token != edit_token(SECRET, "abd")


# --- sign-in --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["http://testserver", "http://testserver/", "http://testserver/api/greader.php",
                                   "http://testserver/api/greader.php/"])
def test_reeder_signs_in_on_whatever_base_was_typed(world: World, typed: str) -> None:
    """Reeder appends /api/greader.php/accounts/ClientLogin to what was typed, other apps
    /accounts/ClientLogin; both then use the same base for /reader/api/0/."""
    with client_for(world) as client:
        for added in ("/api/greader.php", ""):
            token = login(client, path=typed + added + "/accounts/ClientLogin")
            info = client.get(typed + added + "/reader/api/0/user-info", headers=auth(token))
            assert info.status_code == 200, (typed, added)
            assert info.json()["userName"] == "alice"
        # GET with the parameters in the query works as well (FreshRSS takes both)
        got = client.get(typed.rstrip("/") + "/accounts/ClientLogin", params={"Email": "alice", "Passwd": PASSWORD})
        assert got.status_code == 200 and got.text.startswith("SID=")


def test_client_login_answers(world: World) -> None:
    with client_for(world) as client:
        app_token = login(client, password=APP_PASSWORD)  # the app password works too
        assert client.get(f"{API}/token", headers=auth(app_token)).status_code == 200
        as_json = client.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": PASSWORD, "output": "json"})
        assert set(as_json.json()) == {"SID", "LSID", "Auth"}  # Miniflux's output=json
        for data in ({"Email": "alice", "Passwd": "wrong password"}, {"Email": "nobody", "Passwd": PASSWORD},
                     {"Email": "alice"}, {}):
            refused = client.post("/api/greader.php/accounts/ClientLogin", data=data)
            assert refused.status_code == 401 and refused.headers["Google-Bad-Token"] == "true"
        assert client.get("/api/greader.php").text == "OK"
        assert client.get("/api/greader.php/check/compatibility", headers=auth(app_token)).text == "PASS"


def test_a_token_is_checked_on_every_call_and_ends_with_the_sessions(world: World) -> None:
    with client_for(world) as client:
        token = login(client)
        for path in ("/user-info", "/subscription/list", "/stream/items/ids?s=" + READING_LIST, "/no-such-thing"):
            for headers in ({}, auth("not-a-token"), {"Authorization": f"Bearer {token}"}):
                answer = client.get(API + path, headers=headers)
                assert answer.status_code == 401 and answer.headers["Google-Bad-Token"] == "true", path
        assert client.post(f"{API}/edit-tag", data={"i": str(world.articles[0]), "a": READ, "T": "x"}).status_code == 401
        with session_scope(engine_for(world.url)) as session:
            users.end_api_tokens(session, world.alice)
        assert client.get(f"{API}/user-info", headers=auth(token)).status_code == 401


def test_unknown_endpoints_and_formats_answer_as_freshrss(world: World) -> None:
    with client_for(world) as client:
        headers = auth(login(client))
        for path in ("/preference/stream/list", "/friend/list", ""):
            answer = client.get(API + path, headers=headers)
            assert answer.status_code == 400 and answer.text.startswith("Bad Request!")
        assert client.get(f"{API}/tag/list?output=xml", headers=headers).status_code == 501
        assert client.get(f"{API}/tag/list", headers=headers).status_code == 200  # json is the default
        assert client.get(f"{API}/edit-tag?a={READ}&i=1", headers=headers).status_code == 405
        bad = client.get(f"{API}/stream/items/ids?s=splice/1", headers=headers)
        assert bad.status_code == 400


# --- the News+ / Read You sync --------------------------------------------------------------------


def test_news_plus_and_read_you_sync(world: World) -> None:
    """Sign in, then the seven requests of a first sync, each answer checked field by field."""
    with client_for(world) as client:
        token = login(client)
        headers = auth(token)
        # 1. the edit token
        edit = client.get(f"{API}/token", headers=headers)
        assert edit.status_code == 200 and len(edit.text) == EDIT_TOKEN_CHARS and edit.text.isalnum()
        # 2. who am I
        info = client.get(f"{API}/user-info", headers=headers, params={"output": "json"}).json()
        assert info["userId"] == str(world.alice) == info["userProfileId"] and info["userName"] == "alice"
        assert isinstance(info["userEmail"], str)
        # 3. tags: the starred state and the folders as labels
        tags = client.get(f"{API}/tag/list", headers=headers, params={"output": "json"}).json()["tags"]
        assert tags == [{"id": STARRED}, {"id": "user/-/label/News", "label": "News", "type": "folder"}]
        # 4. subscriptions
        subs = client.get(f"{API}/subscription/list", headers=headers, params={"output": "json"}).json()
        s0, s1 = world.sources[0], world.sources[1]
        by_id = {sub["id"]: sub for sub in subs["subscriptions"]}
        assert set(by_id) == {f"feed/{s0}", f"feed/{s1}"}
        first = by_id[f"feed/{s0}"]
        assert first["title"] == "The Harbour Courier"
        assert first["categories"] == [{"id": "user/-/label/News", "label": "News", "type": "folder"}]
        assert first["url"] == "https://outlet1.example/feed.xml" and first["htmlUrl"] == "https://outlet1.example/"
        assert first["iconUrl"] == "https://outlet1.example/favicon.ico"
        assert by_id[f"feed/{s1}"]["categories"] == []
        # 5. unread counts per feed, label and the reading list
        counts = client.get(f"{API}/unread-count", headers=headers, params={"output": "json"}).json()
        table = {row["id"]: row for row in counts["unreadcounts"]}
        assert table[f"feed/{s0}"]["count"] == 10 and table[f"feed/{s1}"]["count"] == 10
        assert table["user/-/label/News"]["count"] == 10 and table[READING_LIST]["count"] == 20
        assert counts["max"] == 20
        newest = int(table[f"feed/{s0}"]["newestItemTimestampUsec"])
        assert newest == int((BASE_TIME + timedelta(minutes=5)).timestamp() * 1_000_000)
        assert table[READING_LIST]["newestItemTimestampUsec"] == str(newest)
        # 6. the unread ids (short decimal strings), newest first
        refs = client.get(f"{API}/stream/items/ids", headers=headers, params={
            "output": "json", "s": READING_LIST, "xt": READ, "n": 1000, "r": "n", "client": "newsplus"}).json()
        mine = sorted(ids_of(world, 0) + ids_of(world, 1), key=world.articles.index)
        assert [ref["id"] for ref in refs["itemRefs"]] == [str(i) for i in mine]
        assert "continuation" not in refs
        # 7. their contents, by POST, in the three id forms
        forms = [str(mine[0]), long_id(mine[1]), f"{mine[2]:016x}"]
        contents = client.post(f"{API}/stream/items/contents", headers=headers,
                               params={"output": "json"}, data={"i": forms, "T": edit.text})
        assert contents.status_code == 200
        items = contents.json()["items"]
        assert [item["id"] for item in items] == [long_id(i) for i in mine[:3]]
        check_item(items[0], world, source_id=s0, folder="News", read=False, starred=False)
        # then the app marks one read and one starred, and the counts follow at once
        marked = client.post(f"{API}/edit-tag", headers=headers, data={"i": str(mine[0]), "a": READ, "T": edit.text})
        assert marked.status_code == 200 and marked.text == "OK"
        client.post(f"{API}/edit-tag", headers=headers, data={"i": long_id(mine[1]), "a": STARRED, "T": edit.text})
        table = {row["id"]: row["count"] for row in
                 client.get(f"{API}/unread-count", headers=headers).json()["unreadcounts"]}
        assert table[f"feed/{s0}"] == 9 and table["user/-/label/News"] == 9 and table[READING_LIST] == 19
        again = client.post(f"{API}/stream/items/contents", headers=headers, data={"i": [str(mine[0]), str(mine[1])]})
        first_two = {item["id"]: item["categories"] for item in again.json()["items"]}
        assert READ in first_two[long_id(mine[0])] and STARRED not in first_two[long_id(mine[0])]
        assert STARRED in first_two[long_id(mine[1])] and READ not in first_two[long_id(mine[1])]
        starred = client.get(f"{API}/stream/items/ids", headers=headers, params={"s": STARRED}).json()
        assert starred["itemRefs"][0]["id"] == str(mine[1]) and len(starred["itemRefs"]) == 1


def check_item(item: dict[str, Any], world: World, *, source_id: int, folder: str | None, read: bool,
               starred: bool) -> None:
    """One item as FreshRSS and Miniflux shape it."""
    assert LONG.match(item["id"])
    article_id = int(item["id"].rsplit("/", 1)[1], 16)
    index = world.articles.index(article_id)
    fetched = BASE_TIME - timedelta(minutes=17 * index) + timedelta(minutes=5)
    published = BASE_TIME - timedelta(minutes=17 * index)
    assert item["timestampUsec"] == str(int(fetched.timestamp() * 1_000_000))
    assert item["crawlTimeMsec"] == str(int(fetched.timestamp() * 1000))
    assert item["published"] == int(published.timestamp()) and isinstance(item["updated"], int)
    assert isinstance(item["title"], str) and item["title"]
    url = f"https://outlet{world.sources.index(source_id) + 1}.example/news/{index}"
    assert item["alternate"] == [{"href": url, "type": "text/html"}] and item["canonical"] == [{"href": url}]
    assert item["summary"]["content"].startswith("<p>")
    assert item["origin"]["streamId"] == f"feed/{source_id}"
    assert item["origin"]["htmlUrl"].startswith("https://outlet") and item["origin"]["title"]
    expected = [READING_LIST] + ([f"user/-/label/{folder}"] if folder else []) + ([READ] if read else []) \
        + ([STARRED] if starred else [])
    assert item["categories"] == expected
    assert isinstance(item.get("author", ""), str)


# --- NetNewsWire's per-feed calls, paging, xt ------------------------------------------------------


def test_netnewswire_per_feed_ids_and_paging(world: World) -> None:
    with client_for(world) as client:
        headers = auth(login(client))
        s1 = world.sources[1]
        feed = ids_of(world, 1)
        whole = client.get(f"{API}/stream/items/ids", headers=headers,
                           params={"s": f"feed/{s1}", "n": 10000, "output": "json"}).json()
        assert [ref["id"] for ref in whole["itemRefs"]] == [str(i) for i in feed]
        assert all(set(ref) == {"id", "directStreamIds", "timestampUsec"} for ref in whole["itemRefs"])
        # pages of 3 with continuation, newest first and oldest first: no repeats, nothing skipped
        for order, expected in (("n", feed), ("o", feed[::-1])):
            seen: list[str] = []
            params: dict[str, str | int] = {"s": f"feed/{s1}", "n": 3, "r": order}
            for _ in range(10):
                page = client.get(f"{API}/stream/items/ids", headers=headers, params=params).json()
                seen += [ref["id"] for ref in page["itemRefs"]]
                if "continuation" not in page:
                    break
                assert isinstance(page["continuation"], str) and page["continuation"].isdigit()
                params["c"] = page["continuation"]
            assert seen == [str(i) for i in expected], order
        # ot: only what was crawled after a time (seconds)
        since = int((BASE_TIME - timedelta(hours=2)).timestamp())
        recent = client.get(f"{API}/stream/items/ids", headers=headers,
                            params={"s": f"feed/{s1}", "ot": since, "n": 100}).json()["itemRefs"]
        cut = [i for i in feed if world.articles.index(i) * 17 - 5 < 120]
        assert [ref["id"] for ref in recent] == [str(i) for i in cut]
        # xt=read really excludes read items, on every kind of stream
        token = client.get(f"{API}/token", headers=headers).text
        client.post(f"{API}/edit-tag", headers=headers, data={"i": [str(i) for i in feed[:4]], "a": READ, "T": token})
        client.post(f"{API}/edit-tag", headers=headers, data={"i": [str(feed[0]), str(feed[5])], "a": STARRED,
                                                               "T": token})
        for stream in (f"feed/{s1}", READING_LIST, STARRED):
            refs = client.get(f"{API}/stream/items/ids", headers=headers,
                              params={"s": stream, "xt": READ, "n": 1000}).json()["itemRefs"]
            got = {int(ref["id"]) for ref in refs}
            assert got and not got & set(feed[:4]), stream
        starred_unread = client.get(f"{API}/stream/items/ids", headers=headers,
                                    params={"s": STARRED, "xt": READ}).json()["itemRefs"]
        assert [ref["id"] for ref in starred_unread] == [str(feed[5])]
        read_ids = client.get(f"{API}/stream/items/ids", headers=headers, params={"s": READ, "n": 100}).json()
        assert [ref["id"] for ref in read_ids["itemRefs"]] == [str(i) for i in feed[:4]]
        # a feed the user does not follow lists nothing
        other = client.get(f"{API}/stream/items/ids", headers=headers, params={"s": f"feed/{world.sources[2]}"})
        assert other.json()["itemRefs"] == []


def test_stream_contents_of_feeds_labels_and_the_reading_list(world: World) -> None:
    with client_for(world) as client:
        headers = auth(login(client))
        s0 = world.sources[0]
        by_path = client.get(f"{API}/stream/contents/feed/{s0}", headers=headers, params={"n": 4}).json()
        assert by_path["id"] == f"feed/{s0}" and by_path["direction"] == "ltr"
        assert by_path["title"] == "The Harbour Courier"
        assert by_path["updated"] == int(SITE_NOW.timestamp()) and by_path["self"][0]["href"].startswith("http")
        assert [item["id"] for item in by_path["items"]] == [long_id(i) for i in ids_of(world, 0)[:4]]
        for item in by_path["items"]:
            check_item(item, world, source_id=s0, folder="News", read=False, starred=False)
        nxt = client.get(f"{API}/stream/contents/feed/{s0}", headers=headers,
                         params={"n": 4, "c": by_path["continuation"]}).json()
        assert [item["id"] for item in nxt["items"]] == [long_id(i) for i in ids_of(world, 0)[4:8]]
        label = client.get(f"{API}/stream/contents/user/-/label/News", headers=headers, params={"n": 50}).json()
        assert len(label["items"]) == 10 and "continuation" not in label and label["title"] == "News"
        # the stream in s= (FeedMe), or none at all (Fluent Reader): the reading list
        variants: list[dict[str, str | int]] = [{"s": READING_LIST, "n": 50}, {"n": 50}]
        for params in variants:
            everything = client.get(f"{API}/stream/contents", headers=headers, params=params).json()
            assert len(everything["items"]) == 20
        quoted = client.get(f"{API}/stream/contents/user%2F-%2Fstate%2Fcom.google%2Freading-list", headers=headers,
                            params={"xt": READ, "n": 50}).json()
        assert len(quoted["items"]) == 20


# --- writes ---------------------------------------------------------------------------------------


def test_feedme_empty_token_and_bad_tokens(world: World) -> None:
    with client_for(world) as client:
        token = login(client)
        headers = auth(token)
        real = client.get(f"{API}/token", headers=headers).text
        article = ids_of(world, 0)
        for n, t in enumerate(("", "x", real, None)):
            data = {"i": str(article[n]), "a": READ}
            if t is not None:
                data["T"] = t
            assert client.post(f"{API}/edit-tag", headers=headers, data=data).text == "OK"
        refused = client.post(f"{API}/edit-tag", headers=headers, data={"i": str(article[5]), "a": READ, "T": "Z" * 57})
        assert refused.status_code == 401 and refused.headers["Google-Bad-Token"] == "true"
        other_token = edit_token(SECRET, login(client))  # another sign-in's edit token is not this one's
        assert client.post(f"{API}/edit-tag", headers=headers,
                           data={"i": str(article[5]), "a": READ, "T": other_token}).status_code == 401
        states = client.post(f"{API}/stream/items/contents", headers=headers,
                             data={"i": [str(i) for i in article[:6]]}).json()["items"]
        assert [READ in item["categories"] for item in states] == [True] * 4 + [False] * 2


def _bulk_articles(url: str, source_id: int, count: int) -> list[int]:
    rng = random.Random(3)
    rows = []
    for i in range(count):
        fields = article_fields(1000 + i, rng, source_id)
        fields["url"] = fields["canonical_url"] = f"https://bulk.example/{i}"
        fields["content_hash"] = f"b{i:063x}"
        fields["fetched_at"] = BASE_TIME - timedelta(days=3, seconds=i)
        rows.append(fields)
    with session_scope(engine_for(url)) as session:
        session.execute(insert(Article), rows)
    with engine_for(url).connect() as conn:
        return list(conn.scalars(select(Article.id).where(Article.url.like("https://bulk.example/%"))
                                 .order_by(Article.id)))


def test_a_2000_id_edit_tag_is_one_bounded_write(world: World) -> None:
    bulk = _bulk_articles(world.url, world.sources[1], 2000)
    forms = [(str(i), long_id(i), f"{i:016x}")[n % 3] for n, i in enumerate(bulk)]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with client_for(world) as client:
        headers = auth(login(client))
        before = client.get(f"{API}/unread-count", headers=headers).json()["max"]
        token = client.get(f"{API}/token", headers=headers).text
        event.listen(engine_for(world.url), "before_cursor_execute", count)
        try:
            marked = client.post(f"{API}/edit-tag", headers=headers, data={"i": forms, "a": READ, "T": token})
        finally:
            event.remove(engine_for(world.url), "before_cursor_execute", count)
        assert marked.status_code == 200 and marked.text == "OK"
        # not a statement per id: the store works in chunks (500 ids an IN list)
        assert len(statements) < 40, len(statements)
        after = client.get(f"{API}/unread-count", headers=headers).json()["max"]
        assert before - after == 2000
        unread = client.get(f"{API}/stream/items/ids", headers=headers,
                            params={"s": f"feed/{world.sources[1]}", "xt": READ, "n": 10000}).json()["itemRefs"]
        assert len(unread) == 10  # the seeded ten remain
        too_many = client.post(f"{API}/edit-tag", headers=headers,
                               data={"i": [str(i) for i in range(1, 10_002)], "a": READ, "T": token})
        assert too_many.status_code == 400


def test_mark_all_as_read_up_to_a_time(world: World) -> None:
    with client_for(world) as client:
        headers = auth(login(client))
        token = client.get(f"{API}/token", headers=headers).text
        feed = ids_of(world, 0)
        cut = world.articles.index(feed[3])  # everything crawled at or before the fourth-newest
        ts = int((BASE_TIME - timedelta(minutes=17 * cut) + timedelta(minutes=5)).timestamp() * 1_000_000)
        done = client.post(f"{API}/mark-all-as-read", headers=headers,
                           data={"s": "user/-/label/News", "ts": str(ts), "T": token})
        assert done.text == "OK"
        table = {r["id"]: r["count"] for r in client.get(f"{API}/unread-count", headers=headers).json()["unreadcounts"]}
        assert table["user/-/label/News"] == 3 and table[f"feed/{world.sources[1]}"] == 10
        left = client.get(f"{API}/stream/items/ids", headers=headers,
                          params={"s": f"feed/{world.sources[0]}", "xt": READ}).json()["itemRefs"]
        assert [r["id"] for r in left] == [str(i) for i in feed[:3]]
        client.post(f"{API}/mark-all-as-read", headers=headers, data={"s": READING_LIST, "T": token})
        assert client.get(f"{API}/unread-count", headers=headers).json()["max"] == 0


def test_two_users_never_see_each_others_state(world: World) -> None:
    with client_for(world) as client:
        alice, bob = auth(login(client, "alice")), auth(login(client, "bob"))
        shared = ids_of(world, 0)  # both follow source 0
        alice_only = ids_of(world, 1)
        bob_token = client.get(f"{API}/token", headers=bob).text
        client.post(f"{API}/edit-tag", headers=bob, data={"i": [str(i) for i in shared[:5]], "a": READ, "T": bob_token})
        client.post(f"{API}/edit-tag", headers=bob, data={"i": str(shared[0]), "a": STARRED, "T": bob_token})
        # bob cannot touch what he does not follow
        client.post(f"{API}/edit-tag", headers=bob, data={"i": [str(i) for i in alice_only], "a": READ, "T": bob_token})
        counts = {r["id"]: r["count"] for r in client.get(f"{API}/unread-count", headers=alice).json()["unreadcounts"]}
        assert counts[f"feed/{world.sources[0]}"] == 10 and counts[f"feed/{world.sources[1]}"] == 10
        assert client.get(f"{API}/stream/items/ids", headers=alice, params={"s": STARRED}).json()["itemRefs"] == []
        bob_counts = {r["id"]: r["count"] for r in client.get(f"{API}/unread-count", headers=bob).json()["unreadcounts"]}
        assert bob_counts[f"feed/{world.sources[0]}"] == 5 and f"feed/{world.sources[1]}" not in bob_counts
        assert {t["id"] for t in client.get(f"{API}/tag/list", headers=bob).json()["tags"]} == {
            STARRED, "user/-/label/Mine"}
        assert client.post(f"{API}/stream/items/contents", headers=bob,
                           data={"i": [str(i) for i in alice_only]}).json()["items"] == []
        # and bob's edit token is not alice's
        assert client.post(f"{API}/edit-tag", headers=alice,
                           data={"i": str(shared[1]), "a": READ, "T": bob_token}).status_code == 401


def test_subscriptions_and_folders_from_the_app(world: World) -> None:
    s0, s1, s2 = world.sources
    with client_for(world) as client:
        headers = auth(login(client))
        token = client.get(f"{API}/token", headers=headers).text

        def subs() -> dict[str, dict[str, Any]]:
            answer = client.get(f"{API}/subscription/list", headers=headers).json()["subscriptions"]
            return {sub["id"]: sub for sub in answer}

        def edit(**data: str) -> None:
            answer = client.post(f"{API}/subscription/edit", headers=headers, data={**data, "T": token})
            assert answer.status_code == 200 and answer.text == "OK", answer.text

        edit(ac="edit", s=f"feed/{s1}", a="user/-/label/Later", t="Outlet Two")
        assert subs()[f"feed/{s1}"]["title"] == "Outlet Two"
        assert subs()[f"feed/{s1}"]["categories"][0]["id"] == "user/-/label/Later"
        edit(ac="edit", s=f"feed/{s1}", r="user/-/label/Later")
        assert subs()[f"feed/{s1}"]["categories"] == []
        edit(ac="subscribe", s=f"feed/{s2}", a="user/-/label/News")
        assert subs()[f"feed/{s2}"]["categories"][0]["label"] == "News"
        renamed = client.post(f"{API}/rename-tag", headers=headers,
                              data={"s": "user/-/label/News", "dest": "user/-/label/Daily", "T": token})
        assert renamed.text == "OK"
        assert {t["id"] for t in client.get(f"{API}/tag/list", headers=headers).json()["tags"]} == {
            STARRED, "user/-/label/Daily"}
        assert client.post(f"{API}/disable-tag", headers=headers,
                           data={"s": "user/-/label/Daily", "T": token}).text == "OK"
        assert all(sub["categories"] == [] for sub in subs().values()) and len(subs()) == 3
        assert client.post(f"{API}/rename-tag", headers=headers,
                           data={"s": "user/-/label/Gone", "dest": "user/-/label/X", "T": token}).status_code == 400
        edit(ac="unsubscribe", s=f"feed/{s2}")
        assert set(subs()) == {f"feed/{s0}", f"feed/{s1}"}
        # a feed the site already has, by URL: no fetch needed
        added = client.post(f"{API}/subscription/quickadd", headers=headers,
                            data={"quickadd": "https://outlet3.example/feed.xml", "T": token}).json()
        assert added == {"query": "https://outlet3.example/feed.xml", "numResults": 1, "streamId": f"feed/{s2}",
                         "streamName": "Outlet 3"}
        refused = client.post(f"{API}/subscription/quickadd", headers=headers, data={"quickadd": "ftp://x", "T": token})
        assert refused.status_code == 200 and refused.json()["numResults"] == 0 and refused.json()["error"]


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback Gazette</title>
<link>{home}</link><item><title>First</title><link>{home}a1</link><guid>{home}a1</guid></item></channel></rss>"""


def test_quickadd_follows_a_new_feed_through_the_guarded_path(world: World, origin: Origin) -> None:
    feed_url = origin.route("/feed.xml", RSS.format(home=origin.url("/")), content_type="application/rss+xml")
    with client_for(world) as client:
        headers = auth(login(client))
        added = client.post(f"{API}/subscription/quickadd", headers=headers, params={"output": "json"},
                            data={"quickadd": feed_url, "T": "x"}).json()
        assert added["numResults"] == 1 and added["streamName"] == "Loopback Gazette"
        assert added["streamId"].startswith("feed/") and origin.hits("/feed.xml") == 1
        subs = client.get(f"{API}/subscription/list", headers=headers).json()["subscriptions"]
        assert {"id": added["streamId"], "url": feed_url} in [{"id": s["id"], "url": s["url"]} for s in subs]


# --- a maintained client library, against a live server --------------------------------------------


@contextmanager
def served(world: World) -> Iterator[str]:
    """The app under uvicorn on a socket bound beforehand (as tests/test_web_security.py does)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    settings = load_settings(database_url=world.url, secret_key=SECRET)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, secret=SECRET, clock=lambda: SITE_NOW),
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def test_the_google_reader_client_library_syncs(world: World) -> None:
    """``google-reader`` (PyPI; written against Miniflux and FreshRSS) drives a live server."""
    with served(world) as base:
        client = google_reader.Client(base + "/api/greader.php")
        token = client.login("alice", PASSWORD)
        assert token.TokenType == "GoogleLogin"
        edit = client.get_token(token)
        assert len(edit) == EDIT_TOKEN_CHARS
        assert client.get_user_info(token).user_name == "alice"
        subs = client.list_subscriptions(token)
        assert {s.id for s in subs} == {f"feed/{world.sources[0]}", f"feed/{world.sources[1]}"}
        news = next(s for s in subs if s.categories)
        assert news.categories[0].id == "user/-/label/News" and news.categories[0].type == "folder"
        assert [t.id for t in client.list_tags(token)] == [STARRED, "user/-/label/News"]
        unread = client.get_stream_items_ids(token, READING_LIST, limit=5, exclude_target=READ)
        assert len(unread.item_refs) == 5 and unread.continuation
        more = client.get_stream_items_ids(token, READING_LIST, limit=50, exclude_target=READ,
                                           continuation=unread.continuation)
        assert len(unread.item_refs) + len(more.item_refs) == 20
        ids = [ref.id for ref in unread.item_refs]
        contents = client.get_stream_items_contents(token, edit, ids)
        assert [item.id for item in contents.items] == [google_reader.get_long_item_id(int(i)) for i in ids]
        assert all(item.origin.stream_id.startswith("feed/") and item.summary.content for item in contents.items)
        assert client.edit_tags(token, edit, ids[:2], add_tags=[READ, STARRED])
        left = client.get_stream_items_ids(token, READING_LIST, limit=100, exclude_target=READ)
        assert len(left.item_refs) == 18
        starred = client.get_stream_items_ids(token, STARRED)
        assert {ref.id for ref in starred.item_refs} == set(ids[:2])
        assert client.edit_subscription(token, edit, f"feed/{world.sources[1]}", "edit",
                                        add_label_id="user/-/label/Later", title="Renamed")
        assert client.rename_tag(token, edit, "user/-/label/Later", "Soon")
        assert "user/-/label/Soon" in [t.id for t in client.list_tags(token)]
        assert client.disable_tag(token, edit, "user/-/label/Soon")
        assert client.mark_all_as_read(token, edit, f"feed/{world.sources[0]}")
        with pytest.raises(google_reader.AuthenticationError):
            client.login("alice", "wrong password")
