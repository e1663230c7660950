"""Hostile input: whatever bytes arrive, the sources stage answers with data or a ParseError.

Hypothesis mutates real documents (cut, spliced, bytes flipped) and invents markup; a crash of any
other kind, or a result that breaks the model's promises (http(s) links, aware UTC dates), fails.
"""

from __future__ import annotations

import contextlib
import gzip
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk.errors import ParseError
from newsdesk.models import ParsedFeed
from newsdesk.sources import discover_feeds, looks_like_feed, parse_feed, parse_opml

NOW = datetime(2024, 5, 1, tzinfo=UTC)

SEEDS = [
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T &amp; co</title>'
    b"<item><title>A</title><link>/a</link><guid>1</guid><pubDate>Tue, 30 Apr 2024 10:00:00 GMT</pubDate>"
    b'<description>&lt;p&gt;x&lt;/p&gt;</description><enclosure url="/i.jpg" type="image/jpeg"/></item>'
    b"<item><title>B</title><link>https://x.example/b</link></item></channel></rss>",
    b'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de"><title>t</title><entry><title>e</title>'
    b'<link href="https://x.example/e"/><updated>2024-04-30T10:00:00Z</updated></entry></feed>',
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "https://x.example/j",'
    b' "date_published": "2024-04-30T10:00:00+02:00", "authors": [{"name": "N"}]}]}',
    b'<urlset xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://x.example/s</loc>'
    b"<lastmod>2024-04-30</lastmod><news:news><news:publication_date>2024-04-30T10:00Z</news:publication_date>"
    b"<news:title>S</news:title></news:news></url></urlset>",
    b"<sitemapindex><sitemap><loc>https://x.example/s1.xml</loc></sitemap></sitemapindex>",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "dup"]))
        pos = draw(st.integers(0, max(0, len(body) - 1)))
        if op == "cut":
            del body[pos:]
        elif op == "flip" and body:
            body[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            body[pos:pos] = draw(st.sampled_from([b"<", b"&", b"]]>", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"\x00",
                                                  b"\xff\xfe", b"<item>", b'"', b"&a;", b"\xe9"]))
        elif op == "dup":
            body[pos:pos] = body[: draw(st.integers(0, len(body)))]
    gz = draw(st.booleans())
    return gzip.compress(bytes(body)) if gz else bytes(body)


def _check(feed: ParsedFeed) -> None:
    for entry in feed.entries:
        assert entry.url.startswith(("http://", "https://"))
        for value in (entry.published_at, entry.updated_at):
            assert value is None or (value.utcoffset() == timedelta(0) and value <= NOW + timedelta(days=1))
    assert len({e.url for e in feed.entries}) == len(feed.entries)
    assert all(c.startswith(("http://", "https://")) for c in feed.children)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=mutated(), content_type=st.sampled_from([None, "application/rss+xml", "text/html", "application/json"]))
def test_mutated_documents_give_data_or_parse_error(body: bytes, content_type: str | None) -> None:
    try:
        feed = parse_feed(body, "https://x.example/feed", content_type, now=NOW)
    except ParseError as err:
        assert err.reason in {"malformed", "html_not_feed", "unknown_format", "too_large"}
    else:
        _check(feed)
    assert looks_like_feed(body, content_type) in (True, False)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=2000))
def test_random_bytes(body: bytes) -> None:
    with contextlib.suppress(ParseError):
        _check(parse_feed(body, "https://x.example/feed", now=NOW))


markup = st.lists(
    st.sampled_from(['<link rel="alternate" type="application/rss+xml" href="', '">', "<base href=", "<a href='",
                     "'>", "feed.xml", "/rss", "javascript:", "//", "<", ">", "&amp;", "\x00", "é", " ", "<html>",
                     "<opml>", "<outline xmlUrl='http://o.example/", "<body>", "</outline>", "/>"]),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(html=markup)
def test_discovery_never_crashes(html: str) -> None:
    for feed in discover_feeds(html, "https://d.example/page"):
        assert feed.url.startswith(("http://", "https://"))


@settings(max_examples=200, deadline=None)
@given(doc=markup)
def test_opml_gives_feeds_or_parse_error(doc: str) -> None:
    try:
        feeds = parse_opml(doc)
    except ParseError:
        return
    assert all(f.url.startswith(("http://", "https://")) for f in feeds)
