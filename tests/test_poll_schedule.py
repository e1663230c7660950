"""Scheduling from what feeds say: the interval function's hints and bounds, and what a crawl does
with them (stored interval, 304 validators, --force, "not due until", Retry-After, local refusals)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from newsdesk.cli import main
from newsdesk.clock import fixed_clock
from newsdesk.errors import NotModified
from newsdesk.fetch.client import raise_for_status
from newsdesk.fetch.schedule import freshness_lifetime, poll_interval, publishing_gap
from newsdesk.models import FeedKind, FeedStatus, ParsedFeed
from newsdesk.pipeline import feedstate
from newsdesk.pipeline.crawl import crawl
from newsdesk.settings import Settings
from newsdesk.sources.rss import parse_rss, update_period_seconds
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Feed
from tests.support.origin import Origin, RequestInfo, Response
from tests.support.pages import article_page, rss, unique_paragraphs
from tests.test_crawl import follow_feed, make_settings

AT = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)  # the clock of these tests, years from any day the suite runs on
BOUNDS = Settings(feed_interval=900, poll_min_interval=300, poll_max_interval=43_200)  # type: ignore[call-arg]


def hourly(n: int) -> list[datetime]:
    return [AT - timedelta(hours=i) for i in range(n)]


# ------------------------------------------------------------------ the interval function


def test_without_hints_the_interval_is_the_configured_one() -> None:
    assert poll_interval(BOUNDS) == 900


def test_publishing_rate_is_the_median_gap_of_recent_entries() -> None:
    assert publishing_gap(hourly(5)) == 3600
    # one long silence among hourly posts does not move the median
    dates = [*hourly(6), AT - timedelta(days=30)]
    assert publishing_gap(dates) == 3600
    assert poll_interval(BOUNDS, entry_dates=dates) == 3600


def test_too_few_dates_fall_back_to_the_learned_interval() -> None:
    assert publishing_gap([AT, AT - timedelta(hours=5), None]) is None
    assert poll_interval(BOUNDS, entry_dates=[AT, None], learned=7200) == 7200


@pytest.mark.parametrize("hint", ["ttl", "update_period", "freshness"])
def test_each_feed_hint_is_a_floor(hint: str) -> None:
    # a feed publishing every 10 minutes that says "not more than hourly" is checked hourly
    every_ten = [AT - timedelta(minutes=10 * i) for i in range(6)]
    assert poll_interval(BOUNDS, entry_dates=every_ten) == 600
    assert poll_interval(BOUNDS, entry_dates=every_ten, **{hint: 3600.0}) == 3600
    # a hint shorter than the publishing rate does not speed polling up
    assert poll_interval(BOUNDS, entry_dates=hourly(6), **{hint: 60.0}) == 3600


def test_bounds_clamp_every_source_of_the_interval() -> None:
    assert poll_interval(BOUNDS, entry_dates=[AT - timedelta(seconds=5 * i) for i in range(6)]) == 300
    assert poll_interval(BOUNDS, ttl=7 * 86_400.0) == 43_200
    assert poll_interval(BOUNDS, learned=10) == 300
    assert poll_interval(BOUNDS, entry_dates=[AT, AT, AT, AT]) == 900  # one distinct date: no rate
    narrow = BOUNDS.model_copy(update={"poll_min_interval": 1000, "poll_max_interval": 2000})
    assert poll_interval(narrow) == 1000
    assert poll_interval(narrow, freshness=5000.0) == 2000


def test_max_interval_below_min_is_refused() -> None:
    with pytest.raises(ValueError, match="poll_min_interval"):
        Settings(poll_min_interval=600, poll_max_interval=60)  # type: ignore[call-arg]


def test_http_freshness_from_max_age_and_expires() -> None:
    date = "Sun, 04 May 2031 12:00:00 GMT"
    assert freshness_lifetime("public, max-age=1800", None, date) == 1800
    assert freshness_lifetime('max-age="600", must-revalidate', "Sun, 04 May 2031 14:00:00 GMT", date) == 600
    assert freshness_lifetime(None, "Sun, 04 May 2031 14:00:00 GMT", date) == 7200  # Expires − Date
    assert freshness_lifetime(None, "Sun, 04 May 2031 14:00:00 GMT", None, now=AT.timestamp()) == 7200
    assert freshness_lifetime("no-cache", None, date) is None
    assert freshness_lifetime(None, "0", date) is None  # an invalid Expires: already stale, no hint
    assert freshness_lifetime(None, None, date) is None


def test_rss_ttl_and_syndication_period_are_read() -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
            b"<channel><title>T</title><ttl>90</ttl><sy:updatePeriod>daily</sy:updatePeriod>"
            b"<sy:updateFrequency>4</sy:updateFrequency><item><title>a</title><link>http://example.org/a</link>"
            b"</item></channel></rss>")
    parsed = parse_rss(body, "http://example.org/feed", now=AT)
    assert parsed.ttl == 90 * 60
    assert parsed.update_period == 86_400 / 4
    assert update_period_seconds("hourly", None) == 3600
    assert update_period_seconds("fortnightly", "2") is None
    assert update_period_seconds("weekly", "x") == 604_800
    assert parse_rss(body.replace(b"<ttl>90</ttl>", b"<ttl>soon</ttl>"), "http://example.org/f", now=AT).ttl is None


def test_a_304_carries_its_validators_and_lifetime() -> None:
    import httpx

    headers = httpx.Headers({"ETag": '"v2"', "Last-Modified": "Sun, 04 May 2031 11:00:00 GMT",
                             "Cache-Control": "max-age=1200"})
    with pytest.raises(NotModified) as caught:
        raise_for_status(304, headers, "http://example.org/feed")
    assert (caught.value.etag, caught.value.last_modified, caught.value.freshness) == (
        '"v2"', "Sun, 04 May 2031 11:00:00 GMT", 1200)
    update = feedstate.checked_ok(AT, BOUNDS, None, etag='"v2"', last_modified=None, learned_interval=5000)
    assert update.validators == ('"v2"', None) and update.poll_interval == 5000
    assert feedstate.checked_ok(AT, BOUNDS, None, learned_interval=5000).validators is None  # keep the old ones


def test_new_content_learns_the_interval_from_its_entries() -> None:
    from newsdesk.models import EntryRef

    parsed = ParsedFeed(kind=FeedKind.RSS, entries=tuple(
        EntryRef(url=f"http://example.org/{i}", published_at=d) for i, d in enumerate(hourly(5))), ttl=120.0)
    update = feedstate.checked_ok(AT, BOUNDS, parsed, freshness=60.0)
    assert update.poll_interval == 3600 and update.next_check_at == AT + timedelta(hours=1)


# ------------------------------------------------------------------ crawls


def conditional_feed(body: str, etag: str, **headers: str) -> object:
    def handler(info: RequestInfo) -> Response:
        if info.headers.get("if-none-match") == etag:
            return Response(b"", status=304, headers={"ETag": etag, **headers})
        return Response(body, headers={"ETag": etag, **headers}, content_type="application/rss+xml")

    return handler


def test_a_crawl_stores_the_learned_interval(db_url: str, origin: Origin) -> None:
    origin.route("/feed.xml", conditional_feed(rss([]).replace("<language>", "<ttl>120</ttl><language>"), '"a"',
                                               **{"Cache-Control": "max-age=60"}))  # type: ignore[arg-type]
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/feed.xml"))
    with session_scope(engine_for(db_url)) as session:
        session.scalars(select(Feed)).one().next_check_at = None
    crawl(settings, clock=fixed_clock(AT))
    with session_scope(engine_for(db_url)) as session:
        feed = session.scalars(select(Feed)).one()
        assert feed.poll_interval == 7200  # the ttl (minutes) over max-age and the default
        assert feed.next_check_at == AT + timedelta(seconds=7200)


def test_a_304_with_a_new_etag_replaces_the_stored_one(db_url: str, origin: Origin) -> None:
    def handler(info: RequestInfo) -> Response:
        if info.headers.get("if-none-match") == '"old"':
            return Response(b"", status=304, headers={"ETag": '"new"'})
        return Response(rss([]), headers={"ETag": '"old"'}, content_type="application/rss+xml")

    origin.route("/feed.xml", handler)
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/feed.xml"))
    crawl(settings, clock=fixed_clock(AT), force=True)
    with session_scope(engine_for(db_url)) as session:
        assert session.scalars(select(Feed)).one().etag == '"old"'
    report = crawl(settings, clock=fixed_clock(AT), force=True)
    assert report.feeds_not_modified == 1
    with session_scope(engine_for(db_url)) as session:
        assert session.scalars(select(Feed)).one().etag == '"new"'


def test_force_sends_a_conditional_get_and_crawl_says_why_it_checked_nothing(db_url: str, origin: Origin) -> None:
    origin.route("/feed.xml", conditional_feed(rss([]), '"v1"'))  # type: ignore[arg-type]
    settings = make_settings(db_url)
    source_id = follow_feed(settings, origin.url("/feed.xml"))
    env = {"NEWSDESK_DATABASE_URL": db_url}
    crawl(settings)  # checked now: not due again for a while
    asked = len(origin.requests)

    idle = CliRunner().invoke(main, ["crawl"], env=env)
    assert idle.exit_code == 0, idle.output
    assert "checked 0 feeds" in idle.output and "1 feed not due until" in idle.output
    assert "--force" in idle.output
    as_json = CliRunner().invoke(main, ["crawl", "--json"], env=env)
    data = json.loads(as_json.output)
    assert data["feeds_not_due"] == 1 and data["next_due_at"] and "1 feed not due until" in data["not_due"]
    assert len(origin.requests) == asked  # nothing was fetched

    forced = CliRunner().invoke(main, ["crawl", "--force", "--source", str(source_id)], env=env)
    assert forced.exit_code == 0, forced.output
    assert "checked 1 feeds (1 not modified" in forced.output
    last = [r for r in origin.requests if r.path == "/feed.xml"][-1]
    assert last.headers.get("if-none-match") == '"v1"'
    unknown = CliRunner().invoke(main, ["crawl", "--force", "--source", "999"], env=env)
    assert unknown.exit_code == 2


def test_a_429_with_a_short_retry_after_is_stored_in_the_same_pass(db_url: str, origin: Origin) -> None:
    page = article_page("Patience", unique_paragraphs(41))

    def busy_once(info: RequestInfo) -> Response:
        if info.count == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"}, content_type="text/plain")
        return Response(page)

    origin.route("/story", busy_once)
    origin.route("/long", Response("later", status=429, headers={"Retry-After": "120"}, content_type="text/plain"))
    origin.route("/feed.xml", rss([{"title": "Patience", "link": origin.url("/story")},
                                   {"title": "Later", "link": origin.url("/long")}]),
                 content_type="application/rss+xml")
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/feed.xml"))
    report = crawl(settings, clock=fixed_clock(AT))
    assert report.articles_stored == 1 and origin.hits("/story") == 2
    assert report.outcomes.get("fetch", "retry_after_waited") == 1
    assert report.entries_retry == 1 and origin.hits("/long") == 1  # 120 s > the 30 s setting: scheduled
    with session_scope(engine_for(db_url)) as session:
        assert session.scalars(select(Article)).one().title == "Patience"


def test_a_private_address_refused_by_settings_does_not_count_against_the_feed(db_url: str, origin: Origin) -> None:
    origin.route("/feed.xml", rss([]), content_type="application/rss+xml")
    with session_scope(engine_for(db_url)) as session:
        source = repo.add_source(session, name="Local")
        repo.add_feed(session, source, url=origin.url("/feed.xml"), kind="rss")
    settings = make_settings(db_url, fetch_allow_private_networks=False)
    report = crawl(settings, clock=fixed_clock(AT))
    assert report.failures_local == 1
    expected = ("refused: private address (127.0.0.1 resolves to 127.0.0.1 (loopback address)); "
                "set NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS to allow")
    assert report.failures[0]["error"].startswith(expected)
    assert origin.requests == []
    with session_scope(engine_for(db_url)) as session:
        feed = session.scalars(select(Feed)).one()
        assert feed.consecutive_failures == 0 and feed.status == FeedStatus.ACTIVE.value
        assert feed.last_error == expected + " [fetch.blocked_address]"  # the code, as every stored error
        assert feed.next_check_at == AT + timedelta(seconds=settings.feed_interval)  # no backoff


def test_the_admin_refresh_now_button_checks_a_feed_that_is_not_due(db_url: str, origin: Origin) -> None:
    from fastapi.testclient import TestClient

    from newsdesk.settings import load_settings
    from newsdesk.web.app import create_app
    from tests.test_web import csrf_of, login

    origin.route("/feed.xml", conditional_feed(rss([]), '"v1"'))  # type: ignore[arg-type]
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/feed.xml"))
    crawl(settings, clock=fixed_clock(AT))  # checked: not due for a while on the site's clock
    with session_scope(engine_for(db_url)) as session:
        feed_id = session.scalars(select(Feed.id)).one()
    asked = origin.hits("/feed.xml")
    app = create_app(load_settings(database_url=db_url, secret_key="test-secret"), clock=fixed_clock(AT))
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, db_url)
        page = client.get("/admin/sources").text
        assert f'action="/admin/feeds/{feed_id}/refresh"' in page and "Refresh now" in page
        token = csrf_of(page)
        assert client.post(f"/admin/feeds/{feed_id}/refresh", data={}).status_code == 403  # no CSRF token
        assert origin.hits("/feed.xml") == asked
        r = client.post(f"/admin/feeds/{feed_id}/refresh", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/sources?msg=unchanged"
        assert origin.hits("/feed.xml") == asked + 1
        assert [q for q in origin.requests if q.path == "/feed.xml"][-1].headers.get("if-none-match") == '"v1"'
        assert "not modified since the last check" in client.get(r.headers["location"]).text
        assert client.post("/admin/feeds/999/refresh", data={"csrf": token}).status_code == 404


def test_a_feed_answered_503_with_a_short_retry_after_is_read_in_the_same_pass(db_url: str, origin: Origin) -> None:
    def busy_once(info: RequestInfo) -> Response:
        if info.count == 2:  # the first ask was the follow's; the pass's first check is told to wait
            return Response("busy", status=503, headers={"Retry-After": "1"}, content_type="text/plain")
        return Response(rss([]), content_type="application/rss+xml")

    origin.route("/feed.xml", busy_once)
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/feed.xml"))
    report = crawl(settings, clock=fixed_clock(AT))
    assert origin.hits("/feed.xml") == 3 and report.feeds_failed == 0
    with session_scope(engine_for(db_url)) as session:
        feed = session.scalars(select(Feed)).one()
        assert feed.status == "active" and feed.consecutive_failures == 0 and feed.last_success_at == AT


def test_the_not_due_note_names_the_time_in_the_site_zone() -> None:
    from newsdesk.cli.crawl import not_due_note
    from newsdesk.pipeline.report import CrawlReport

    report = CrawlReport(feeds_not_due=3, next_due_at=datetime(2031, 5, 4, 21, 59, tzinfo=UTC))
    assert not_due_note(report) == "3 feeds not due until 2031-05-04 21:59 UTC; crawl --force checks them now"
    assert not_due_note(report, "Europe/Berlin") == (
        "3 feeds not due until 2031-05-04 23:59 CEST; crawl --force checks them now")
    assert not_due_note(report, "No/Such_Zone").startswith("3 feeds not due until 2031-05-04 21:59 UTC")
    report.feeds_checked = 1
    assert not_due_note(report) is None  # it checked something: nothing to explain
