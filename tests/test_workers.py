"""Celery workers run the same pipeline: a real worker process, a real broker (Redis and RabbitMQ),
PostgreSQL, and the loopback origin."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Entry, Feed
from tests.conftest import _postgres_database, need_service
from tests.support.origin import Origin
from tests.support.pages import article_page, rss, unique_paragraphs

PAGES = 6


@pytest.fixture
def pg_url() -> object:
    gen = _postgres_database()
    url = next(gen)
    from newsdesk.store.db import upgrade

    upgrade(url)
    yield url
    for _ in gen:
        pass


@pytest.mark.parametrize("broker", ["redis", "amqp"])
def test_workers_crawl_through_the_queue(broker: str, pg_url: str, origin: Origin, tmp_path: Path) -> None:
    broker_url = need_service({"redis": "NEWSDESK_TEST_REDIS_URL", "amqp": "NEWSDESK_TEST_AMQP_URL"}[broker],
                              {"redis": "Redis", "amqp": "RabbitMQ"}[broker])
    for i in range(PAGES):
        origin.route(f"/w/{i}", article_page(f"Worker story {i}", unique_paragraphs(700 + i)))
    origin.route("/feed.xml", rss([{"title": f"W{i}", "link": origin.url(f"/w/{i}"), "guid": str(i)}
                                   for i in range(PAGES)]), content_type="application/rss+xml")
    env = {**os.environ, "NEWSDESK_DATABASE_URL": pg_url, "NEWSDESK_BROKER_URL": broker_url,
           "NEWSDESK_WORKER_QUEUE": f"newsdesk-test-{uuid.uuid4().hex[:8]}",
           "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS": "true", "NEWSDESK_FETCH_PER_HOST_DELAY": "0"}
    newsdesk = [sys.executable, "-m", "newsdesk"]
    added = subprocess.run([*newsdesk, "sources", "add", origin.url("/feed.xml")], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([*newsdesk, "workers", "run", "--concurrency", "2", "--no-beat"], env=env,
                              cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        enqueued = subprocess.run([*newsdesk, "workers", "enqueue", "--json"], env=env, cwd=tmp_path,
                                  capture_output=True, text=True, timeout=60)
        assert enqueued.returncode == 0, enqueued.stderr
        assert '"feeds": 1' in enqueued.stdout
        deadline = time.monotonic() + 90
        stored = 0
        while time.monotonic() < deadline:
            with session_scope(engine_for(pg_url)) as session:
                stored = session.scalar(select(func.count()).select_from(Article)) or 0
            if stored == PAGES:
                break
            time.sleep(0.5)
        assert stored == PAGES, (tmp_path / "worker.log").read_text()[-3000:]
        unclustered = PAGES
        while time.monotonic() < deadline:  # each stored article goes on to the enrichment task
            with session_scope(engine_for(pg_url)) as session:
                unclustered = session.scalar(select(func.count()).where(Article.story_id.is_(None))) or 0
            if not unclustered:
                break
            time.sleep(0.5)
        assert unclustered == 0, (tmp_path / "worker.log").read_text()[-3000:]
        with session_scope(engine_for(pg_url)) as session:
            assert session.scalar(select(func.count()).select_from(Entry).where(Entry.status != "done")) == 0
            feed = session.scalars(select(Feed)).one()
            assert feed.status == "active" and feed.last_success_at is not None
        # a second scheduling pass finds nothing new to hand out (leases and done entries)
        again = subprocess.run([*newsdesk, "workers", "enqueue", "--json"], env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)
        assert '"entries": 0' in again.stdout
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        log.close()
