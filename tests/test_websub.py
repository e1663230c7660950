"""WebSub push end to end: a real hub (tests/support/hub.py) and the site served on 127.0.0.1.

Discovery from Link headers and from the document, the hub's verification of intent (echoed for
our topic, 404 for any other), signed delivery stored at once through the crawl's entry path, a
bad signature ignored, renewal chosen before the lease ends, slower polling of a pushed feed, and
our own feeds advertising and pinging the configured hub.

Where websub.rocks's subscriber tests fit, they are here: 100 (HTTP header discovery), 102 (Atom),
103 (RSS), 104 (headers before the document), 105/106 (a redirected hub), and the error cases:
a verification for another topic refused, an invalid or missing signature ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from starlette.testclient import TestClient

from newsdesk.clock import fixed_clock
from newsdesk.fetch.client import parse_link_header
from newsdesk.models import FetchResult
from newsdesk.pipeline import websub
from newsdesk.pipeline.crawl import crawl, maintain_subscriptions, receive_push
from newsdesk.pipeline.follow import follow
from newsdesk.settings import Settings
from newsdesk.sources import parse_feed
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Feed, Translation, WebSubSubscription
from newsdesk.web.app import create_app
from tests.support.hub import Hub, free_port, serve_app
from tests.support.libretranslate import LibreTranslateServer
from tests.support.origin import Origin, Response
from tests.support.pages import article_page, unique_paragraphs

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RSS_HUB = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Pushed</title>
<link>http://127.0.0.1/</link>{links}{items}</channel></rss>"""


def rss_with(items: list[tuple[str, str]], links: str = "") -> str:
    rows = "".join(f"<item><title>{title}</title><link>{link}</link></item>" for title, link in items)
    return RSS_HUB.format(links=links, items=rows)


def fetched(url: str, links: tuple[tuple[str, str], ...] = ()) -> FetchResult:
    return FetchResult(url=url, final_url=url, status=200, content_type="application/rss+xml", body=b"",
                       text="", encoding="utf-8", links=links)


# ---------------------------------------------------------------- discovery (pure)


def test_discovery_from_rss_atom_link_and_atom_and_json_feed() -> None:
    body = rss_with([("A", "http://pub.example/a")],
                    '<atom:link rel="hub" href="https://hub.example/"/>'
                    '<atom:link rel="self" href="http://pub.example/feed.xml"/>').encode()
    parsed = parse_feed(body, "http://pub.example/feed.xml?utm=x")
    assert parsed.hubs == ("https://hub.example/",)
    assert parsed.self_url == "http://pub.example/feed.xml"

    atom = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
            b'<link rel="hub" href="/hub"/><link rel="self" href="http://pub.example/atom"/>'
            b'<link rel="hub" href="javascript:alert(1)"/>'
            b'<entry><id>1</id><title>x</title><link href="http://pub.example/a"/></entry></feed>')
    parsed = parse_feed(atom, "http://pub.example/atom")
    assert parsed.hubs == ("http://pub.example/hub",)  # relative resolved; not-http dropped
    assert parsed.self_url == "http://pub.example/atom"

    json_feed = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", '
                 b'"feed_url": "http://pub.example/feed.json", '
                 b'"hubs": [{"type": "rssCloud", "url": "http://cloud.example/"}, '
                 b'{"type": "WebSub", "url": "http://hub.example/j"}], '
                 b'"items": [{"id": "1", "url": "http://pub.example/a"}]}')
    parsed = parse_feed(json_feed, "http://pub.example/feed.json", "application/feed+json")
    assert parsed.hubs == ("http://hub.example/j",)
    assert parsed.self_url == "http://pub.example/feed.json"


