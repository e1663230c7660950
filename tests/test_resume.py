"""A crawl killed with SIGKILL at a random moment is finished by the next run: nothing lost, no duplicate."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, ArticleUrl, Entry
from tests.support.origin import Origin, Response
from tests.support.pages import article_page, rss, unique_paragraphs

PAGES = 40


def run_cli(db_url: str, *args: str, **popen: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db_url, "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS": "true",
           "NEWSDESK_FETCH_PER_HOST_DELAY": "0", "NEWSDESK_EXTRACT_WORKERS": "1"}
    return subprocess.Popen([sys.executable, "-m", "newsdesk", *args], env=env,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)  # type: ignore[call-overload]


def test_sigkill_then_resume(db_url: str, origin: Origin) -> None:
    for i in range(PAGES):
        # a small delay per page makes the crawl last long enough to be killed in the middle
        origin.route(f"/n/{i}", Response(article_page(f"Story {i}", unique_paragraphs(i)), delay=0.08))
    origin.route("/feed.xml", rss([{"title": f"S{i}", "link": origin.url(f"/n/{i}"), "guid": str(i)}
                                   for i in range(PAGES)]), content_type="application/rss+xml")
    add = run_cli(db_url, "sources", "add", origin.url("/feed.xml"))
    assert add.wait(60) == 0, add.stderr.read() if add.stderr else ""

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    kills = 0
    for _ in range(3):
        proc = run_cli(db_url, "crawl")
        time.sleep(rng.uniform(0.3, 2.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(30)
        with session_scope(engine_for(db_url)) as session:
            stored = session.scalar(select(func.count()).select_from(Article))
            done = session.scalar(select(func.count()).select_from(Entry).where(Entry.status == "done"))
            assert stored == done, f"seed {seed}: an article without its entry marked, or the reverse"
        # make the feed due again, as the next scheduled pass would
        with session_scope(engine_for(db_url)) as session:
            from newsdesk.store.schema import Feed

            for feed in session.scalars(select(Feed)):
                feed.next_check_at = None

    final = run_cli(db_url, "crawl", "--json")
    # communicate, not wait: a child writing more than a pipe holds would block on it forever
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, (seed, err.decode(errors="replace"))
    with session_scope(engine_for(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == PAGES, f"seed {seed}"
        assert session.scalar(select(func.count(func.distinct(Article.canonical_url)))) == PAGES
        assert session.scalar(select(func.count()).select_from(Entry).where(Entry.status != "done")) == 0
        # every stored article has its URLs (no half-written article)
        without_urls = session.scalar(
            select(func.count()).select_from(Article).where(~Article.urls.any())
        )
        assert without_urls == 0
        assert session.scalar(select(func.count()).select_from(ArticleUrl)) >= PAGES
    assert kills >= 1, f"seed {seed}: no run was killed mid-way; the test proved nothing"
