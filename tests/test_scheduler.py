"""The site keeps itself current: the in-process scheduler, its database lease, its clean stop.

Waits poll the database (or the scheduler's counters) with a bounded deadline; no fixed sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from newsdesk.clock import fixed_clock
from newsdesk.pipeline.scheduler import LEASE_NAME, Scheduler, next_work_in
from newsdesk.settings import Settings
from newsdesk.store import lease
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Feed, FetchLog
from newsdesk.web.app import create_app
from tests.support.origin import Origin
from tests.support.pages import article_page, rss, unique_paragraphs
from tests.support.site import served_site
from tests.test_crawl import follow_feed, make_settings

AT = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)  # the site's clock, years from any day the suite runs on
DEADLINE = 60.0  # why: a pass is a second or two; generous for a busy 2-core CI box, never waited in full
ROOT = Path(__file__).resolve().parents[1]


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def articles(db_url: str) -> int:
    with session_scope(engine_for(db_url)) as session:
        return session.scalar(select(func.count()).select_from(Article)) or 0


def outlet(origin: Origin, n: int = 1) -> str:
    for i in range(n):
        origin.route(f"/story/{i}", article_page(f"Story {i}", unique_paragraphs(100 + i)))
    return origin.route("/feed.xml", rss([{"title": f"Story {i}", "link": origin.url(f"/story/{i}")}
                                          for i in range(n)]), content_type="application/rss+xml")


def followed(db_url: str, origin: Origin, **overrides: object) -> Settings:
    settings = make_settings(db_url, scheduler=True, **overrides)
    follow_feed(settings, outlet(origin))
    with session_scope(engine_for(db_url)) as session:  # due now on the site's clock
        session.scalars(select(Feed)).one().next_check_at = AT - timedelta(minutes=1)
    return settings


# ------------------------------------------------------------------ the lease


def test_the_lease_is_held_by_one_owner_until_released_or_expired(db_url: str) -> None:
    engine = engine_for(db_url)
    assert lease.acquire(engine, "crawl", "a", now=AT, ttl=60)
    assert not lease.acquire(engine, "crawl", "b", now=AT + timedelta(seconds=30), ttl=60)
    assert lease.acquire(engine, "crawl", "a", now=AT + timedelta(seconds=30), ttl=60)  # renewed to AT+90
    assert not lease.acquire(engine, "crawl", "b", now=AT + timedelta(seconds=80), ttl=60)
    # a holder that stopped renewing (crashed) loses it when it expires
    assert lease.acquire(engine, "crawl", "b", now=AT + timedelta(seconds=91), ttl=60)
    assert lease.holder(engine, "crawl") == ("b", AT + timedelta(seconds=151))
    lease.release(engine, "crawl", "a")  # not a's any more: nothing happens
    assert lease.holder(engine, "crawl") is not None
    lease.release(engine, "crawl", "b")
    assert lease.holder(engine, "crawl") is None
    assert lease.acquire(engine, "crawl", "a", now=AT, ttl=60)
    assert lease.acquire(engine, "other", "b", now=AT, ttl=60)  # leases are per name


# ------------------------------------------------------------------ the site


def test_a_served_site_refreshes_a_due_feed_without_any_cli_call(db_url: str, origin: Origin) -> None:
    settings = followed(db_url, origin)
    app = create_app(settings, clock=fixed_clock(AT))
    with TestClient(app) as client:
        scheduler = app.state.scheduler
        assert scheduler is not None and scheduler.running
        wait_for(lambda: articles(db_url) == 1, "the background pass to store the article")
        assert client.get("/").status_code == 200
        with session_scope(engine_for(db_url)) as session:
            feed = session.scalars(select(Feed)).one()
            assert feed.last_checked_at == AT and feed.next_check_at is not None and feed.next_check_at > AT
        assert next_work_in(settings, AT) > 0
    # stopped with the server: no thread left, the lease released for the next start
    assert not scheduler.running
    assert lease.holder(engine_for(db_url), LEASE_NAME) is None


def test_the_setting_turns_the_scheduler_off(db_url: str, origin: Origin) -> None:
    settings = followed(db_url, origin).model_copy(update={"scheduler": False})
    app = create_app(settings, clock=fixed_clock(AT))
    with TestClient(app) as client:
        assert client.get("/").status_code == 200
        assert app.state.scheduler is None
    assert origin.hits("/feed.xml") == 1  # only the follow


def test_two_apps_on_one_database_run_one_scheduler(db_url: str, origin: Origin) -> None:
    settings = followed(db_url, origin)
    first, second = create_app(settings, clock=fixed_clock(AT)), create_app(settings, clock=fixed_clock(AT))
    with TestClient(first), TestClient(second):
        schedulers = [first.state.scheduler, second.state.scheduler]
        wait_for(lambda: any(s.passes for s in schedulers) and all(s.attempts >= 1 for s in schedulers),
                 "one pass, and both schedulers to have tried the lease")
        assert articles(db_url) == 1
        assert sorted(s.passes > 0 for s in schedulers) == [False, True]
        holder = next(s for s in schedulers if s.passes)
        assert lease.holder(engine_for(db_url), LEASE_NAME) == (holder.owner, AT + timedelta(seconds=holder.lease_ttl))
    with session_scope(engine_for(db_url)) as session:
        feed_fetches = session.scalar(select(func.count()).select_from(FetchLog).where(FetchLog.kind == "feed"))
    assert origin.hits("/feed.xml") == 2 and feed_fetches == 1  # the follow, then one background check


def test_a_stopped_holder_hands_the_lease_over(db_url: str, origin: Origin) -> None:
    settings = followed(db_url, origin)
    holder = Scheduler(settings, clock=fixed_clock(AT), owner="one", idle_wait=0.05)
    waiting = Scheduler(settings, clock=fixed_clock(AT), owner="two", idle_wait=0.05)
    holder.start()
    try:
        wait_for(lambda: holder.passes >= 1, "the first scheduler's pass")
        waiting.start()
        wait_for(lambda: waiting.attempts >= 3, "the second scheduler to try the lease")
        assert waiting.passes == 0
        holder.stop()
        assert not holder.running
        wait_for(lambda: waiting.passes >= 1, "the second scheduler to take over")
        assert lease.holder(engine_for(db_url), LEASE_NAME) == ("two", AT + timedelta(seconds=waiting.lease_ttl))
    finally:
        holder.stop()
        waiting.stop()
    assert not waiting.running and lease.holder(engine_for(db_url), LEASE_NAME) is None


def test_stopping_mid_pass_cancels_it_safely(db_url: str, origin: Origin) -> None:
    """A stop while a fetch hangs ends the pass at once; the entry stays queued for the next pass."""
    from tests.support.origin import Response

    settings = followed(db_url, origin, fetch_timeout=30.0, fetch_read_timeout=30.0)
    origin.route("/story/0", Response(article_page("Slow", unique_paragraphs(7)), delay=30.0))
    scheduler = Scheduler(settings, clock=fixed_clock(AT))
    scheduler.start()
    wait_for(lambda: origin.hits("/story/0") == 1, "the pass to ask for the slow page")
    started = time.monotonic()
    scheduler.stop()
    assert not scheduler.running and time.monotonic() - started < 10
    assert articles(db_url) == 0
    from newsdesk.store.schema import Entry

    with session_scope(engine_for(db_url)) as session:
        assert session.scalars(select(Entry.status)).all() == ["pending"]


def test_serve_with_two_workers_runs_one_scheduler(db_url: str, origin: Origin) -> None:
    followed(db_url, origin)
    with session_scope(engine_for(db_url)) as session:  # due on the real clock of the subprocess
        session.scalars(select(Feed)).one().next_check_at = None
    with served_site(db_url, ROOT, args=("--workers", "2"), NEWSDESK_SCHEDULER="true",
                     NEWSDESK_POLL_MIN_INTERVAL="3600"):
        wait_for(lambda: articles(db_url) == 1, "the served site's background pass")
        held = lease.holder(engine_for(db_url), LEASE_NAME)
        assert held is not None
    assert origin.hits("/feed.xml") == 2  # the follow, then one check: never one per worker
    with session_scope(engine_for(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(FetchLog).where(FetchLog.kind == "feed")) == 1


def test_crawl_loop_and_the_scheduler_share_one_pass_then_wait(db_url: str, origin: Origin) -> None:
    import asyncio

    from newsdesk.pipeline.scheduler import MAX_WAIT, MIN_WAIT, pass_then_wait

    settings = followed(db_url, origin, poll_min_interval=60)
    report, wait = asyncio.run(pass_then_wait(settings, clock=fixed_clock(AT)))
    assert report.feeds_checked == 1 and report.articles_stored == 1
    assert wait == MAX_WAIT  # the feed is next due in 15 minutes: the loop re-reads the queue before
    with session_scope(engine_for(db_url)) as session:
        session.scalars(select(Feed)).one().next_check_at = AT + timedelta(seconds=1)
    assert next_work_in(settings, AT) == 1.0
    report, wait = asyncio.run(pass_then_wait(settings, clock=fixed_clock(AT)))
    assert report.feeds_checked == 0 and report.feeds_not_due == 1 and wait == MIN_WAIT
