"""Readers through the web pages, on both backends: two users never see each other's state, every
write needs its CSRF token, a log-out really ends the session (and the app tokens), readers get
403 on admin pages, sign-up is off by default, My feed's keyset pages and "mark all as read", and
OPML out and in with folders kept."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from newsdesk.store import reading, users
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Feed, Source
from tests.support.webdata import BASE_TIME, seed_articles
from tests.test_web_security import PASSWORD, client_for, csrf_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ITEM = re.compile(r'<article class="teaser my-item( is-read)?" data-id="(\d+)">')


@pytest.fixture
def readers_db(db_url: str) -> str:
    seed_articles(db_url, 12, sources=3)
    with session_scope(engine_for(db_url)) as session:
        for name in ("ann", "bob"):
            users.create_user(session, name, PASSWORD, role="reader")
        users.create_user(session, "root", PASSWORD, role="admin")
    return db_url


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next_path: str = "") -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "username": username, "password": password,
                                       "next": next_path}, follow_redirects=False)


def source_ids(url: str) -> list[int]:
    with session_scope(engine_for(url)) as session:
        return list(session.scalars(select(Source.id).order_by(Source.id)))


def post(client: TestClient, path: str, data: dict[str, Any], page: str = "/my") -> Any:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def shown(client: TestClient, path: str = "/my?state=all") -> dict[int, bool]:
    """The items a page shows: article id → read."""
    return {int(m.group(2)): bool(m.group(1)) for m in ITEM.finditer(client.get(path).text)}


def test_two_users_never_see_each_others_state(readers_db: str) -> None:
    first, second, third = source_ids(readers_db)
    with client_for(readers_db) as ann, client_for(readers_db) as bob:
        assert sign_in(ann, "ann").headers["location"] == "/my"
        assert sign_in(bob, "bob").status_code == 303
        for client, sources in ((ann, (first, second)), (bob, (first, third))):
            for sid in sources:
                out = post(client, "/my/subscriptions/follow", {"source": sid, "folder": "News"},
                           "/my/subscriptions")
                assert out.status_code == 303
        ann_items, bob_items = shown(ann), shown(bob)
        assert len(ann_items) == len(bob_items) == 8 and not any(ann_items.values())
        common = sorted(set(ann_items) & set(bob_items))
        ann_only = sorted(set(ann_items) - set(bob_items))
        assert post(ann, "/my/mark", {"id": [common[0], ann_only[0]], "action": "read",
                                      "back": "/my?state=all"}).headers["location"] == "/my?state=all"
        post(ann, "/my/mark", {"id": common[1], "action": "star"})
        assert shown(ann)[common[0]] and shown(ann)[ann_only[0]]
        assert not any(shown(bob).values())  # bob's copy of the shared source is untouched
        assert "★ starred" not in bob.get("/my?state=starred").text
        assert common[1] in shown(ann, "/my?state=starred")
        # bob marking an article of ann's only source does nothing (not his)
        post(bob, "/my/mark", {"id": ann_only[1], "action": "read"})
        assert not shown(ann)[ann_only[1]]
        unread_ann = set(shown(ann, "/my"))
        assert common[0] not in unread_ann and len(unread_ann) == 6
        assert len(shown(bob, "/my")) == 8
        # the subscriptions page lists only one's own
        page = bob.get("/my/subscriptions").text
        assert f'/my/subscriptions/{third}/unfollow' in page and f'/my/subscriptions/{second}/unfollow' not in page


def test_writes_without_the_csrf_token_are_refused(readers_db: str) -> None:
    first = source_ids(readers_db)[0]
    with client_for(readers_db) as client:
        sign_in(client, "ann")
        client.get("/my")
        for path, data in (("/my/mark", {"id": 1, "action": "read"}), ("/my/subscriptions/follow", {"source": first}),
                           ("/my/mark-all", {"before": "1"}), ("/logout", {}), ("/my/subscriptions/add",
                                                                             {"url": "https://a.example/"})):
            assert client.post(path, data=data, follow_redirects=False).status_code == 403, path
            forged = client.post(path, data={**data, "csrf": "forged"}, follow_redirects=False)
            assert forged.status_code == 403
        token = csrf_of(client.get("/my").text)
        cross = client.post("/my/subscriptions/follow", data={"csrf": token, "source": first},
                            headers={"Origin": "https://evil.example"}, follow_redirects=False)
        assert cross.status_code == 403
        assert shown(client) == {}  # nothing was followed


def test_a_copied_cookie_and_app_tokens_stop_working_after_log_out(readers_db: str) -> None:
    with client_for(readers_db) as client:
        sign_in(client, "ann")
        cookie = client.cookies.get("nd_admin")
        assert cookie and client.get("/my", follow_redirects=False).status_code == 200
        with session_scope(engine_for(readers_db)) as session:
            ann = users.find_user(session, "ann")
            assert ann is not None
            token = users.issue_api_token(session, ann.id)
        out = post(client, "/logout", {})
        assert out.status_code == 303
    with client_for(readers_db) as thief:
        thief.cookies.set("nd_admin", cookie)
        again = thief.get("/my", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"].startswith("/login")
    with session_scope(engine_for(readers_db)) as session:
        assert users.api_token_user(session, token) is None


def test_readers_get_403_on_admin_pages_and_admins_get_in(readers_db: str) -> None:
    with client_for(readers_db) as reader:
        sign_in(reader, "ann")
        for path in ("/admin", "/admin/comments", "/admin/sources", "/admin/health"):
            assert reader.get(path, follow_redirects=False).status_code == 403, path
        token = csrf_of(reader.get("/my").text)
        assert reader.post(f"/admin/sources/{source_ids(readers_db)[0]}/pause", data={"csrf": token},
                           follow_redirects=False).status_code == 403
        with session_scope(engine_for(readers_db)) as session:
            assert all(f.status == "active" for f in session.scalars(select(Feed)))
    with client_for(readers_db) as admin:
        assert sign_in(admin, "root", next_path="/admin/comments").headers["location"] == "/admin/comments"
        assert admin.get("/admin/comments").status_code == 200
        assert admin.get("/my").status_code == 200  # an admin is a reader too


def test_sign_in_needs_the_right_password_and_my_feed_needs_sign_in(readers_db: str) -> None:
    with client_for(readers_db) as client:
        anonymous = client.get("/my?state=all", follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/my%3Fstate%3Dall"
        assert sign_in(client, "ann", "wrong-password").status_code == 401
        # a next that leaves the site is ignored
        assert sign_in(client, "ann", next_path="//evil.example/").headers["location"] == "/my"
        assert client.get("/").status_code == 200  # the shared site stays public and the same


def test_sign_up_is_off_by_default_and_makes_readers_when_on(readers_db: str) -> None:
    with client_for(readers_db) as client:
        assert client.get("/signup").status_code == 404
        assert client.post("/signup", data={"username": "eve", "password": PASSWORD}).status_code == 404
    with client_for(readers_db, signup_enabled=True) as client:
        token = csrf_of(client.get("/signup").text)
        taken = client.post("/signup", data={"csrf": token, "username": "ann", "password": PASSWORD,
                                             "password2": PASSWORD})
        assert taken.status_code == 422 and "taken" in taken.text
        made = client.post("/signup", data={"csrf": token, "username": "eve", "password": PASSWORD,
                                            "password2": PASSWORD}, follow_redirects=False)
        assert made.status_code == 303 and made.headers["location"] == "/my/subscriptions"
        assert client.get("/my/subscriptions").status_code == 200
        assert client.get("/admin/comments", follow_redirects=False).status_code == 403
    with session_scope(engine_for(readers_db)) as session:
        eve = users.find_user(session, "eve")
        assert eve is not None and eve.role == "reader"


def test_keyset_pages_and_mark_all_read_up_to_the_newest_shown(readers_db: str) -> None:
    sources = source_ids(readers_db)
    with client_for(readers_db, my_page_size=5) as client:
        sign_in(client, "ann")
        for sid in sources:
            post(client, "/my/subscriptions/follow", {"source": sid}, "/my/subscriptions")
        seen: list[int] = []
        path: str | None = "/my?state=all"
        while path:
            page = client.get(path).text
            seen += [int(m.group(2)) for m in ITEM.finditer(page)]
            older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', page)
            path = unescape(older.group(1)) if older else None
        assert len(seen) == 12 and len(set(seen)) == 12
        # an article arrives after the page was shown: "mark all as read" spares it
        first_page = client.get("/my").text
        with session_scope(engine_for(readers_db)) as session:
            late = Article(source_id=sources[0], url="https://late.example/1", canonical_url="https://late.example/1",
                           title="Late", content_hash="late", fetched_at=BASE_TIME + timedelta(hours=2))
            session.add(late)
            session.flush()
            late_id = late.id
        form = re.search(r'action="/my/mark-all".*?name="before" value="(\d+)"', first_page, re.S)
        assert form
        done = client.post("/my/mark-all", data={"csrf": csrf_of(first_page), "before": form.group(1),
                                                 "back": "/my"}, follow_redirects=False)
        assert done.status_code == 303
        assert list(shown(client, "/my")) == [late_id]
        with session_scope(engine_for(readers_db)) as session:
            ann = users.find_user(session, "ann")
            assert ann is not None and reading.unread_counts(session, ann.id)[2] == 1


def test_opml_out_and_in_keeps_folders(readers_db: str) -> None:
    first, second, _ = source_ids(readers_db)
    with client_for(readers_db) as ann:
        sign_in(ann, "ann")
        post(ann, "/my/subscriptions/follow", {"source": first, "folder": "World/Europe"}, "/my/subscriptions")
        post(ann, "/my/subscriptions/follow", {"source": second}, "/my/subscriptions")
        exported = ann.get("/my/opml")
        assert exported.status_code == 200 and "opml" in exported.headers["content-type"]
        assert 'text="World"' in exported.text and 'text="Europe"' in exported.text
    extra = exported.text.replace("</body>", '<outline text="Tech"><outline type="rss" text="New outlet" '
                                  'xmlUrl="https://new-outlet.example/feed.xml"/></outline></body>')
    with client_for(readers_db) as bob:
        sign_in(bob, "bob")
        token = csrf_of(bob.get("/my/subscriptions").text)
        done = bob.post("/my/opml", data={"csrf": token}, files={"opml": ("subs.opml", extra.encode(), "text/xml")})
        assert done.status_code == 200 and "3 followed" in done.text
        without = bob.post("/my/opml", files={"opml": ("subs.opml", extra.encode(), "text/xml")})
        assert without.status_code == 403
    with session_scope(engine_for(readers_db)) as session:
        bob_user = users.find_user(session, "bob")
        assert bob_user is not None
        folders = {s.name: s.folder for s in reading.subscriptions(session, bob_user.id)}
        assert sorted(folders.values(), key=str) == sorted(["World/Europe", None, "Tech"], key=str)
        assert reading.folders(session, bob_user.id) == ["Tech", "World/Europe"]


def test_a_reader_adding_an_internal_address_is_refused(readers_db: str) -> None:
    with client_for(readers_db, fetch_allow_private_networks=False) as client:
        sign_in(client, "ann")
        page = client.get("/my/subscriptions").text
        out = client.post("/my/subscriptions/add", data={"csrf": csrf_of(page), "url": "http://127.0.0.1:9/feed",
                                                         "folder": "X"})
        assert out.status_code == 422 and "refused" in out.text
    with session_scope(engine_for(readers_db)) as session:
        assert session.scalar(select(Feed).where(Feed.url.like("%127.0.0.1%"))) is None


def test_subscription_edits_through_the_page(readers_db: str) -> None:
    first, second, _ = source_ids(readers_db)
    with client_for(readers_db) as client:
        sign_in(client, "ann")
        for sid in (first, second):
            post(client, "/my/subscriptions/follow", {"source": sid, "folder": "A"}, "/my/subscriptions")
        post(client, f"/my/subscriptions/{first}/edit", {"folder": "B", "title": "Mine"}, "/my/subscriptions")
        post(client, "/my/folders/rename", {"old": "A", "new": "C"}, "/my/subscriptions")
        post(client, f"/my/subscriptions/{second}/unfollow", {}, "/my/subscriptions")
        page = client.get("/my").text
        assert "Mine" in page and ">B<" in page and ">C<" not in page
        assert len(shown(client)) == 4
