"""One reader's state is one state, whichever door it came through: marks made on the web pages,
through the Google Reader API and through the Fever API, in any order, leave the unread counts and
lists of all three (and of the store) agreeing with a plain model of what was marked. Both backends."""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from starlette.testclient import TestClient

from newsdesk.store import reading, users
from newsdesk.store.db import engine_for, session_scope
from tests.support.webdata import seed_articles
from tests.test_web_readers import sign_in
from tests.test_web_security import PASSWORD, client_for, csrf_of

APP_PASSWORD = "app-password-for-phones"
API = "/api/greader.php/reader/api/0"
READ_TAG = "user/-/state/com.google/read"
READING_LIST = "user/-/state/com.google/reading-list"
ITEM = re.compile(r'<article class="teaser my-item( is-read)?" data-id="(\d+)">')


def _fever(client: TestClient, query: str = "", **form: Any) -> dict[str, Any]:
    form["api_key"] = hashlib.md5(f"alice:{APP_PASSWORD}".encode()).hexdigest()  # noqa: S324 - the protocol's
    answer = client.post("/fever/?api" + (f"&{query}" if query else ""), data=form)
    assert answer.status_code == 200 and answer.json()["auth"] == 1
    body: dict[str, Any] = answer.json()
    return body


def test_web_greader_and_fever_marks_in_any_order_keep_every_count_right(db_url: str) -> None:
    seeded = seed_articles(db_url, 24, sources=2)
    with session_scope(engine_for(db_url)) as session:
        alice = users.create_user(session, "alice", PASSWORD, role="reader").id
        users.set_app_password(session, alice, APP_PASSWORD)
        for source_id in seeded.source_ids:
            reading.subscribe(session, alice, source_id, folder="News")
    articles = list(seeded.article_ids)
    with client_for(db_url, my_page_size=100) as web, client_for(db_url) as app:
        assert sign_in(web, "alice").status_code in (302, 303)
        login = app.post("/api/greader.php/accounts/ClientLogin", data={"Email": "alice", "Passwd": PASSWORD})
        token = dict(line.split("=", 1) for line in login.text.strip().split("\n"))["Auth"]
        header = {"Authorization": f"GoogleLogin auth={token}"}
        edit = app.get(f"{API}/token", headers=header).text.strip()

        def mark_web(article_id: int, read: bool) -> None:
            page = web.get("/my?state=all").text
            done = web.post("/my/mark", data={"csrf": csrf_of(page), "id": article_id,
                                              "action": "read" if read else "unread"}, follow_redirects=False)
            assert done.status_code in (302, 303), done.text

        def mark_greader(article_id: int, read: bool) -> None:
            done = app.post(f"{API}/edit-tag", headers=header,
                            data={"i": str(article_id), ("a" if read else "r"): READ_TAG, "T": edit})
            assert done.status_code == 200 and done.text.strip() == "OK", done.text

        def mark_fever(article_id: int, read: bool) -> None:
            _fever(app, mark="item", id=str(article_id), **{"as": "read" if read else "unread"})

        unread = set(articles)
        rng = random.Random(20261202)
        channels = (mark_web, mark_greader, mark_fever)
        for step in range(45):
            article_id, read = rng.choice(articles), rng.random() < 0.6
            rng.choice(channels)(article_id, read)
            (unread.discard if read else unread.add)(article_id)
            with session_scope(engine_for(db_url)) as session:
                per_source, per_folder, total = reading.unread_counts(session, alice)
            assert total == len(unread) == per_folder.get("News", 0) == sum(per_source.values()), step
            fever_ids = _fever(app, "unread_item_ids")["unread_item_ids"]
            assert {int(i) for i in fever_ids.split(",") if i} == unread, step
            counts = app.get(f"{API}/unread-count?output=json", headers=header).json()["unreadcounts"]
            assert {c["id"]: c["count"] for c in counts}.get(READING_LIST, 0) == len(unread), step
            ids = app.get(f"{API}/stream/items/ids?s={READING_LIST}&xt={READ_TAG}&n=1000&output=json",
                          headers=header).json().get("itemRefs", [])
            assert {int(ref["id"]) for ref in ids} == unread, step
            shown = {int(m.group(2)) for m in ITEM.finditer(web.get("/my?state=unread").text)}
            assert shown == unread, step
