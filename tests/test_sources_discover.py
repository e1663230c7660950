"""Feed autodiscovery on realistic home pages: rel=alternate first, <base>, relative hrefs, fallbacks."""

from __future__ import annotations

from newsdesk.models import DiscoveredFeed, FeedKind
from newsdesk.sources import discover_feeds

NEWS_HOME = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>The Daily Example — News, Politics, World</title>
  <link rel="stylesheet" href="/static/site.css">
  <link rel="alternate" hreflang="de" href="https://example.com/de/">
  <link rel="alternate" type="application/rss+xml" title="The Daily Example &raquo; Feed" href="/feed/">
  <link rel="alternate" type="application/rss+xml" title="Comments Feed" href="/comments/feed/">
  <link rel="Alternate  home" type="application/atom+xml; charset=utf-8" title="Atom" href="feeds/atom.xml">
  <link rel="alternate" type="application/feed+json" title="JSON" href="//example.com/feed.json">
  <link rel="alternate" type="application/json" href="https://example.com/wp-json/wp/v2/pages/2">
  <link rel="alternate" type="application/json+oembed" href="https://example.com/wp-json/oembed/1.0/embed">
  <link rel="alternate" type="application/rss+xml" href="/feed/">
  <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
  <link rel="icon" href="/favicon.ico">
  <script>var feeds = '<link rel="alternate" type="application/rss+xml" href="/fake">';</script>
</head>
<body>
  <nav><a href="/world/">World</a> <a href="/politics/">Politics</a></nav>
  <article><a href="/2024/05/01/some-story.html">Some story</a></article>
  <footer>
    <a href="/feed/">RSS</a>
    <a href="https://example.com/world/rss.xml">World RSS</a>
    <a href="/sitemap_news.xml">News sitemap</a>
    <a href="/about">About</a>
    <a href="mailto:desk@example.com">Contact</a>
  </footer>
</body>
</html>"""


def test_rel_alternate_first_then_fallback_links_deduplicated() -> None:
    feeds = discover_feeds(NEWS_HOME, "https://example.com/")
    assert feeds == [
        DiscoveredFeed("https://example.com/feed/", FeedKind.RSS, "The Daily Example » Feed"),
        DiscoveredFeed("https://example.com/comments/feed/", FeedKind.RSS, "Comments Feed"),
        DiscoveredFeed("https://example.com/feeds/atom.xml", FeedKind.ATOM, "Atom"),
        DiscoveredFeed("https://example.com/feed.json", FeedKind.JSON, "JSON"),
        DiscoveredFeed("https://example.com/world/rss.xml", FeedKind.RSS, "World RSS"),
        DiscoveredFeed("https://example.com/sitemap_news.xml", FeedKind.SITEMAP, "News sitemap"),
    ]


def test_base_href_wins_over_page_url() -> None:
    html = """<html><head><base href="https://cdn.example.org/site/">
<link rel="alternate" type="application/rss+xml" href="rss/main.rss" title="Main">
</head><body><a href="latest.atom">Atom</a></body></html>"""
    feeds = discover_feeds(html, "https://www.example.org/en/index.html")
    assert [f.url for f in feeds] == [
        "https://cdn.example.org/site/rss/main.rss",
        "https://cdn.example.org/site/latest.atom",
    ]


def test_relative_hrefs_resolve_against_a_deep_page_url() -> None:
    html = '<html><head><link rel="alternate" type="application/rss+xml" href="../rss.xml"></head></html>'
    assert discover_feeds(html, "http://example.net/a/b/index.html") == [
        DiscoveredFeed("http://example.net/a/rss.xml", FeedKind.RSS, None)
    ]


def test_relative_base_href_is_resolved_and_a_bad_one_ignored() -> None:
    html = '<html><head><base href="/mirror/"><link rel="alternate" type="application/atom+xml" href="a.xml"></head></html>'
    assert [f.url for f in discover_feeds(html, "https://e.example/x/y")] == ["https://e.example/mirror/a.xml"]
    html = '<html><head><base href="javascript:void(0)"><link rel="alternate" type="application/atom+xml" href="a.xml"></head></html>'
    assert [f.url for f in discover_feeds(html, "https://e.example/x/y")] == ["https://e.example/x/a.xml"]


def test_pages_without_feeds_and_junk() -> None:
    assert discover_feeds("", "https://e.example/") == []
    assert discover_feeds("<html><body><p>No feeds here</p><a href='/about'>x</a></body></html>", "https://e.example/") == []
    assert discover_feeds("\x00\x00<<<>>>", "https://e.example/") == []
    # a page with thousands of feed-looking links is capped
    many = "".join(f'<a href="/f{i}.rss">f</a>' for i in range(5000))
    assert len(discover_feeds(f"<html><body>{many}</body></html>", "https://e.example/")) == 50


def test_non_ascii_page_and_uppercase_markup() -> None:
    html = """<HTML><HEAD><TITLE>Новости</TITLE>
<LINK REL="alternate" TYPE="application/rss+xml" TITLE="Лента новостей" HREF="/export/rss2/index.xml">
</HEAD><BODY></BODY></HTML>"""
    assert discover_feeds(html, "https://ru.example/") == [
        DiscoveredFeed("https://ru.example/export/rss2/index.xml", FeedKind.RSS, "Лента новостей")
    ]


def test_json_feed_advertised_as_plain_json() -> None:
    html = '<html><head><link rel="alternate" type="application/json" title="JSON Feed" href="/feed.json"></head></html>'
    assert discover_feeds(html, "https://j.example/") == [
        DiscoveredFeed("https://j.example/feed.json", FeedKind.JSON, "JSON Feed")
    ]
