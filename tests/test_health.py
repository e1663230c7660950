"""Feed health you can see: real failures against a loopback origin, named in plain words by
``newsdesk sources health --json`` and the admin's health page, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from starlette.testclient import TestClient

from newsdesk.cli import main
from newsdesk.clock import fixed_clock
from newsdesk.errors import FailureKind, FetchRejected, ParseError, explain_failure, split_described
from newsdesk.fetch.challenge import is_challenge
from newsdesk.fetch.schedule import backoff_delay, next_check_after_failure
from newsdesk.models import FetchRecord
from newsdesk.pipeline import feedstate
from newsdesk.pipeline.crawl import crawl
from newsdesk.pipeline.report import FetchLogBuffer, describe
from newsdesk.settings import Settings, load_settings
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.health import HealthView, feed_health
from newsdesk.store.schema import Article, Entry, Feed
from newsdesk.store.users import create_user
from newsdesk.web.app import create_app
from tests.support.origin import Origin, RequestInfo, Response
from tests.support.pages import article_page, rss, unique_paragraphs
from tests.support.site import free_port

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CHALLENGE = ('<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>'
             '<div id="challenge-body-text">Checking if the site connection is secure</div>'
             '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>')
# Ages of the healthy feed's articles in days: two in the last week, four in the last 30 days.
AGES = (1, 3, 10, 20, 45)
# What each failing feed must show: its path on the origin, and the failure kind.
EXPECTED = {
    "challenge": "bot_wall",
    "robots": "robots",
    "missing": "gone",
    "html": "not_a_feed",
    "big": "too_large",
    "refused": "refused",
    "private": "private_address",
    "broken": "parse_error",
    "tls": "tls",
    "slow": "timeout",
}


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url, "fetch_allow_private_networks": True, "fetch_per_host_delay": 0.0,
        "fetch_timeout": 2.0, "fetch_connect_timeout": 1.0, "fetch_read_timeout": 1.0, "extract_workers": 1,
        "fetch_max_bytes": 200_000,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def add_feed(db_url: str, name: str, url: str) -> int:
    with session_scope(engine_for(db_url)) as session:
        source = repo.add_source(session, name=name, home_url=url)
        return repo.add_feed(session, source, url=url, kind="rss").id


def make_due(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        for feed in session.scalars(select(Feed)):
            feed.next_check_at = None


def cli_health(db_url: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["sources", "health", "--json"], env={"NEWSDESK_DATABASE_URL": db_url},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def admin_client(db_url: str) -> TestClient:
    with session_scope(engine_for(db_url)) as session:
        create_user(session, "admin", "s3cret-passphrase")
    app = create_app(load_settings(database_url=db_url, secret_key="test-secret"), clock=fixed_clock(NOW))
    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/admin/login").text
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "login form has no CSRF field"
    token = unescape(match.group(1))
    r = client.post("/admin/login", data={"csrf": token, "username": "admin", "password": "s3cret-passphrase"},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


def serve_world(origin: Origin) -> dict[str, str]:
    """The origin's feeds: one healthy, one per failure kind; returns their URLs by name."""
    origin.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    items = []
    for n, age in enumerate(AGES):
        when = NOW - timedelta(days=age)
        origin.route(f"/news/{n}", article_page(f"Harbour story {n}", unique_paragraphs(300 + n),
                                                canonical=origin.url(f"/news/{n}"), published=when.isoformat()))
        items.append({"title": f"Story {n}", "link": origin.url(f"/news/{n}"),
                      "date": when.strftime("%a, %d %b %Y %H:%M:%S +0000")})
    origin.route("/ok.xml", rss(items), content_type="application/rss+xml")
    challenge_state = {"blocked": True}

    def challenge(info: RequestInfo) -> Response:
        if challenge_state["blocked"]:
            return Response(CHALLENGE, status=403, headers={"Server": "cloudflare"})
        return Response(rss([]), content_type="application/rss+xml")

    origin.route("/challenge.xml", challenge)
    origin.route("/private/feed.xml", rss([]), content_type="application/rss+xml")
    origin.route("/missing.xml", Response("no such feed", status=404, content_type="text/plain"))
    origin.route("/page.html", "<!doctype html><html><head><title>A page</title></head><body><p>Hello</p></body></html>")
    origin.route("/big.xml", Response("<rss>" + "x" * 300_000 + "</rss>", content_type="application/rss+xml"))
    origin.route("/broken.xml", Response('<?xml version="1.0"?><rss version="2.0"><channel><title>B</title><item>',
                                         content_type="application/rss+xml"))
    origin.route("/local.xml", rss([]), content_type="application/rss+xml")
    origin.route("/slow.xml", Response(rss([]), delay=2.0, content_type="application/rss+xml"))
    origin.challenge_state = challenge_state  # type: ignore[attr-defined]
    return {
        "ok": origin.url("/ok.xml"), "challenge": origin.url("/challenge.xml"),
        "robots": origin.url("/private/feed.xml"), "missing": origin.url("/missing.xml"),
        "html": origin.url("/page.html"), "big": origin.url("/big.xml"), "broken": origin.url("/broken.xml"),
        "refused": f"http://127.0.0.1:{free_port()}/feed.xml",  # nothing listens there
        "private": origin.url("/local.xml"),
        "tls": origin.url("/tls.xml").replace("http://", "https://"),  # TLS to a plain-HTTP port
        "slow": origin.url("/slow.xml"),
    }


