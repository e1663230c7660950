"""Sitemaps cut off mid-URL, plain-text sitemaps, and robots.txt ``Sitemap:`` lines for discovery."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsdesk.pipeline.follow import follow
from newsdesk.settings import Settings
from newsdesk.sources import looks_like_feed, parse_feed, sitemaps_from_robots
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Feed
from tests.support.origin import Origin

NOW = datetime(2026, 11, 2, tzinfo=UTC)
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_sitemap_cut_inside_its_last_loc_drops_that_url_with_a_reason() -> None:
    body = (f'<?xml version="1.0"?><urlset {NS}><url><loc>https://e.org/a</loc></url>'
            "<url><loc>https://e.org/second-artic").encode()
    feed = parse_feed(body, "https://e.org/sitemap.xml", "application/xml", now=NOW)
    assert [e.url for e in feed.entries] == ["https://e.org/a"]
    assert feed.dropped == (("truncated", "document ends inside <loc>: https://e.org/second-artic"),)


def test_prefixed_sitemap_index_cut_inside_loc() -> None:
    body = (b'<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<sm:sitemap><sm:loc>https://e.org/s1.xml</sm:loc></sm:sitemap><sm:sitemap><sm:loc>https://e.org/s2")
    feed = parse_feed(body, "https://e.org/index.xml", None, now=NOW)
    assert feed.children == ("https://e.org/s1.xml",)
    assert [reason for reason, _ in feed.dropped] == ["truncated"]


def test_sitemap_cut_after_a_complete_loc_keeps_every_url() -> None:
    body = (f'<urlset {NS}><url><loc>https://e.org/a</loc></url><url><loc>https://e.org/b</loc><lastm').encode()
    feed = parse_feed(body, "https://e.org/sitemap.xml", None, now=NOW)
    assert sorted(e.url for e in feed.entries) == ["https://e.org/a", "https://e.org/b"]
    assert feed.dropped == ()


def test_plain_text_sitemap_one_url_per_line() -> None:
    body = "\ufeffhttps://e.org/a\r\nhttps://e.org/b?x=1&y=2\n\nnot a url\nhttps://e.org/a\n".encode()
    assert looks_like_feed(body, "text/plain")
    feed = parse_feed(body, "https://e.org/sitemap.txt", "text/plain; charset=utf-8", now=NOW)
    assert feed.kind.value == "sitemap"
    assert [e.url for e in feed.entries] == ["https://e.org/a", "https://e.org/b?x=1&y=2"]
    assert [reason for reason, _ in feed.dropped] == ["no_link", "duplicate_guid"]


def test_prose_is_not_a_text_sitemap() -> None:
    assert not looks_like_feed(b"See https://e.org/a for details.\n", "text/plain")


def test_robots_sitemap_lines_after_a_byte_order_mark() -> None:
    text = "\ufeffSitemap: https://e.org/s1.xml\nUser-agent: *\nsitemap : /rel.xml # comment\n"
    assert sitemaps_from_robots(text, "https://e.org/") == ["https://e.org/s1.xml", "https://e.org/rel.xml"]


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, fetch_allow_private_networks=True, fetch_per_host_delay=0.0,
                    fetch_timeout=2.0, fetch_connect_timeout=1.0, fetch_read_timeout=1.0)


def test_home_page_without_feed_follows_the_text_sitemap_robots_lists(settings: Settings, origin: Origin) -> None:
    origin.route("/", "<html><head><title>Home</title></head><body><a href='/n/1'>One</a></body></html>")
    origin.route("/robots.txt", f"User-agent: *\nDisallow: /private/\nSitemap: {origin.url('/list.txt')}\n",
                 content_type="text/plain")
    origin.route("/list.txt", f"{origin.url('/n/1')}\n{origin.url('/n/2')}\n", content_type="text/plain")
    result = follow(settings, origin.url("/"))
    assert result.feeds == [{"url": origin.url("/list.txt"), "kind": "sitemap"}]
    paths = [r.path for r in origin.requests]
    assert paths.count("/robots.txt") == 1  # read once, for the rules and the sitemaps alike
    with session_scope(engine_for(settings.database_url)) as session:
        assert [f.kind for f in session.query(Feed)] == ["sitemap"]
