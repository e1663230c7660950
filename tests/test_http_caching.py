"""HTTP validators of the article page: comments move Last-Modified, anonymous readers share an ETag.

On both backends: the page's Last-Modified counts the newest shown comment, so a conditional GET
after an approval is a 200 with the comment; the article page's ETag names the cached page (never
the reader's CSRF token), so two cookieless readers get the same tag and a revalidation is a 304.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from newsdesk.settings import load_settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Comment
from newsdesk.web.app import create_app
from tests.support.webdata import Seeded, seed_articles

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def seeded(db_url: str) -> Seeded:
    return seed_articles(db_url, 6, sources=2)


@pytest.fixture
def app(db_url: str, seeded: Seeded) -> Iterator[object]:
    settings = load_settings(database_url=db_url, secret_key="test-secret")
    yield create_app(settings, stale_grace=0)  # a write made elsewhere shows at once


def anonymous(app: object) -> TestClient:
    """A client of its own, so no cookie from an earlier request is sent."""
    return TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]


def approve_comment(url: str, article_id: int, body: str) -> None:
    """A comment approved a day after the article was fetched (times fixed, not today's)."""
    with session_scope(engine_for(url)) as session:
        fetched = session.get(Article, article_id).fetched_at  # type: ignore[union-attr]
        session.add(Comment(article_id=article_id, author_name="Reader", body=body, status="published",
                            ip_hash="0" * 64, created_at=fetched + timedelta(hours=2),
                            moderated_at=fetched + timedelta(days=1)))


def test_an_approved_comment_moves_last_modified(app: object, db_url: str, seeded: Seeded) -> None:
    article_id = seeded.article_ids[2]
    with anonymous(app) as client:
        first = client.get(f"/article/{article_id}")
        assert first.status_code == 200 and "Well reported." not in first.text
        modified = first.headers["last-modified"]
        assert client.get(f"/article/{article_id}", headers={"If-Modified-Since": modified}).status_code == 304
        approve_comment(db_url, article_id, "Well reported.")
        again = client.get(f"/article/{article_id}", headers={"If-Modified-Since": modified})
        assert again.status_code == 200 and "Well reported." in again.text
        assert again.headers["last-modified"] != modified
        assert client.get(f"/article/{article_id}",
                          headers={"If-Modified-Since": again.headers["last-modified"]}).status_code == 304


def test_anonymous_readers_share_the_article_etag(app: object, seeded: Seeded) -> None:
    path = f"/article/{seeded.article_ids[1]}"
    with anonymous(app) as one, anonymous(app) as two:
        a, b = one.get(path), two.get(path)
        assert a.status_code == b.status_code == 200
        assert a.cookies.get("nd_csrf") != b.cookies.get("nd_csrf")  # each reader still has a token
        assert a.headers["etag"] == b.headers["etag"]
    with anonymous(app) as three:
        revalidated = three.get(path, headers={"If-None-Match": a.headers["etag"]})
        assert revalidated.status_code == 304 and revalidated.content == b""
    with anonymous(app) as four:  # a reader with a cookie revalidates against the same tag
        four.get(path)
        assert four.get(path, headers={"If-None-Match": a.headers["etag"]}).status_code == 304


def test_the_etag_does_not_depend_on_the_process(db_url: str, seeded: Seeded) -> None:
    """Each worker process has its own CSRF placeholder; the ETag must not carry it."""
    settings = load_settings(database_url=db_url, secret_key="test-secret")
    path = f"/article/{seeded.article_ids[0]}"
    with anonymous(create_app(settings)) as one, anonymous(create_app(settings)) as two:
        assert one.get(path).headers["etag"] == two.get(path).headers["etag"]