def direct_count(db_url: str, feed_id: int, days: int) -> int:
    with session_scope(engine_for(db_url)) as session:
        return session.scalar(
            select(func.count(func.distinct(Article.id))).join(Entry, Entry.article_id == Article.id)
            .where(Entry.feed_id == feed_id, Article.published_at > NOW - timedelta(days=days),
                   Article.published_at <= NOW)
        ) or 0


def test_health_names_each_failure_and_a_success_clears_it(db_url: str, origin: Origin) -> None:
    urls = serve_world(origin)
    ids = {name: add_feed(db_url, name.capitalize(), url) for name, url in urls.items()}
    private_source = _source_of(db_url, ids["private"])
    clock = fixed_clock(NOW)
    # the private-address feed is crawled with the default setting (private networks refused),
    # the others with them allowed (the origin is on 127.0.0.1)
    crawl(make_settings(db_url, fetch_allow_private_networks=False), source_id=private_source, clock=clock)
    # the slow feed with a short deadline (why: the others' pages must not time out on a busy box)
    crawl(make_settings(db_url, fetch_timeout=0.3), source_id=_source_of(db_url, ids["slow"]), clock=clock)
    report = crawl(make_settings(db_url), clock=clock)
    assert report.articles_stored == len(AGES), report.as_dict()

    data = cli_health(db_url)
    by_id = {feed["feed_id"]: feed for feed in data["feeds"]}
    for name, kind in EXPECTED.items():
        feed = by_id[ids[name]]
        assert feed["last_error"] is not None and feed["last_error"]["reason"] == kind, (name, feed)
        # a refused private address is this installation's setting, not the feed's failure: shown, not counted
        in_a_row = 0 if name == "private" else 1
        assert feed["recent_failures"] == 1 and feed["recent_checks"] == 1 and feed["consecutive_failures"] == in_a_row
        assert feed["mode"] == "poll"
    assert by_id[ids["private"]]["last_error"]["local_setting"] is True
    assert by_id[ids["challenge"]]["last_error"]["words"].startswith("403 from a bot wall")
    ok = by_id[ids["ok"]]
    assert ok["last_error"] is None and ok["recent_failures"] == 0 and ok["status"] == "active"

    # articles a day: the store's counts match a direct count of the articles stored
    view = {f.feed_id: f for f in _view(db_url).feeds}
    healthy = view[ids["ok"]]
    assert (healthy.articles_short, healthy.articles_long) == (direct_count(db_url, ids["ok"], 7),
                                                              direct_count(db_url, ids["ok"], 30)) == (2, 4)
    assert (healthy.per_day_short, healthy.per_day_long) == (round(2 / 7, 1), round(4 / 30, 1))

    # the admin page names the same reasons, and its .json is the same view data
    client = admin_client(db_url)
    page = client.get("/admin/health")
    assert page.status_code == 200 and "noindex" in page.text
    for name, kind in EXPECTED.items():
        row = re.search(rf'<tr id="feed-{ids[name]}".*?</tr>', page.text, re.S)
        assert row and f"failure-{kind}" in row.group(0), name
        assert explain_failure_words(kind) in unescape(row.group(0)) or kind == "bot_wall", name
    assert "403 from a bot wall" in page.text
    healthy_row = re.search(rf'<tr id="feed-{ids["ok"]}".*?</tr>', page.text, re.S)
    assert healthy_row and "0.3" in healthy_row.group(0) and ">none<" in healthy_row.group(0)
    as_json = client.get("/admin/health.json").json()
    assert {f["feed_id"]: f["last_error"] and f["last_error"]["reason"] for f in as_json["feeds"]} == {
        f["feed_id"]: f["last_error"] and f["last_error"]["reason"] for f in data["feeds"]}
    assert as_json["feeds_failing"] == len(EXPECTED)
    assert client.get("/admin/health.xml").status_code == 404
    assert "/admin/health" in client.get("/admin/sources").text

    # the bot wall lifts: the next check succeeds and health shows no stale error
    origin.challenge_state["blocked"] = False  # type: ignore[attr-defined]
    make_due(db_url)
    crawl(make_settings(db_url), source_id=_source_of(db_url, ids["challenge"]), clock=fixed_clock(NOW + timedelta(hours=1)))
    after = {f["feed_id"]: f for f in cli_health(db_url)["feeds"]}
    recovered = after[ids["challenge"]]
    assert recovered["last_error"] is None and recovered["status"] == "active"
    assert recovered["note"] == "no entries (empty feed)"  # what the success remarked, not a failure
    assert recovered["consecutive_failures"] == 0 and recovered["recent_failures"] == 1
    assert recovered["recent_checks"] == 2
    row = re.search(rf'<tr id="feed-{ids["challenge"]}".*?</tr>', client.get("/admin/health").text, re.S)
    assert row and "bot wall" not in row.group(0) and ">none<" in row.group(0)
    client.close()


