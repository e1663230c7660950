"""An article whose date is unknown claims none: not on its page, not in any feed of the site.

Before, every feed gave an undated item the list's newest fetch time, so a page from 2014 whose date
no source stated showed in feed readers as published today.
"""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import pytest

from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Source
from newsdesk.store.search import index_article
from tests.test_web import make_client

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CAPTURED = datetime(2014, 2, 16, 5, 2, 21, tzinfo=UTC)  # when the archive captured the undated page
NEWEST_FETCH = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PUBLISHED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def seed(db_url: str) -> tuple[int, int]:
    with session_scope(engine_for(db_url)) as session:
        source = Source(name="Archive Outlet", home_url="https://old.example/")
        session.add(source)
        session.flush()
        ids = []
        for slug, published, fetched in (("old", None, CAPTURED), ("new", PUBLISHED, NEWEST_FETCH)):
            article = Article(source_id=source.id, url=f"https://old.example/{slug}",
                              canonical_url=f"https://old.example/{slug}", title=f"The {slug} story",
                              text="Body text of the story.", html="<p>Body text of the story.</p>", lang="en",
                              content_hash=(slug * 22)[:64], published_at=published, fetched_at=fetched, authors=[])
            session.add(article)
            session.flush()
            index_article(session, article)
            ids.append(article.id)
    return ids[0], ids[1]


def test_undated_article_claims_no_date_in_feeds_or_on_its_page(db_url: str) -> None:
    old_id, new_id = seed(db_url)
    with make_client(db_url) as client:
        rss = feedparser.parse(client.get("/feed.rss").content)
        by_title = {e.title: e for e in rss.entries}
        assert "published_parsed" not in by_title["The old story"]
        assert by_title["The new story"].published_parsed[:4] == (2026, 11, 1, 8)

        atom = feedparser.parse(client.get("/feed.atom").content)
        old_entry = next(e for e in atom.entries if e.title == "The old story")
        assert "published" not in old_entry
        assert old_entry.updated_parsed[:3] == (2014, 2, 16)  # Atom requires a date: its own capture time

        items = {i["title"]: i for i in client.get("/feed.json").json()["items"]}
        assert "date_published" not in items["The old story"]
        assert items["The new story"]["date_published"].startswith("2026-11-01T08:00")

        page = client.get(f"/article/{old_id}").text
        assert "2026" not in page.split("<article", 1)[-1].split("</article>", 1)[0]
        assert "2026-11-01" in client.get(f"/article/{new_id}").text
