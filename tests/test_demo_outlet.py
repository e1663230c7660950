"""The demo outlets: corpus shape, the story answer key, served documents, page furniture, extraction.

Everything runs against the four real outlets on 127.0.0.1 with httpx, the project's own feed
parsers and extractor, feedparser, lxml and trafilatura.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime
from itertools import combinations
from urllib.parse import urlsplit

import feedparser
import httpx
import lxml.html
import pytest
import trafilatura
from lxml import etree

from newsdesk.demo.article import LINK
from newsdesk.demo.corpus import (
    DEMO_STORIES,
    REPRINT_PAIRS,
    SAME_CITY_EVENTS,
    SAME_EVENT_PAIRS,
    TRACKED_SLUG,
    demo_slug,
    expected_stories,
)
from newsdesk.demo.outlet import DemoArticle, DemoOutlet, DemoOutlets, demo_articles, render_article_page
from newsdesk.demo.outlets import BY_KEY, OUTLETS
from newsdesk.extract.article import extract_article
from newsdesk.extract.citations import canonical_source
from newsdesk.sources import discover_feeds, parse_feed

ARTICLES = demo_articles()
BY_SLUG = {a.slug: a for a in ARTICLES}
STORIES = {s.key: s for s in DEMO_STORIES}
# What each outlet's pages put around the text; none of it may reach an extracted body.
FURNITURE = {
    "courier": (
        "Share on Facebook",
        "Telegram",
        "More from",
        "What are you thinking?",
        "Sign up for our",
        "We use cookies",
        "All rights reserved",
    ),
    "vestnik": (
        "Поделиться в Facebook",
        "Telegram",
        "Другие материалы автора",
        "Что вы думаете?",
        "Подпишитесь на нашу рассылку",
        "файлы cookie",
        "Все права защищены",
    ),
    "ledger": (
        "We value your privacy",
        "Subscribe now",
        "Today's Paper",
        "Breaking",
        "Gift this article",
        "Related",
        "Advertisement",
        "Ledger file photo",
        "Filed under",
        "The Morning Ledger",
        "More Coverage",
        "Join the conversation",
        "Do Not Sell",
    ),
    "zaliv": (
        "Подписывайтесь",
        "USD",
        "Пробки",
        "просмотров",
        "Фото: пресс-служба",
        "Читайте также",
        "Автор:",
        "Одноклассники",
        "Ctrl+Enter",
        "Самое читаемое",
        "Новости партнёров",
        "файлов cookie",
        "Сетевое издание",
    ),
}
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}


@pytest.fixture(scope="module")
def outlets() -> Iterator[DemoOutlets]:
    with DemoOutlets() as running:
        yield running


@pytest.fixture(scope="module")
def outlet(outlets: DemoOutlets) -> DemoOutlet:
    """The Harbour Courier: the RSS outlet with the tracked-URL duplicate."""
    return outlets["courier"]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, trust_env=False) as c:
        yield c


def words(article: DemoArticle) -> int:
    return sum(len(p.split()) for p in article.plain_paragraphs)


def shingles(article: DemoArticle, n: int = 5) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", " ".join(article.plain_paragraphs).casefold())
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def jaccard(a: DemoArticle, b: DemoArticle) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


# --- the corpus ---------------------------------------------------------------------------------


def test_four_outlets_two_per_language_each_its_own_feed_kind_and_country() -> None:
    assert len(OUTLETS) == 4
    assert Counter(o.lang for o in OUTLETS) == {"en": 2, "ru": 2}
    assert {o.feed_kind for o in OUTLETS} == {"rss", "atom", "json", "sitemap"}
    assert len({o.name for o in OUTLETS}) == 4 and len({o.port_offset for o in OUTLETS}) == 4
    assert {o.country for o in OUTLETS if o.lang == "en"} == {"GB", "US"}
    assert {o.country for o in OUTLETS if o.lang == "ru"} == {"RU"}
    assert len({o.template for o in OUTLETS}) == 3


def test_corpus_shape() -> None:
    assert len(ARTICLES) == len(BY_SLUG) == 48
    assert Counter(a.outlet for a in ARTICLES) == {"courier": 18, "vestnik": 16, "ledger": 8, "zaliv": 6}
    for a in ARTICLES:
        assert a.lang == BY_KEY[a.outlet].lang, a.slug
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


def test_inline_links_sit_mid_sentence_and_point_at_articles_of_the_same_outlet() -> None:
    linked = 0
    for a in ARTICLES:
        paths = {x.path: x for x in ARTICLES if x.outlet == a.outlet}
        for p in a.body_paragraphs:
            for m in LINK.finditer(p):
                linked += 1
                assert m.start() > 0 and m.end() < len(p), (a.slug, "link at a paragraph edge")
                assert m.group(2) in paths and paths[m.group(2)] is not a, (a.slug, m.group(2))
    assert linked >= 8
    assert {a.outlet for a in ARTICLES if any(LINK.search(p) for p in a.body_paragraphs)} == set(BY_KEY)


def test_stories_answer_key() -> None:
    """At least five events told by 2–4 outlets across both languages; the rest are singletons."""
    partition = [slug for story in expected_stories() for slug in story]
    assert sorted(partition) == sorted(BY_SLUG)
    cross_language = 0
    for story in DEMO_STORIES:
        members = [BY_SLUG[s] for s in story.slugs]
        outlets = [a.outlet for a in members]
        assert 2 <= len(set(outlets)) <= 4, story.key
        # one article per outlet, except where an outlet's own follow-up would belong (none here)
        assert len(set(outlets)) == len(outlets), story.key
        times = [a.published_at for a in members]
        assert max(times) - min(times) < timedelta(days=1), story.key
        assert len({a.title for a in members}) == len(members), story.key
        cross_language += len({a.lang for a in members}) == 2
    assert cross_language >= 5
    singletons = [s for s in expected_stories() if len(s) == 1]
    assert len(singletons) >= 20 and {BY_SLUG[s[0]].outlet for s in singletons} == set(BY_KEY)


def test_same_event_pairs_cross_languages() -> None:
    assert len(SAME_EVENT_PAIRS) >= 5
    assert len({next(s.key for s in DEMO_STORIES if en in s.slugs) for en, _ in SAME_EVENT_PAIRS}) >= 5
    for en, ru in SAME_EVENT_PAIRS:
        assert BY_SLUG[en].lang == "en" and BY_SLUG[ru].lang == "ru"
        gap = abs(BY_SLUG[en].published_at - BY_SLUG[ru].published_at)
        assert gap < timedelta(days=1)
    # the two pairs the demo had from the start are still there
    assert ("imo-global-shipping-emissions-levy-4107", "imo-globalnyj-sbor-vybrosy-sudov-4106") in SAME_EVENT_PAIRS
    assert ("aster-probe-lands-on-asteroid-4105", "zond-aster-posadka-asteroid-4104") in SAME_EVENT_PAIRS


def test_same_event_articles_are_written_independently() -> None:
    """Same event, same language, not a reprint: each outlet's own words (few shared 5-grams)."""
    reprints = {frozenset(p) for p in REPRINT_PAIRS}
    compared = 0
    for story in DEMO_STORIES:
        for one, other in combinations(story.slugs, 2):
            a, b = BY_SLUG[one], BY_SLUG[other]
            if a.lang != b.lang or frozenset((one, other)) in reprints:
                continue
            compared += 1
            assert jaccard(a, b) < 0.05, (one, other, jaccard(a, b))
    assert compared >= 5