def _view(db_url: str) -> HealthView:
    with session_scope(engine_for(db_url)) as session:
        return feed_health(session, NOW)


def _source_of(db_url: str, feed_id: int) -> int:
    with session_scope(engine_for(db_url)) as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        return feed.source_id


def explain_failure_words(kind: str) -> str:
    """The words the page shows for ``kind`` (from the one classifier), for the page checks."""
    codes = {"robots": "fetch.robots_disallowed", "gone": "fetch.not_found", "not_a_feed": "parse.html_not_feed",
             "too_large": "fetch.too_large", "private_address": "fetch.blocked_address",
             "parse_error": "parse.malformed"}
    if kind in ("refused", "tls"):
        message = "connection refused" if kind == "refused" else "[SSL: WRONG_VERSION_NUMBER]"
        return explain_failure("fetch.connect_error", f"cannot connect to x: {message}").words
    if kind == "timeout":
        return explain_failure("fetch.timeout").words
    if kind == "bot_wall":
        return ""
    return explain_failure(codes[kind]).words


def test_health_without_feeds_and_login_required(db_url: str) -> None:
    assert cli_health(db_url)["feeds"] == []
    result = CliRunner().invoke(main, ["sources", "health"], env={"NEWSDESK_DATABASE_URL": db_url})
    assert result.exit_code == 0 and "no feeds yet" in result.output
    app = create_app(load_settings(database_url=db_url, secret_key="test-secret"), clock=fixed_clock(NOW))
    with TestClient(app) as client:
        for path in ("/admin/health", "/admin/health.json"):
            r = client.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/admin/login"