def test_discovery_prefers_link_headers_over_the_document() -> None:
    links = parse_link_header(['<https://hub.example/h>; rel="hub", </topic>; rel="self"',
                               '<http://x.example/>; rel="alternate"'], "http://pub.example/feed")
    assert links == (("hub", "https://hub.example/h"), ("self", "http://pub.example/topic"),
                     ("alternate", "http://x.example/"))
    body = rss_with([("A", "http://pub.example/a")], '<atom:link rel="hub" href="http://doc-hub.example/"/>')
    parsed = parse_feed(body.encode(), "http://pub.example/feed")
    found = websub.discover(fetched("http://pub.example/feed", links), parsed)
    assert found == websub.Discovery("https://hub.example/h", "http://pub.example/topic")
    # without headers: the document's hub, and the URL fetched as the topic when it names no self
    found = websub.discover(fetched("http://pub.example/feed"), parsed)
    assert found == websub.Discovery("http://doc-hub.example/", "http://pub.example/feed")
    plain = parse_feed(rss_with([("A", "http://pub.example/a")]).encode(), "http://pub.example/feed")
    assert websub.discover(fetched("http://pub.example/feed"), plain) is None


# ---------------------------------------------------------------- signatures and renewal (pure)


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_signature_checked_with_every_method_the_spec_allows(method: str) -> None:
    body = b"<rss>...</rss>"
    good = f"{method}=" + hmac.new(b"s3cret", body, getattr(hashlib, method)).hexdigest()
    assert websub.signature_valid("s3cret", good, body)
    assert not websub.signature_valid("other", good, body)
    assert not websub.signature_valid("s3cret", good, body + b" ")
    assert not websub.signature_valid("s3cret", None, body)
    assert not websub.signature_valid("s3cret", "md5=" + hashlib.md5(body).hexdigest(), body)


@dataclass
class Sub:
    feed_id: int
    state: str
    requested_at: datetime | None = None
    expires_at: datetime | None = None
    lease_seconds: int | None = None


def test_renewal_is_chosen_before_the_lease_ends() -> None:
    settings = Settings(feed_interval=900)
    lease = 86_400  # a day: renewed in its last 8640 s (a tenth), since that beats two intervals
    verified = NOW - timedelta(seconds=lease) + timedelta(hours=3)  # 3 hours left
    active = Sub(1, "active", NOW - timedelta(days=1), verified + timedelta(seconds=lease), lease)
    assert websub.due_subscriptions([active], verified + timedelta(hours=1), settings) == []
    expires = active.expires_at
    assert expires is not None
    assert websub.due_subscriptions([active], expires - timedelta(seconds=8641), settings) == []
    assert websub.due_subscriptions([active], expires - timedelta(seconds=8640), settings) == [1]
    assert websub.due_subscriptions([active], expires + timedelta(seconds=1), settings) == [1]
    # a short lease is renewed two crawl intervals ahead, never later than half-way
    assert websub.renewal_margin(3600, settings) == timedelta(seconds=1800)
    assert websub.renewal_margin(864_000, settings) == timedelta(seconds=86_400)


def test_what_is_asked_for_when() -> None:
    settings = Settings()
    subs = [Sub(1, "discovered"), Sub(2, "pending", NOW - timedelta(minutes=5)),
            Sub(3, "pending", NOW - timedelta(hours=2)), Sub(4, "denied", NOW - timedelta(hours=1)),
            Sub(5, "denied", NOW - timedelta(days=1)), Sub(6, "discovered", NOW - timedelta(minutes=1))]
    assert websub.due_subscriptions(subs, NOW, settings) == [1, 3, 5]


# ---------------------------------------------------------------- the round trip