def test_reprint_pair_is_the_wire_text_lightly_edited() -> None:
    assert len(REPRINT_PAIRS) == 1
    ((first, copy),) = REPRINT_PAIRS
    original, reprint = BY_SLUG[first], BY_SLUG[copy]
    assert original.outlet != reprint.outlet and original.lang == reprint.lang
    assert original.published_at < reprint.published_at
    assert original.title != reprint.title and original.authors == reprint.authors
    assert original.source_line and reprint.source_line and original.source_line.startswith("Source: ")
    assert jaccard(original, reprint) >= 0.8
    # one paragraph cut, the others word for word
    assert set(reprint.body_paragraphs) < set(original.body_paragraphs)
    assert len(original.body_paragraphs) - len(reprint.body_paragraphs) == 1
    story = next(s for s in DEMO_STORIES if first in s.slugs)
    assert copy in story.slugs and story.reprints == REPRINT_PAIRS
    assert {BY_SLUG[s].lang for s in story.slugs} == {"en", "ru"}


def test_two_different_events_in_one_city() -> None:
    ((one, other),) = SAME_CITY_EVENTS
    left, right = STORIES[one], STORIES[other]
    for slug in left.slugs + right.slugs:
        a = BY_SLUG[slug]
        assert re.search("Rotterdam|Роттердам", " ".join((a.title, *a.plain_paragraphs))), slug
    for x in left.slugs:
        for y in right.slugs:
            assert abs(BY_SLUG[x].published_at - BY_SLUG[y].published_at) < timedelta(days=4)
            if BY_SLUG[x].lang == BY_SLUG[y].lang:
                assert jaccard(BY_SLUG[x], BY_SLUG[y]) < 0.02
    assert {BY_SLUG[s].lang for s in left.slugs} == {BY_SLUG[s].lang for s in right.slugs} == {"en", "ru"}