def test_health_table_in_words(db_url: str, origin: Origin) -> None:
    """The human rendering: a table with the plain words; server text with brackets shown as is."""
    origin.route("/missing.xml", Response("[gone]", status=404, content_type="text/plain"))
    feed_id = add_feed(db_url, "Outlet [beta]", origin.url("/missing.xml"))
    crawl(make_settings(db_url), clock=fixed_clock(NOW))
    result = CliRunner().invoke(main, ["sources", "health"], env={"NEWSDESK_DATABASE_URL": db_url, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "404 not found" in result.output and "Outlet [beta]" in result.output and str(feed_id) in result.output
    assert "1 feeds, 1 failing" in result.output


# --- the classifier, the bot-wall detector and the backoff, without a network ------------------------


@pytest.mark.parametrize(("code", "message", "kind"), [
    ("fetch.connect_error", "cannot connect to a.example: connection refused", "refused"),
    ("fetch.connect_error", "cannot connect to a.example: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
     "tls"),
    ("fetch.network_error", "https://a.example/: ConnectError: TLS handshake failed", "tls"),
    ("fetch.connect_error", "cannot connect to a.example: network unreachable", "network"),
    ("fetch.connect_error", "cannot connect to nohost.invalid: [Errno -2] Name or service not known", "dns"),
    ("fetch.dns", "cannot resolve a.example: Name or service not known", "dns"),
    ("fetch.timeout", "https://a.example/ took longer than 20s", "timeout"),
    ("fetch.robots_disallowed", "robots.txt of a.example disallows https://a.example/feed", "robots"),
    ("fetch.bot_wall", "https://a.example/ answered 503 with a bot-protection challenge page", "bot_wall"),
    ("fetch.not_found", "https://a.example/ answered 404", "gone"),
    ("fetch.gone", "https://a.example/ answered 410", "gone"),
    ("parse.html_not_feed", "an HTML page was served where a feed was expected", "not_a_feed"),
    ("parse.malformed", "not well-formed XML", "parse_error"),
    ("fetch.too_large", "announces 99 bytes", "too_large"),
    ("parse.too_large", "more than 5 bytes once decompressed", "too_large"),
    ("fetch.blocked_address", "a.example resolves to 10.0.0.1 (private address)", "private_address"),
    ("fetch.http_401", "https://a.example/ answered 401", "http"),
    (None, "fetch: HTTP 503", "other"),
])
def test_each_failure_code_has_plain_words(code: str | None, message: str, kind: str) -> None:
    failure = explain_failure(code, message)
    assert failure.kind == kind
    assert "fetch:" not in failure.words and "[" not in failure.words
    assert failure.local is (kind == "private_address")


def test_plain_words_read_from_the_stored_error() -> None:
    stored = describe(ParseError("an HTML page was served where a feed was expected", reason="html_not_feed"))
    message, code = split_described(stored)
    assert (message, code) == ("an HTML page was served where a feed was expected", "parse.html_not_feed")
    assert split_described("fetch: HTTP 503") == ("fetch: HTTP 503", None)
    assert explain_failure("fetch.bot_wall", "x answered 429 with a challenge").words.startswith("429 from a bot wall")
    assert explain_failure("fetch.bot_wall", "") == FailureKind(
        "bot_wall", "403 from a bot wall: a challenge page (Cloudflare, captcha) instead of the feed")


@pytest.mark.parametrize(("status", "headers", "body", "wall"), [
    (403, {}, CHALLENGE, True),
    (503, {}, "<html><head><title>Attention Required! | Cloudflare</title></head></html>", True),
    (429, {}, '<html><body><div class="g-recaptcha" data-sitekey="k"></div></body></html>', True),
    (403, {"cf-mitigated": "challenge"}, "", True),
    (403, {}, "<html><head><title>403 Forbidden</title></head><body>nginx</body></html>", False),
    (404, {}, CHALLENGE, False),  # only refusals are bot walls
    (503, {}, "Service Unavailable", False),
])
def test_bot_walls_told_from_plain_refusals(status: int, headers: dict[str, str], body: str, wall: bool) -> None:
    assert is_challenge(status, httpx.Headers(headers), body.encode()) is wall


def test_a_plain_403_keeps_its_code_and_a_challenge_behind_gzip_is_seen(db_url: str, origin: Origin) -> None:
    origin.route("/forbidden.xml", Response("<h1>Forbidden</h1>", status=403))
    origin.route("/wall.xml", Response(CHALLENGE, status=503, gzip=True, headers={"Retry-After": "120"}))
    forbidden = add_feed(db_url, "Forbidden", origin.url("/forbidden.xml"))
    wall = add_feed(db_url, "Wall", origin.url("/wall.xml"))
    crawl(make_settings(db_url, feed_backoff_base=1), clock=fixed_clock(NOW))  # backoff alone: about 1 s
    view = {f.feed_id: f for f in _view(db_url).feeds}
    plain, walled = view[forbidden].failure, view[wall].failure
    assert plain is not None and plain.kind == "http"
    assert walled is not None and walled.words.startswith("503 from a bot wall")
    with session_scope(engine_for(db_url)) as session:
        feed = session.get(Feed, wall)
        assert feed is not None and feed.next_check_at is not None
        assert feed.next_check_at - NOW >= timedelta(seconds=120)  # a bot wall's Retry-After is still honoured


def test_a_coded_error_is_a_failure_even_when_not_counted_against_the_feed(db_url: str) -> None:
    """A refused private address may leave the feed active with no failure counted (a local
    setting's fault): health still names it; an uncoded remark of a success stays a note."""
    blocked = describe(FetchRejected("a.example resolves to 10.0.0.1", reason="blocked_address"))
    with session_scope(engine_for(db_url)) as session:
        source = repo.add_source(session, name="Local")
        for n, error in enumerate((blocked, "no entries (empty feed)")):
            feed = repo.add_feed(session, source, url=f"https://a.example/{n}.xml", kind="rss")
            feed.last_error, feed.consecutive_failures = error, 0
    first, second = sorted(_view(db_url).feeds, key=lambda f: f.feed_id)
    assert first.failure is not None and first.failure.kind == "private_address" and first.failure.local
    assert first.note is None and second.failure is None and second.note == "no entries (empty feed)"


def test_a_failing_feed_is_never_dropped_and_waits_at_most_the_cap() -> None:
    settings = Settings(feed_backoff_base=60, feed_backoff_max=3600)  # type: ignore[call-arg]
    error = FetchRejected("https://a.example/ answered 403", reason="http_403")
    now, failures = NOW, 0
    for _ in range(40):
        update = feedstate.checked_failed(now, settings, error, failures_before=failures, message=describe(error))
        assert update.status == "failing" and update.next_check_at is not None  # still scheduled
        assert update.next_check_at - now <= timedelta(seconds=settings.feed_backoff_max)
        failures, now = update.consecutive_failures, update.next_check_at
    assert failures == 40
    rng = random.Random(3)
    delays = [backoff_delay(30, settings, rng=rng) for _ in range(200)]
    assert max(delays) <= settings.feed_backoff_max and min(delays) >= 0.8 * settings.feed_backoff_max
    assert next_check_after_failure(NOW, 1, settings, retry_after=10**9) - NOW <= timedelta(seconds=3600)


def test_a_parse_failure_is_a_failed_check_in_the_fetch_log() -> None:
    log = FetchLogBuffer()
    log(FetchRecord("https://a.example/robots.txt", "robots", 200, 10, 0.1, "ok"))
    log(FetchRecord("https://a.example/feed", "feed", 200, 10, 0.1, "ok"))
    log.mark_failed("https://a.example/feed", ParseError("not well-formed XML", reason="malformed"))
    assert [(r.kind, r.outcome) for r in log.records] == [("robots", "ok"), ("feed", "parse.malformed")]
    assert log.records[1].error == "parse: not well-formed XML"