def settings_for(db_url: str, site: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url, "fetch_allow_private_networks": True, "fetch_per_host_delay": 0.0,
        "fetch_timeout": 5.0, "fetch_connect_timeout": 2.0, "fetch_read_timeout": 2.0, "extract_workers": 1,
        "site_url": site, "secret_key": "test-secret",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Round:
    settings: Settings
    hub: Hub
    origin: Origin
    site: str
    topic: str
    feed_id: int


def article_count(settings: Settings, url: str | None = None) -> int:
    with session_scope(engine_for(settings.database_url)) as session:
        query = select(Article.id)
        if url is not None:
            query = query.where(Article.url == url)
        return len(session.scalars(query).all())


def the_sub(settings: Settings) -> WebSubSubscription:
    with session_scope(engine_for(settings.database_url)) as session:
        [sub] = session.scalars(select(WebSubSubscription)).all()
        return sub


@contextmanager
def subscribed_round(db_url: str, origin: Origin, *, moved: int | None = None,
                     **hub_options: Any) -> Iterator[Round]:
    """A feed advertising the hub in its Link header, followed, crawled, and subscribed; ``moved``:
    the advertised hub address redirects (307/308) to the real one."""
    with Hub(lease_seconds=7200, **hub_options) as hub:
        advertised = hub.moved_url(moved) if moved else hub.url
        port = free_port()
        site = f"http://127.0.0.1:{port}"
        settings = settings_for(db_url, site, websub_hub=hub.url)
        topic = origin.url("/topic.xml")
        origin.route("/news/1.html", article_page("First story", unique_paragraphs(1)))
        origin.route("/feed.xml", Response(rss_with([("First", origin.url("/news/1.html"))]),
                                           content_type="application/rss+xml",
                                           headers={"Link": f'<{advertised}>; rel="hub", <{topic}>; rel="self"'}))
        follow(settings, origin.url("/feed.xml"))
        with serve_app(create_app(settings, clock=fixed_clock(NOW)), port):
            report = crawl(settings, clock=fixed_clock(NOW))
            assert report.articles_stored == 1
            assert hub.wait_for(lambda s: topic in s.verified), hub.state
            with session_scope(engine_for(settings.database_url)) as session:
                feed_id = session.scalars(select(Feed.id)).one()
            yield Round(settings, hub, origin, site, topic, feed_id)


@pytest.fixture
def subscribed(db_url: str, origin: Origin) -> Iterator[Round]:
    with subscribed_round(db_url, origin) as round_:
        yield round_


def test_subscription_is_verified_with_the_challenge_and_the_lease(subscribed: Round) -> None:
    [request] = [r for r in subscribed.hub.state.requests if r.get("hub.mode") == "subscribe"]
    sub = the_sub(subscribed.settings)
    assert request["hub.topic"] == subscribed.topic
    assert request["hub.callback"] == f"{subscribed.site}/websub/{subscribed.feed_id}/{sub.token}"
    assert request["hub.secret"] == sub.secret and len(sub.secret) >= 32
    assert request["hub.lease_seconds"] == str(subscribed.settings.websub_lease_seconds)
    assert subscribed.hub.state.verifications[-1].echoed
    # the hub's granted lease is what counts, from the verification's time
    assert sub.state == "active" and sub.lease_seconds == 7200
    assert sub.expires_at == NOW + timedelta(seconds=7200)
    # the pass stored an article, so it pinged our own hub for each of the site's front feeds
    assert subscribed.hub.state.pings == [f"{subscribed.site}/feed.{ext}" for ext in ("rss", "atom", "json")]


def test_a_hub_that_verifies_before_answering_is_confirmed(db_url: str, origin: Origin) -> None:
    """Pending is recorded before the request goes out, so a synchronous verification finds it."""
    with subscribed_round(db_url, origin, sync=True) as round_:
        assert round_.hub.state.verifications[-1].echoed
        assert the_sub(round_.settings).state == "active"


@pytest.mark.parametrize("status", [307, 308])
def test_a_redirected_hub_is_followed(db_url: str, origin: Origin, status: int) -> None:
    """websub.rocks subscriber tests 105 and 106: the request is sent again to the new address."""
    with subscribed_round(db_url, origin, moved=status) as round_:
        assert the_sub(round_.settings).state == "active"


def test_the_lease_is_renewed_by_the_pass_before_it_ends(subscribed: Round) -> None:
    sub = the_sub(subscribed.settings)
    assert sub.expires_at is not None and sub.lease_seconds == 7200
    margin = websub.renewal_margin(7200, subscribed.settings)
    crawl(subscribed.settings, clock=fixed_clock(sub.expires_at - margin - timedelta(seconds=1)))
    asked = [r for r in subscribed.hub.state.requests if r.get("hub.mode") == "subscribe"]
    assert len(asked) == 1  # not yet
    crawl(subscribed.settings, clock=fixed_clock(sub.expires_at - margin))
    assert subscribed.hub.wait_for(lambda s: len(s.verifications) == 2)
    asked = [r for r in subscribed.hub.state.requests if r.get("hub.mode") == "subscribe"]
    assert len(asked) == 2 and asked[1]["hub.callback"] == asked[0]["hub.callback"]
    assert the_sub(subscribed.settings).state == "active"


def test_the_workers_scheduler_job_sends_due_renewals(subscribed: Round) -> None:
    """With Celery workers no pass runs: ``maintain_subscriptions`` (run by the schedule task) renews."""
    sub = the_sub(subscribed.settings)
    assert sub.expires_at is not None
    report = maintain_subscriptions(subscribed.settings, clock=fixed_clock(sub.expires_at))
    assert report.outcomes.get("websub", "subscribe_requested") == 1
    assert subscribed.hub.wait_for(lambda s: len(s.verifications) == 2)
    assert subscribed.hub.state.verifications[-1].echoed


def test_a_denial_is_recorded(subscribed: Round) -> None:
    callback = subscribed.hub.state.verified[subscribed.topic].callback
    answer = httpx.get(callback, params={"hub.mode": "denied", "hub.topic": subscribed.topic,
                                         "hub.reason": "not allowed here"})
    assert answer.status_code == 200
    sub = the_sub(subscribed.settings)
    assert sub.state == "denied" and "not allowed here" in (sub.last_error or "")


def test_verification_of_a_topic_we_did_not_ask_for_is_refused(subscribed: Round) -> None:
    callback = subscribed.hub.state.verified[subscribed.topic].callback
    assert subscribed.hub.verify(callback, "http://elsewhere.example/feed") == (404, False)
    wrong_token = callback.rsplit("/", 1)[0] + "/" + "x" * 32
    assert subscribed.hub.verify(wrong_token, subscribed.topic) == (404, False)
    assert subscribed.hub.verify(callback, subscribed.topic, mode="unsubscribe") == (404, False)
    assert subscribed.hub.verify(callback, subscribed.topic) == (200, True)  # still ours


def test_push_is_stored_within_a_second_and_a_bad_signature_is_ignored(subscribed: Round) -> None:
    origin, hub = subscribed.origin, subscribed.hub
    for n in (2, 3):
        origin.route(f"/news/{n}.html", article_page(f"Story {n}", unique_paragraphs(n)))
    forged = rss_with([("Forged", origin.url("/news/2.html"))]).encode()
    assert hub.deliver(subscribed.topic, forged, secret="not-the-secret") == 202  # acknowledged…
    assert "ignored" in (the_sub(subscribed.settings).last_error or "")  # …and ignored
    unsigned_status = hub.deliver(subscribed.topic, forged, secret="")  # an empty key is still wrong
    assert unsigned_status == 202

    fat_ping = rss_with([("Third", origin.url("/news/3.html"))]).encode()
    pinged = time.monotonic()
    assert hub.deliver(subscribed.topic, fat_ping) == 202
    deadline = pinged + 1.0  # the acceptance bound: stored within a second of the ping
    while article_count(subscribed.settings, origin.url("/news/3.html")) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # polling the database, bounded by the deadline
    assert article_count(subscribed.settings, origin.url("/news/3.html")) == 1
    # the forged pushes came first and were dropped: their article was never fetched or stored
    assert article_count(subscribed.settings, origin.url("/news/2.html")) == 0
    assert origin.hits("/news/2.html") == 0
    assert the_sub(subscribed.settings).pushes == 1
    # the same ping again goes through the crawl's dedup: nothing fetched or stored twice
    assert hub.deliver(subscribed.topic, fat_ping) == 202
    origin.route("/news/4.html", article_page("Story 4", unique_paragraphs(4)))
    assert hub.deliver(subscribed.topic, rss_with([("Fourth", origin.url("/news/4.html"))]).encode()) == 202
    deadline = time.monotonic() + 5.0  # why 5 s: only the order matters here, not the speed
    while article_count(subscribed.settings, origin.url("/news/4.html")) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert article_count(subscribed.settings, origin.url("/news/4.html")) == 1
    assert article_count(subscribed.settings, origin.url("/news/3.html")) == 1
    assert origin.hits("/news/3.html") == 1
    # a crawl pass that stored articles pinged our hub for the site's feeds (the push did too)
    assert f"{subscribed.site}/feed.rss" in hub.state.pings


def test_a_paused_feed_ignores_pushes_and_is_not_renewed(subscribed: Round) -> None:
    with session_scope(engine_for(subscribed.settings.database_url)) as session:
        repo.set_feed_paused(session, subscribed.feed_id, True)
    subscribed.origin.route("/news/5.html", article_page("Story 5", unique_paragraphs(5)))
    body = rss_with([("Fifth", subscribed.origin.url("/news/5.html"))]).encode()
    assert subscribed.hub.deliver(subscribed.topic, body) == 202  # decided before answering: no task
    assert article_count(subscribed.settings, subscribed.origin.url("/news/5.html")) == 0
    assert the_sub(subscribed.settings).pushes == 0
    expires = the_sub(subscribed.settings).expires_at
    assert expires is not None
    crawl(subscribed.settings, clock=fixed_clock(expires))  # due for renewal, were the feed followed
    assert len([r for r in subscribed.hub.state.requests if r.get("hub.mode") == "subscribe"]) == 1


def test_a_pushed_feed_is_polled_less_often(subscribed: Round) -> None:
    later = NOW + timedelta(hours=1)
    with session_scope(engine_for(subscribed.settings.database_url)) as session:
        session.get(Feed, subscribed.feed_id).next_check_at = None  # type: ignore[union-attr]
    pings = len(subscribed.hub.state.pings)
    report = crawl(subscribed.settings, clock=fixed_clock(later))
    assert report.articles_stored == 0 and len(subscribed.hub.state.pings) == pings  # nothing new: no ping
    with session_scope(engine_for(subscribed.settings.database_url)) as session:
        feed = session.get(Feed, subscribed.feed_id)
        assert feed is not None and feed.next_check_at is not None
        assert feed.next_check_at >= later + timedelta(seconds=subscribed.settings.poll_max_interval)
        assert feed.next_check_at > later + timedelta(seconds=subscribed.settings.feed_interval)


def test_oversized_push_is_refused(subscribed: Round) -> None:
    small = subscribed.settings.model_copy(update={"websub_max_bytes": 2048})
    callback = subscribed.hub.state.verified[subscribed.topic].callback
    with TestClient(create_app(small, clock=fixed_clock(NOW))) as client:
        path = callback.removeprefix(subscribed.site)
        assert client.post(path, content=b"x" * 4096).status_code == 413
        assert client.post(path.rsplit("/", 1)[0] + "/nope", content=b"<rss/>").status_code == 404


def test_no_subscription_without_a_public_site_url(db_url: str, origin: Origin) -> None:
    with Hub() as hub:
        settings = settings_for(db_url, "", site_url=None)
        origin.route("/news/1.html", article_page("First story", unique_paragraphs(1)))
        origin.route("/feed.xml", Response(
            rss_with([("First", origin.url("/news/1.html"))], f'<atom:link rel="hub" href="{hub.url}"/>'),
            content_type="application/rss+xml"))
        follow(settings, origin.url("/feed.xml"))
        report = crawl(settings, clock=fixed_clock(NOW))
        assert report.outcomes.get("websub", "no_site_url") == 1
        assert hub.state.requests == []
        assert the_sub(settings).state == "discovered"  # the hub is known, for when the URL is set


def test_a_push_goes_through_the_whole_pipeline_translation_too(db_url: str, origin: Origin) -> None:
    """The push path is the poll's after the fetch: queued, fetched, extracted, stored, translated."""
    with LibreTranslateServer() as translator:
        settings = settings_for(db_url, "http://127.0.0.1:9", translate_engine="libretranslate",
                                libretranslate_url=translator.url, target_languages="en,de")
        origin.route("/feed.xml", Response(rss_with([]), content_type="application/rss+xml"))
        origin.route("/news/7.html", article_page("Story 7", unique_paragraphs(7)))
        follow(settings, origin.url("/feed.xml"))
        with session_scope(engine_for(db_url)) as session:
            feed_id = session.scalars(select(Feed.id)).one()
        body = rss_with([("Seventh", origin.url("/news/7.html"))]).encode()
        report = receive_push(settings, feed_id, body, "application/rss+xml", clock=fixed_clock(NOW))
        assert report.articles_stored == 1 and report.outcomes.get("websub", "pushed") == 1
        with session_scope(engine_for(db_url)) as session:
            assert {t.lang for t in session.scalars(select(Translation))} == {"de"}
        broken = receive_push(settings, feed_id, b"<html><body>not a feed</body></html>", "text/html",
                              clock=fixed_clock(NOW))
        assert broken.outcomes.get("websub", "push_html_not_feed") == 1 and broken.articles_stored == 0


# ---------------------------------------------------------------- our feeds out


def test_our_feeds_advertise_the_configured_hub(db_url: str) -> None:
    settings = settings_for(db_url, "https://news.example.org", websub_hub="https://hub.example/")
    with TestClient(create_app(settings, clock=fixed_clock(NOW))) as client:
        answer = client.get("/feed.rss?lang=de")
        assert answer.headers["link"].endswith('<https://news.example.org/feed.rss?lang=de>; rel="self"')
        for fmt, marker in (("rss", '<atom:link href="https://hub.example/" rel="hub"/>'),
                            ("atom", '<link rel="hub" href="https://hub.example/"/>'),
                            ("json", '"hubs": [')):
            answer = client.get(f"/feed.{fmt}")
            assert answer.status_code == 200
            assert marker in answer.text
            assert answer.headers["link"] == (f'<https://hub.example/>; rel="hub", '
                                              f'<https://news.example.org/feed.{fmt}>; rel="self"')
            parsed = parse_feed(answer.content, f"https://news.example.org/feed.{fmt}",
                                answer.headers["content-type"])
            assert parsed.hubs == ("https://hub.example/",)
    plain = settings_for(db_url, "https://news.example.org")
    with TestClient(create_app(plain, clock=fixed_clock(NOW))) as client:
        answer = client.get("/feed.atom")
        assert "link" not in answer.headers and 'rel="hub"' not in answer.text


@pytest.mark.parametrize("bad", ["ftp://hub.example/", "https://hub.example/>; rel=x", "https://hub.example/\nX: y"])
def test_a_hub_setting_that_would_break_the_header_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="websub_hub"):
        Settings(websub_hub=bad)
    assert Settings(websub_hub="").websub_hub is None


def test_feed_health_shows_a_subscribed_feed_as_push(subscribed: Round) -> None:
    from newsdesk.store.health import feed_health

    expires = the_sub(subscribed.settings).expires_at
    assert expires is not None
    with session_scope(engine_for(subscribed.settings.database_url)) as session:
        view = feed_health(session, NOW + timedelta(minutes=1))
        after = feed_health(session, expires + timedelta(seconds=1))  # the lease ran out: polled again
    assert [feed.mode for feed in view.feeds if feed.feed_id == subscribed.feed_id] == ["push"]
    assert [feed.mode for feed in after.feeds if feed.feed_id == subscribed.feed_id] == ["poll"]