def test_demo_slug_reads_every_outlet_url(outlets: DemoOutlets) -> None:
    for a in ARTICLES:
        url = outlets.article_url(a.slug)
        assert demo_slug(url) == a.slug and demo_slug(url + "?utm_source=rss") == a.slug
    assert demo_slug(outlets["courier"].home_url) is None


# --- served documents ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(BY_KEY))
def test_home_lists_its_articles_and_advertises_its_feed(
    outlets: DemoOutlets, client: httpx.Client, key: str
) -> None:
    site = outlets[key]
    r = client.get(site.home_url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    doc = lxml.html.fromstring(r.content)
    assert doc.get("lang", "").startswith(site.profile.lang)
    hrefs = set(doc.xpath('//ul[@class="latest"]//a/@href'))
    assert hrefs == {site.article_url(a.slug) for a in site.articles}
    assert len(site.articles) == sum(a.outlet == key for a in ARTICLES)
    discovered = discover_feeds(r.text, site.home_url)
    if site.profile.feed_kind == "sitemap":
        assert discovered == []  # no feed at all: the news sitemap in robots.txt is the way in
    else:
        assert [(d.url, d.kind.value) for d in discovered[:1]] == [(site.feed_url, site.profile.feed_kind)]
        alt = doc.xpath(f'//link[@rel="alternate" and @type="{FEED_TYPES[site.profile.feed_kind]}"]/@href')
        assert alt == [site.feed_url]


@pytest.mark.parametrize("key", list(BY_KEY))
def test_robots_allows_all_and_names_sitemap(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    site = outlets[key]
    r = client.get(site.base_url + "/robots.txt")
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert f"Sitemap: {site.sitemap_url}" in lines
    assert not any(line.startswith("Disallow: /") for line in lines)


@pytest.mark.parametrize("key", list(BY_KEY))
def test_news_sitemap(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    site = outlets[key]
    r = client.get(site.sitemap_url)
    assert r.status_code == 200
    root = etree.fromstring(r.content)
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    urls = root.findall("s:url", ns)
    assert len(urls) == len(site.articles)
    locs = {u.findtext("s:loc", namespaces=ns) for u in urls}
    assert locs == {site.article_url(a.slug) for a in site.articles}
    first, a = urls[0], site.articles[0]
    assert first.findtext("n:news/n:title", namespaces=ns) == a.title
    assert first.findtext("n:news/n:publication_date", namespaces=ns) == a.published_at.isoformat()
    assert first.findtext("n:news/n:publication/n:language", namespaces=ns) == a.lang
    assert first.findtext("n:news/n:publication/n:name", namespaces=ns) == site.profile.name


@pytest.mark.parametrize("key", list(BY_KEY))
def test_feed_parses_with_the_project_parser(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    """Each outlet's feed (or, for the portal, its news sitemap) gives every article with its time."""
    site = outlets[key]
    r = client.get(site.feed_url)
    assert r.status_code == 200
    parsed = parse_feed(r.content, site.feed_url, r.headers["content-type"])
    assert parsed.kind.value == site.profile.feed_kind
    assert parsed.lang == site.profile.lang
    by_path = {urlsplit(e.url).path: e for e in parsed.entries}
    assert set(by_path) == {a.path for a in site.articles}
    for a in site.articles:
        entry = by_path[a.path]
        assert entry.title == a.title and entry.published_at == a.published_at
        if site.profile.feed_kind != "sitemap":
            assert list(entry.authors) == list(a.authors)


def test_rss_and_atom_parse_with_feedparser(outlets: DemoOutlets, client: httpx.Client) -> None:
    for key in ("courier", "vestnik"):
        site = outlets[key]
        parsed = feedparser.parse(client.get(site.feed_url).content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == ("rss20" if key == "courier" else "atom10")
        assert parsed.feed.title == site.profile.name
        by_title = {e.title: e for e in parsed.entries}
        assert set(by_title) == {a.title for a in site.articles}
        for a in site.articles:
            entry = by_title[a.title]
            split = urlsplit(entry.link)
            assert f"{split.scheme}://{split.netloc}" == site.base_url and split.path == a.path
            assert (split.query != "") == (a.slug == TRACKED_SLUG)
            assert entry.published_parsed is not None
            assert entry.get("author") == a.authors[0] or a.authors[0] in str(entry.get("authors"))
    courier = {e.title: e for e in feedparser.parse(client.get(outlets["courier"].feed_url).content).entries}
    assert "utm_source=rss" in courier[BY_SLUG[TRACKED_SLUG].title].link
    assert all(e.enclosures[0].href.startswith(outlets["courier"].base_url + "/images/") for e in courier.values())


def test_json_feed_is_json_feed_1_1(outlets: DemoOutlets, client: httpx.Client) -> None:
    site = outlets["ledger"]
    r = client.get(site.feed_url)
    assert r.headers["content-type"].startswith("application/feed+json")
    feed = r.json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["feed_url"] == site.feed_url
    assert all("content_html" not in item and item["summary"] for item in feed["items"])
    assert all(re.search(r"-05:00$", item["date_published"]) for item in feed["items"])


@pytest.mark.parametrize("key", ["courier", "vestnik", "ledger"])
def test_feed_conditional_get_gives_304(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    site = outlets[key]
    first = client.get(site.feed_url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = client.get(site.feed_url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag.headers["etag"] == etag
    by_date = client.get(site.feed_url, headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    older = format_datetime(site.articles[-1].published_at, usegmt=False)
    assert client.get(site.feed_url, headers={"If-Modified-Since": older}).status_code == 200
    stale = client.get(site.feed_url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert stale.status_code == 200 and stale.content == first.content


def test_images_are_png(outlet: DemoOutlet, client: httpx.Client) -> None:
    r = client.get(outlet.base_url + outlet.articles[0].image)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG\r\n\x1a\n") and r.content.endswith(b"IEND\xaeB`\x82")


def test_unknown_path_is_404_and_head_has_no_body(outlet: DemoOutlet, client: httpx.Client) -> None:
    assert client.get(outlet.base_url + "/news/no-such-story").status_code == 404
    head = client.head(outlet.article_url(outlet.articles[0].slug))
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0


def test_an_outlet_serves_only_its_own_articles(outlets: DemoOutlets, client: httpx.Client) -> None:
    ledger_article = outlets["ledger"].articles[0]
    assert client.get(outlets["courier"].base_url + ledger_article.path).status_code == 404
    assert client.get(outlets["ledger"].base_url + ledger_article.path).status_code == 200
    assert len({o.base_url for o in outlets}) == 4


# --- article pages ------------------------------------------------------------------------------


def test_article_reachable_through_two_urls_with_canonical(outlet: DemoOutlet, client: httpx.Client) -> None:
    clean = client.get(outlet.article_url(TRACKED_SLUG))
    tracked = client.get(outlet.article_url(TRACKED_SLUG) + "?utm_source=rss&utm_medium=feed")
    assert clean.status_code == tracked.status_code == 200
    assert clean.content == tracked.content
    doc = lxml.html.fromstring(tracked.content)
    assert doc.xpath('//link[@rel="canonical"]/@href') == [outlet.article_url(TRACKED_SLUG)]


@pytest.mark.parametrize("key", ["courier", "vestnik"])
def test_classic_article_head_metadata(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    site = outlets[key]
    a = next(x for x in site.articles if len(x.authors) == 2)
    doc = lxml.html.fromstring(client.get(site.article_url(a.slug)).content)
    url = site.article_url(a.slug)
    assert doc.get("lang") == a.lang
    assert a.title in doc.findtext(".//title")
    meta = {m.get("property") or m.get("name"): m.get("content") for m in doc.xpath("//meta[@content]")}
    assert meta["og:title"] == a.title and meta["og:url"] == url
    assert meta["og:image"] == site.base_url + a.image
    assert meta["og:site_name"] == site.profile.name
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


def test_ledger_and_portal_state_dates_their_own_way(outlets: DemoOutlets, client: httpx.Client) -> None:
    ledger = outlets["ledger"]
    a = ledger.articles[0]
    doc = lxml.html.fromstring(client.get(ledger.article_url(a.slug)).content)
    assert not doc.xpath('//meta[@property="article:published_time"]')  # JSON-LD is the only machine date
    (ld_text,) = doc.xpath('//script[@type="application/ld+json"]/text()')
    assert json.loads(ld_text)["datePublished"] == a.published_at.isoformat()
    stamp = doc.xpath('string(//p[@class="timestamp"])')
    assert re.fullmatch(r"Published [A-Z][a-z]+\.? \d{1,2}, 2026, \d{1,2}:\d\d [ap]\.m\. EST", stamp), stamp
    zaliv = outlets["zaliv"]
    b = zaliv.articles[0]
    doc = lxml.html.fromstring(client.get(zaliv.article_url(b.slug)).content)
    assert not doc.xpath('//script[@type="application/ld+json"]') and not doc.xpath("//link[@rel='alternate']")
    assert doc.xpath('//meta[@itemprop="datePublished"]/@content') == [b.published_at.isoformat()]
    shown = doc.xpath('string(//span[@class="article__date"])')
    assert re.fullmatch(r"\d{1,2} [а-я]+ 2026, \d\d:\d\d \(МСК\)", shown), shown


@pytest.mark.parametrize("key", list(BY_KEY))
def test_article_furniture(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    site = outlets[key]
    for a in site.articles[:3]:
        doc = lxml.html.fromstring(client.get(site.article_url(a.slug)).content)
        text = doc.text_content()
        for phrase in FURNITURE[key]:
            assert phrase in text, (a.slug, phrase)
        # the rails link only to the outlet's own other articles
        own = {site.article_url(x.slug) for x in site.articles if x is not a}
        rails = doc.xpath("//aside//a/@href | //section//li/a/@href | //div[@class='sidebar']//a/@href")
        assert rails and set(rails) <= own, (a.slug, set(rails) - own)


def test_classic_rail_and_source_line(outlets: DemoOutlets, client: httpx.Client) -> None:
    for a in (BY_SLUG["harbour-bridge-cable-repairs-4102"], BY_SLUG["snegopad-severnyj-vezd-4103"]):
        site = outlets[a.outlet]
        doc = lxml.html.fromstring(client.get(site.article_url(a.slug)).content)
        assert doc.xpath('//nav[@class="main-nav"]//a') and doc.xpath('//nav[@class="breadcrumbs"]//a')
        assert doc.xpath('//section[@class="comments"]//form//textarea')
        assert a.authors[0] in doc.xpath('string(//aside[@class="more-from"]/h2)')
        teasers = doc.xpath('//aside[@class="more-from"]//li[@class="teaser"]')
        assert len(teasers) == 4
        for teaser in teasers:
            assert re.fullmatch(r"\d\d:\d\d", teaser.findtext("time"))
            snippet = teaser.findtext("p")
            assert snippet.endswith("...") and 100 <= len(snippet) <= 153
        if a.source_line:
            assert doc.xpath('string(//div[@class="story-body"]/p[last()])') == a.source_line


def test_inline_links_render_as_anchors_inside_paragraphs(outlet: DemoOutlet, client: httpx.Client) -> None:
    a = BY_SLUG["imo-global-shipping-emissions-levy-4107"]
    doc = lxml.html.fromstring(client.get(outlet.article_url(a.slug)).content)
    anchors = doc.xpath('//div[@class="story-body"]/p/a')
    assert [x.get("href") for x in anchors] == [outlet.article_url("port-alder-record-container-volumes-4090")]
    paragraph = anchors[0].getparent()
    assert paragraph.text and anchors[0].tail and anchors[0].text == "reached new records"


@pytest.mark.parametrize("key", list(BY_KEY))
def test_render_without_server_matches_served_page(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    site = outlets[key]
    a = site.articles[len(site.articles) // 2]
    assert render_article_page(a, site.base_url) == client.get(site.article_url(a.slug)).text


@pytest.mark.parametrize("key", list(BY_KEY))
def test_project_extractor_gets_every_article_clean(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    """Title, byline, the instant with its zone, language, and exactly the body paragraphs."""
    site = outlets[key]
    for a in site.articles:
        url = site.article_url(a.slug)
        got = extract_article(client.get(url).text, url)
        assert got.title == a.title, a.slug
        assert got.authors == a.authors, (a.slug, got.authors)
        assert got.published_at == a.published_at, (a.slug, got.published_at)
        assert got.lang == a.lang and got.site_name == site.profile.name, a.slug
        assert got.text.split("\n") == list(a.plain_paragraphs), a.slug
        for phrase in FURNITURE[key]:
            assert phrase not in got.text, (a.slug, phrase)
        if a.source_line:  # the "Source: X" line leaves the text and names where the text came from
            assert got.text_sources == (canonical_source(a.source_line.split(": ", 1)[1]),), a.slug


@pytest.mark.parametrize("key", list(BY_KEY))
def test_trafilatura_extracts_body_without_furniture(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    site = outlets[key]
    for a in site.articles:
        url = site.article_url(a.slug)
        # include_comments=False: with trafilatura's default the "What are you thinking?" heading of
        # the comment box is kept as a comment, which is the project's extractor's job to drop.
        text = trafilatura.extract(client.get(url).text, url=url, include_comments=False)
        assert text is not None, a.slug
        for paragraph in a.plain_paragraphs:
            assert paragraph in text, (a.slug, paragraph[:60])
        assert "..." not in text  # no teaser from a rail


@pytest.mark.parametrize("key", list(BY_KEY))
def test_section_pages_list_their_articles(outlets: DemoOutlets, client: httpx.Client, key: str) -> None:
    site = outlets[key]
    name, section = next((n, k) for n, k in site.profile.sections if any(a.section == n for a in site.articles))
    url = site.base_url + "/section/" + section
    doc = lxml.html.fromstring(client.get(url).content)
    assert doc.get("lang", "").startswith(site.profile.lang)
    assert doc.xpath('//link[@rel="canonical"]/@href') == [url]
    listed = set(doc.xpath('//ul[@class="latest"]//a/@href'))
    assert listed == {site.article_url(a.slug) for a in site.articles if a.section == name}


def test_odd_paths_are_plain_404s(outlet: DemoOutlet, client: httpx.Client) -> None:
    for path in ("/../../etc/passwd", "/news/" + "a" * 5000, "/news/%00", "/images/../robots.txt.png"):
        r = client.get(outlet.base_url + path)
        assert r.status_code == 404, path
    assert client.get(outlet.home_url).status_code == 200  # the server is still answering
