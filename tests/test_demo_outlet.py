"""The demo outlet: corpus shape, served documents, conditional GETs, page furniture, extraction.

Everything runs against the real outlet on 127.0.0.1 with httpx, feedparser, lxml and trafilatura.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import feedparser
import httpx
import lxml.html
import pytest
import trafilatura
from lxml import etree

from newsdesk.demo.article import LINK
from newsdesk.demo.corpus import SAME_EVENT_PAIRS, TRACKED_SLUG
from newsdesk.demo.outlet import DemoArticle, DemoOutlet, demo_articles, render_article_page

ARTICLES = demo_articles()
BY_SLUG = {a.slug: a for a in ARTICLES}
FURNITURE = {
    "en": (
        "Share on Facebook",
        "Telegram",
        "More from",
        "What are you thinking?",
        "Sign up for our",
        "We use cookies",
        "All rights reserved",
    ),
    "ru": (
        "Поделиться в Facebook",
        "Telegram",
        "Другие материалы автора",
        "Что вы думаете?",
        "Подпишитесь на нашу рассылку",
        "файлы cookie",
        "Все права защищены",
    ),
}


@pytest.fixture(scope="module")
def outlet() -> Iterator[DemoOutlet]:
    with DemoOutlet() as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, trust_env=False) as c:
        yield c


def words(article: DemoArticle) -> int:
    return sum(len(p.split()) for p in article.plain_paragraphs)


# --- the corpus ---------------------------------------------------------------------------------


def test_corpus_shape() -> None:
    assert len(ARTICLES) == 30
    assert Counter(a.lang for a in ARTICLES) == {"en": 15, "ru": 15}
    assert len(BY_SLUG) == 30
    for a in ARTICLES:
        assert 150 <= words(a) <= 400, (a.slug, words(a))
        assert 3 <= len(a.body_paragraphs) <= 6, a.slug
        assert 1 <= len(a.authors) <= 2 and a.title and a.section and a.tags and a.image
        offset = a.published_at.utcoffset()
        assert offset is not None
        if a.lang == "ru":
            assert offset == timedelta(hours=3)
        else:
            assert offset in (timedelta(0), timedelta(hours=-5))
    assert [a.published_at for a in ARTICLES] == sorted((a.published_at for a in ARTICLES), reverse=True)
    prolific = [n for n, c in Counter(n for a in ARTICLES for n in a.authors).items() if c >= 4]
    assert len(prolific) >= 4


def test_wire_citations_and_source_lines() -> None:
    for a in ARTICLES:
        body = " ".join(a.plain_paragraphs)
        for wire in a.cited:
            assert wire in body, (a.slug, wire)
    gazeta = [a for a in ARTICLES if a.source_line == "Источник: Газета.Ru"]
    reuters = [a for a in ARTICLES if a.source_line == "Source: Reuters"]
    assert len(gazeta) >= 3 and all(a.lang == "ru" and a.cited for a in gazeta)
    assert len(reuters) >= 3 and all(a.lang == "en" and "Reuters" in a.cited for a in reuters)
    ru_wires = {w for a in ARTICLES for w in a.cited if a.lang == "ru"}
    assert {"РИА Новости", "ТАСС", "Интерфакс"} <= ru_wires


def test_inline_links_sit_mid_sentence_and_point_at_articles() -> None:
    linked = 0
    for a in ARTICLES:
        for p in a.body_paragraphs:
            for m in LINK.finditer(p):
                linked += 1
                assert m.start() > 0 and m.end() < len(p), (a.slug, "link at a paragraph edge")
                target = m.group(2).removeprefix("/news/")
                assert target in BY_SLUG and target != a.slug, (a.slug, m.group(2))
    assert linked >= 6
    assert len({a.lang for a in ARTICLES if any(LINK.search(p) for p in a.body_paragraphs)}) == 2


def test_same_event_pairs_cross_languages() -> None:
    assert len(SAME_EVENT_PAIRS) == 2
    for en, ru in SAME_EVENT_PAIRS:
        assert BY_SLUG[en].lang == "en" and BY_SLUG[ru].lang == "ru"
        gap = abs(BY_SLUG[en].published_at - BY_SLUG[ru].published_at)
        assert gap < timedelta(days=1)


# --- served documents ---------------------------------------------------------------------------


def test_home_lists_articles_and_advertises_feed(outlet: DemoOutlet, client: httpx.Client) -> None:
    r = client.get(outlet.home_url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    doc = lxml.html.fromstring(r.content)
    alt = doc.xpath('//link[@rel="alternate" and @type="application/rss+xml"]/@href')
    assert alt == [outlet.feed_url]
    hrefs = set(doc.xpath('//ul[@class="latest"]//a/@href'))
    assert hrefs == {outlet.article_url(a.slug) for a in ARTICLES}


def test_robots_allows_all_and_names_sitemap(outlet: DemoOutlet, client: httpx.Client) -> None:
    r = client.get(outlet.base_url + "/robots.txt")
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert f"Sitemap: {outlet.sitemap_url}" in lines
    assert not any(line.startswith("Disallow: /") for line in lines)


def test_news_sitemap(outlet: DemoOutlet, client: httpx.Client) -> None:
    r = client.get(outlet.sitemap_url)
    assert r.status_code == 200
    root = etree.fromstring(r.content)
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    urls = root.findall("s:url", ns)
    assert len(urls) == 30
    locs = {u.findtext("s:loc", namespaces=ns) for u in urls}
    assert locs == {outlet.article_url(a.slug) for a in ARTICLES}
    first = urls[0]
    a = ARTICLES[0]
    assert first.findtext("n:news/n:title", namespaces=ns) == a.title
    assert first.findtext("n:news/n:publication_date", namespaces=ns) == a.published_at.isoformat()
    assert first.findtext("n:news/n:publication/n:language", namespaces=ns) == a.lang


def test_feed_parses_with_all_articles(outlet: DemoOutlet, client: httpx.Client) -> None:
    r = client.get(outlet.feed_url)
    assert r.status_code == 200
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == 30
    by_title = {e.title: e for e in parsed.entries}
    for a in ARTICLES:
        entry = by_title[a.title]
        split = urlsplit(entry.link)
        assert f"{split.scheme}://{split.netloc}" == outlet.base_url
        assert split.path == a.path
        assert (split.query != "") == (a.slug == TRACKED_SLUG)
        assert entry.published_parsed is not None
        assert entry.get("author") == a.authors[0] or a.authors[0] in str(entry.get("authors"))
        assert entry.enclosures[0].href == outlet.base_url + a.image
    assert "utm_source=rss" in by_title[BY_SLUG[TRACKED_SLUG].title].link


def test_feed_conditional_get_gives_304(outlet: DemoOutlet, client: httpx.Client) -> None:
    first = client.get(outlet.feed_url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = client.get(outlet.feed_url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag.headers["etag"] == etag
    by_date = client.get(outlet.feed_url, headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    older = format_datetime(ARTICLES[-1].published_at, usegmt=False)
    assert client.get(outlet.feed_url, headers={"If-Modified-Since": older}).status_code == 200
    stale = client.get(outlet.feed_url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert stale.status_code == 200 and stale.content == first.content


def test_images_are_png(outlet: DemoOutlet, client: httpx.Client) -> None:
    r = client.get(outlet.base_url + ARTICLES[0].image)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG\r\n\x1a\n") and r.content.endswith(b"IEND\xaeB`\x82")


def test_unknown_path_is_404_and_head_has_no_body(outlet: DemoOutlet, client: httpx.Client) -> None:
    assert client.get(outlet.base_url + "/news/no-such-story").status_code == 404
    head = client.head(outlet.article_url(ARTICLES[0].slug))
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0


# --- article pages ------------------------------------------------------------------------------


def test_article_reachable_through_two_urls_with_canonical(outlet: DemoOutlet, client: httpx.Client) -> None:
    clean = client.get(outlet.article_url(TRACKED_SLUG))
    tracked = client.get(outlet.article_url(TRACKED_SLUG) + "?utm_source=rss&utm_medium=feed")
    assert clean.status_code == tracked.status_code == 200
    assert clean.content == tracked.content
    doc = lxml.html.fromstring(tracked.content)
    assert doc.xpath('//link[@rel="canonical"]/@href') == [outlet.article_url(TRACKED_SLUG)]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_article_head_metadata(outlet: DemoOutlet, client: httpx.Client, lang: str) -> None:
    a = next(x for x in ARTICLES if x.lang == lang and len(x.authors) == 2)
    doc = lxml.html.fromstring(client.get(outlet.article_url(a.slug)).content)
    url = outlet.article_url(a.slug)
    assert doc.get("lang") == lang
    assert a.title in doc.findtext(".//title")
    meta = {m.get("property") or m.get("name"): m.get("content") for m in doc.xpath("//meta[@content]")}
    assert meta["og:title"] == a.title and meta["og:url"] == url
    assert meta["og:image"] == outlet.base_url + a.image
    assert meta["og:site_name"] == ("The Harbour Courier" if lang == "en" else "Портовый вестник")
    assert meta["article:published_time"] == a.published_at.isoformat()
    assert meta["author"] == ", ".join(a.authors)
    (ld_text,) = doc.xpath('//script[@type="application/ld+json"]/text()')
    ld = json.loads(ld_text)
    assert ld["@type"] == "NewsArticle" and ld["headline"] == a.title
    assert ld["datePublished"] == a.published_at.isoformat()
    assert re.search(r"[+-]\d\d:\d\d$", ld["datePublished"])
    assert [p["name"] for p in ld["author"]] == list(a.authors)
    assert ld["publisher"]["name"] == meta["og:site_name"]
    assert ld["image"] == [meta["og:image"]] and ld["articleSection"] == a.section
    assert "articleBody" not in ld


def test_article_furniture(outlet: DemoOutlet, client: httpx.Client) -> None:
    for a in (BY_SLUG["harbour-bridge-cable-repairs-4102"], BY_SLUG["snegopad-severnyj-vezd-4103"]):
        html = client.get(outlet.article_url(a.slug)).text
        doc = lxml.html.fromstring(html)
        text = doc.text_content()
        for phrase in FURNITURE[a.lang]:
            assert phrase in text, (a.slug, phrase)
        assert doc.xpath('//nav[@class="main-nav"]//a') and doc.xpath('//nav[@class="breadcrumbs"]//a')
        assert doc.xpath('//section[@class="comments"]//form//textarea')
        assert a.authors[0] in doc.xpath('string(//aside[@class="more-from"]/h2)')
        teasers = doc.xpath('//aside[@class="more-from"]//li[@class="teaser"]')
        assert len(teasers) == 4
        for teaser in teasers:
            target = teaser.xpath("a/@href")[0].removeprefix(outlet.base_url + "/news/")
            assert target in BY_SLUG and target != a.slug and BY_SLUG[target].lang == a.lang
            assert re.fullmatch(r"\d\d:\d\d", teaser.findtext("time"))
            snippet = teaser.findtext("p")
            assert snippet.endswith("...") and 100 <= len(snippet) <= 153
        if a.source_line:
            assert doc.xpath('string(//div[@class="story-body"]/p[last()])') == a.source_line


def test_inline_links_render_as_anchors_inside_paragraphs(outlet: DemoOutlet, client: httpx.Client) -> None:
    a = BY_SLUG["imo-global-shipping-emissions-levy-4107"]
    doc = lxml.html.fromstring(client.get(outlet.article_url(a.slug)).content)
    anchors = doc.xpath('//div[@class="story-body"]/p/a')
    assert [x.get("href") for x in anchors] == [
        outlet.article_url("port-alder-record-container-volumes-4090")
    ]
    paragraph = anchors[0].getparent()
    assert paragraph.text and anchors[0].tail and anchors[0].text == "reached new records"


def test_render_without_server_matches_served_page(outlet: DemoOutlet, client: httpx.Client) -> None:
    a = ARTICLES[5]
    assert render_article_page(a, outlet.base_url) == client.get(outlet.article_url(a.slug)).text


def test_trafilatura_extracts_body_without_furniture(outlet: DemoOutlet, client: httpx.Client) -> None:
    for a in ARTICLES:
        url = outlet.article_url(a.slug)
        # include_comments=False: with trafilatura's default the "What are you thinking?" heading of
        # the comment box is kept as a comment, which is the project's extractor's job to drop.
        text = trafilatura.extract(client.get(url).text, url=url, include_comments=False)
        assert text is not None, a.slug
        for paragraph in a.plain_paragraphs:
            assert paragraph in text, (a.slug, paragraph[:60])
        for phrase in FURNITURE[a.lang]:
            assert phrase not in text, (a.slug, phrase)
        assert "..." not in text  # no teaser from the rail


def test_section_pages_list_their_articles(outlet: DemoOutlet, client: httpx.Client) -> None:
    url = outlet.base_url + "/section/gorod"
    doc = lxml.html.fromstring(client.get(url).content)
    assert doc.get("lang") == "ru"
    assert doc.xpath('//link[@rel="canonical"]/@href') == [url]
    listed = {h.removeprefix(outlet.base_url + "/news/") for h in doc.xpath('//ul[@class="latest"]//a/@href')}
    assert listed == {a.slug for a in ARTICLES if a.section == "Город"}


def test_odd_paths_are_plain_404s(outlet: DemoOutlet, client: httpx.Client) -> None:
    for path in ("/../../etc/passwd", "/news/" + "a" * 5000, "/news/%00", "/images/../robots.txt.png"):
        r = client.get(outlet.base_url + path)
        assert r.status_code == 404, path
    assert client.get(outlet.home_url).status_code == 200  # the server is still answering
