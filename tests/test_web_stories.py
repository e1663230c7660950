"""Stories on the reader site, both backends: the front page's top stories, story pages and their
``.json``, feeds, the API, the CLI, merged stories (301), unknown ones (404) and folded reprints.

The stories are written straight into the store (``tests/support/storydata.py``), as the stories
stage leaves them, so these tests read what the pages make of that data and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from newsdesk.cli import main
from newsdesk.clock import fixed_clock
from newsdesk.settings import load_settings
from newsdesk.store import story_queries
from newsdesk.store.db import engine_for
from newsdesk.web.app import create_app
from tests.conftest import BACKENDS, database_copy, seeded_database
from tests.support.storydata import (
    FERRY_EN,
    FERRY_RU,
    FERRY_RU_EN,
    FISHERS_RU,
    MUSEUM_EN,
    MUSEUM_EN_RU,
    StoryWorld,
    seed_stories,
)
from tests.support.webdata import BASE_TIME, SITE_NOW

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WORLDS: dict[str, StoryWorld] = {}


@pytest.fixture(scope="module", params=BACKENDS)
def story_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def seed(url: str) -> None:
        WORLDS[request.param] = seed_stories(url)

    with seeded_database(request.param, tmp_path_factory.mktemp("stories"), seed) as url:
        yield url


@pytest.fixture
def world(story_db: str) -> StoryWorld:
    return WORLDS["sqlite" if story_db.startswith("sqlite") else "postgres"]


@pytest.fixture
def site_url(story_db: str, tmp_path: Path) -> Iterator[str]:
    with database_copy(story_db, tmp_path) as url:
        yield url


@pytest.fixture
def client(site_url: str) -> Iterator[TestClient]:
    settings = load_settings(database_url=site_url, secret_key="test-secret", target_languages="en")
    with TestClient(create_app(settings, stale_grace=0, clock=fixed_clock(SITE_NOW)),
                    raise_server_exceptions=False) as c:
        yield c


def text_of(html: str) -> str:
    return re.sub(r" ([,.])", r"\1", " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split()))


def cards(html: str) -> list[str]:
    """The story ids of the front page's top-story cards, in order."""
    block = html.split('class="top-stories"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<h3 class="headline"[^>]*><a href="/story/(\d+)"', block)


# --- front page ------------------------------------------------------------------------------------


def test_front_page_leads_with_top_stories_in_rank_order(client: TestClient, world: StoryWorld) -> None:
    html = client.get("/", headers={"Accept-Language": "en"}).text
    s = world.stories
    # ferry: 5 outlets in 2 languages; museum: 3, newest; fishers: 2, fresh; old: 3 outlets but a day
    # and a half old (recency halves its rank every 12 h); stale is outside the window, single has one outlet
    assert cards(html) == [str(s["ferry"]), str(s["museum"]), str(s["fishers"]), str(s["old"])]
    assert html.index('class="top-stories"') < html.index('class="lead-story"')  # the list stays below
    top = text_of(html.split('class="top-stories"', 1)[1].split("</section>", 1)[0])
    assert "5 outlets · 2 languages" in top and "3 outlets · 1 language" in top
    assert "Вестник, Северная правда, The Harbour Courier, Coast Wire and 1 more" in top  # first to report first
    assert 'href="/stories/feed.rss"' in html and 'rel="alternate" type="application/atom+xml" title="Top stories' in html


def test_headline_in_the_readers_language(client: TestClient, world: StoryWorld) -> None:
    s = world.stories
    en = client.get("/", headers={"Accept-Language": "en"}).text
    # an English outlet's own headline beats the machine translation of the Russian first report
    assert f'<a href="/story/{s["ferry"]}">{FERRY_EN}</a>' in en and FERRY_RU_EN not in en.split("lead-story")[0]
    # no English headline for a Russian-only story: the original, its language marked
    fishers = en.split(f'href="/story/{s["fishers"]}"', 1)[1].split("</article>", 1)[0]
    assert FISHERS_RU in fishers and "Russian" in text_of(fishers)
    ru = client.get("/", headers={"Accept-Language": "ru"}).text
    assert f'<a href="/story/{s["ferry"]}">{FERRY_RU}</a>' in ru  # stories.titles["ru"]
    museum = ru.split(f'href="/story/{s["museum"]}"', 1)[1].split("</article>", 1)[0]
    assert MUSEUM_EN_RU in museum and "translated" in museum and "English" in museum  # the first article's translation
    original = client.get("/?lang=original", headers={"Cookie": "newsdesk_lang=original"}).text
    assert f">{FERRY_RU}</a>" in original  # no reader language: the first article's title


def test_front_page_folds_reprints(client: TestClient, world: StoryWorld) -> None:
    html = client.get("/", headers={"Accept-Language": "ru"}).text
    a = world.articles
    assert f'href="/article/{a["ferry_reprint"]}"' not in html
    original = html.split(f'<a href="/article/{a["ferry_ru"]}">', 1)[1].split("</article>", 1)[0]
    assert "Reprinted by 1 more outlet" in text_of(original)
    section = client.get("/section/World").text  # section lists fold too
    assert f'href="/article/{a["ferry_reprint"]}"' not in section
    source = client.get(f"/source/{world.sources['Северная правда']}").text  # an outlet's own page keeps its copy
    assert f'href="/article/{a["ferry_reprint"]}"' in source


def test_no_top_stories_when_turned_off_or_filtered(site_url: str) -> None:
    settings = load_settings(database_url=site_url, secret_key="k", stories_top_count=0)
    with TestClient(create_app(settings, clock=fixed_clock(SITE_NOW))) as c:
        assert 'class="top-stories"' not in c.get("/").text
    settings = load_settings(database_url=site_url, secret_key="k")
    with TestClient(create_app(settings, clock=fixed_clock(SITE_NOW))) as c:
        assert 'class="top-stories"' not in c.get("/?lang=ru").text
        assert 'class="top-stories"' not in c.get("/?page=2").text


# --- story page ------------------------------------------------------------------------------------


def test_story_page_timeline_splits_and_first_report(client: TestClient, world: StoryWorld) -> None:
    s, a = world.stories, world.articles
    r = client.get(f"/story/{s['ferry']}", headers={"Accept-Language": "en"})
    assert r.status_code == 200
    html = r.text
    page = text_of(html)
    assert f"<h1 lang=\"en\">{FERRY_EN}</h1>" in html
    assert "First reported by Вестник" in page
    timeline = html.split('class="timeline-list"', 1)[1].split("</ol>", 1)[0]
    order = re.findall(r'<h3 class="headline"[^>]*><a href="/article/(\d+)"', timeline)
    assert order == [str(a["ferry_ru"]), str(a["ferry_en"]), str(a["merged_seed"]), str(a["ferry_ledger"])]
    first = timeline.split("</li>", 1)[0]
    assert FERRY_RU in first and FERRY_RU_EN in first and 'lang="ru"' in first  # the original and its translation
    assert "Reprinted by 1 more outlet" in text_of(first) and f'/article/{a["ferry_reprint"]}' in first
    rail = text_of(html.split('aria-label="Who covered it"', 1)[1])
    assert "English 3 outlets" in rail and "Russian 2 outlets" in rail
    # countries: sources.country (GB, RU), else the TLD (.uk, .ru), else unknown (.com)
    assert "United Kingdom 2 outlets" in rail and "Russia 2 outlets" in rail and "Unknown 1 outlet" in rail
    assert "Reported only" not in page
    for ext in ("rss", "atom", "json"):
        assert f'href="/story/{s["ferry"]}/feed.{ext}"' in html


def test_blindspot_when_all_coverage_is_in_one_language(client: TestClient, world: StoryWorld) -> None:
    page = text_of(client.get(f"/story/{world.stories['fishers']}").text)
    assert "Reported only by Russian-language outlets" in page
    assert "Reported only by English-language outlets" in text_of(client.get(f"/story/{world.stories['museum']}").text)


def test_story_json_is_the_apis_view(client: TestClient, world: StoryWorld) -> None:
    sid = world.stories["ferry"]
    page = client.get(f"/story/{sid}.json", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("application/json")
    api = client.get(f"/api/v1/stories/{sid}", params={"lang": "en"}).json()
    assert page.json() == api
    assert api["headline"] == FERRY_EN and api["first_reported_by"]["name"] == "Вестник"
    assert [x["lang"] for x in api["by_language"]] == ["en", "ru"] and api["blindspot"] is None
    first = api["articles"][0]
    assert first["translated_title"] == FERRY_RU_EN and first["country"] == "RU"
    assert [r["id"] for r in first["reprints"]] == [world.articles["ferry_reprint"]]


def test_merged_story_redirects_and_unknown_is_404(client: TestClient, world: StoryWorld) -> None:
    merged, ferry = world.stories["merged"], world.stories["ferry"]
    for path, target in ((f"/story/{merged}", f"/story/{ferry}"), (f"/story/{merged}.json", f"/story/{ferry}.json"),
                         (f"/story/{merged}/feed.rss", f"/story/{ferry}/feed.rss"),
                         (f"/api/v1/stories/{merged}", f"/api/v1/stories/{ferry}")):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 301 and r.headers["location"] == target, path
        assert client.get(path).status_code == 200
    for path in ("/story/999999", "/story/abc", "/story/999999.json", "/story/999999/feed.atom"):
        r = client.get(path)
        assert r.status_code == 404, path
    assert "No such story" in client.get("/story/999999").text
    r = client.get("/api/v1/stories/999999")
    assert r.status_code == 404 and r.json()["error"]["status"] == 404


def test_article_page_links_full_coverage(client: TestClient, world: StoryWorld) -> None:
    a, s = world.articles, world.stories
    html = client.get(f"/article/{a['ferry_en']}").text
    assert f'<a href="/story/{s["ferry"]}">Full coverage: 5 outlets in 2 languages</a>' in html
    for lonely in ("single", "unclustered"):  # a story of one article, and no story yet: no link
        assert "Full coverage" not in client.get(f"/article/{a[lonely]}").text


# --- feeds -----------------------------------------------------------------------------------------


def test_top_stories_feeds(client: TestClient, world: StoryWorld) -> None:
    s = world.stories
    for ext in ("rss", "atom", "json"):
        r = client.get(f"/stories/feed.{ext}")
        assert r.status_code == 200, ext
        feed = feedparser.parse(r.text, sanitize_html=False) if ext != "json" else None
        links = ([e.link for e in feed.entries] if feed is not None
                 else [i["url"] for i in json.loads(r.text)["items"]])
        assert [x.rsplit("/", 1)[1] for x in links] == [str(s[k]) for k in ("ferry", "museum", "fishers", "old")]
    rss = feedparser.parse(client.get("/stories/feed.rss").text, sanitize_html=False)
    assert rss.entries[0].title == FERRY_RU  # feeds have no reader: headlines as first published
    assert "5 outlets · 2 languages" in rss.entries[0].summary
    en = feedparser.parse(client.get("/stories/feed.atom?lang=en").text, sanitize_html=False)
    assert en.entries[0].title == FERRY_EN
    assert client.get("/stories/feed.rss?page=2").status_code == 404
    assert client.get("/stories/feed.xml").status_code == 404
    html = client.get("/stories").text
    assert f'href="/story/{s["ferry"]}"' in html and 'href="/stories/feed.atom"' in html


def test_story_feed_lists_its_coverage_newest_first(client: TestClient, world: StoryWorld) -> None:
    a, s = world.articles, world.stories
    for ext in ("rss", "atom"):
        feed = feedparser.parse(client.get(f"/story/{s['ferry']}/feed.{ext}").text, sanitize_html=False)
        ids = [e.link.rsplit("/", 1)[1] for e in feed.entries]
        assert ids == [str(a[k]) for k in ("ferry_ledger", "merged_seed", "ferry_en", "ferry_ru")], ext
        original = next(e for e in feed.entries if e.link.endswith(f"/{a['ferry_ru']}"))
        assert "Reprinted by 1 more outlet" in original.summary
    items = client.get(f"/story/{s['ferry']}/feed.json?full=1").json()["items"]
    assert len(items) == 4 and all("content_html" in i for i in items)


def test_feed_text_stays_escaped(site_url: str, world: StoryWorld) -> None:
    from newsdesk.store.db import session_scope
    from newsdesk.store.schema import Story

    hostile = 'Mayor says <img src=x onerror="alert(1)"> is fine'
    with session_scope(engine_for(site_url)) as session:
        story = session.get(Story, world.stories["ferry"])
        assert story is not None
        story.titles = {"ru": hostile, "en": hostile}
    settings = load_settings(database_url=site_url, secret_key="k")
    with TestClient(create_app(settings, clock=fixed_clock(SITE_NOW))) as c:
        rss = c.get("/stories/feed.rss?lang=en").text
        assert "&amp;lt;img" in rss and "<img" not in rss
        assert "<img" not in c.get(f"/story/{world.stories['ferry']}?lang=en", headers={"Accept-Language": "en"}).text


# --- API -------------------------------------------------------------------------------------------


def test_api_stories_cursor_and_filters(client: TestClient, world: StoryWorld) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/stories", params=params).json()  # type: ignore[arg-type]
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    live = {k: v for k, v in world.stories.items() if k != "merged"}
    assert sorted(seen) == sorted(live.values()) and len(seen) == len(set(seen))
    assert seen[0] == world.stories["museum"]  # the most recently updated first
    ru = client.get("/api/v1/stories", params={"lang": "ru", "limit": 50}).json()["items"]
    assert {i["id"] for i in ru} == {world.stories[k] for k in ("ferry", "fishers", "stale")}
    since = (BASE_TIME - timedelta(minutes=30)).isoformat()
    recent = client.get("/api/v1/stories", params={"since": since, "headline_lang": "ru"}).json()["items"]
    assert [i["id"] for i in recent] == [world.stories["museum"], world.stories["ferry"]]
    assert recent[0]["headline"] == MUSEUM_EN_RU and recent[0]["original_lang"] == "en"
    assert client.get("/api/v1/stories", params={"cursor": "garbage"}).status_code == 400
    assert client.get("/api/v1/stories", params={"lang": "english!"}).status_code == 422


def test_openapi_lists_the_story_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/stories", "/api/v1/stories/{story_id}"} <= set(spec["paths"])
    assert {"StoryOut", "StoryDetailOut", "StoryList"} <= set(spec["components"]["schemas"])
    assert not any(p.startswith("/story/") for p in spec["paths"])


# --- view data, CLI --------------------------------------------------------------------------------


def test_ranking_weighs_outlets_languages_and_recency() -> None:
    rank = story_queries.Ranking(language_weight=1.5, half_life_hours=12)
    now = BASE_TIME
    assert rank.score(3, 2, now, now) > rank.score(4, 1, now, now)  # a second language beats one more outlet
    assert rank.score(4, 1, now, now) > rank.score(3, 2, now - timedelta(hours=24), now)  # a day old: a quarter
    assert rank.score(2, 1, now - timedelta(hours=12), now) == pytest.approx(1.0)


def test_country_of_outlet() -> None:
    assert story_queries.country_of("de", "https://x.ru/") == "DE"
    assert story_queries.country_of(None, "https://news.bbc.co.uk/") == "GB"
    assert story_queries.country_of(None, "https://meduza.io/") is None  # a ccTLD used as a generic name
    assert story_queries.country_of(None, "https://example.com/", "https://x.ru/") is None
    assert story_queries.country_of(None, None, "https://tass.ru/a") == "RU"


def test_top_stories_use_no_query_per_story(site_url: str) -> None:
    """Three statements for the cards whatever their number (newest time, candidates, first
    articles), plus one for translations when the reader's language needs them."""
    from sqlalchemy import event

    engine = engine_for(site_url)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            found = story_queries.top_stories(session, now=SITE_NOW, ranking=story_queries.Ranking(), langs=["ru"])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(found) == 4 and len(statements) <= 4, statements


def test_cli_stories_list_and_show(site_url: str, world: StoryWorld) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["--db", site_url, "stories", "list", "--top", "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert out.output.index(FERRY_EN) < out.output.index(MUSEUM_EN)
    listed = runner.invoke(main, ["--db", site_url, "stories", "list", "--json", "--limit", "2"])
    assert [c["id"] for c in json.loads(listed.output)] == [world.stories["museum"], world.stories["ferry"]]
    shown = runner.invoke(main, ["--db", site_url, "stories", "show", str(world.stories["fishers"])])
    assert shown.exit_code == 0 and "Reported only by Russian-language outlets" in shown.output
    detail = json.loads(runner.invoke(main, ["--db", site_url, "stories", "show", str(world.stories["ferry"]),
                                             "--json", "--lang", "en"]).output)
    assert detail["first_reported_by"]["name"] == "Вестник" and detail["items"][0]["translated_title"] == FERRY_RU_EN
    merged = runner.invoke(main, ["--db", site_url, "stories", "show", str(world.stories["merged"])])
    assert merged.exit_code == 0 and f"merged into story {world.stories['ferry']}" in merged.output
    missing = runner.invoke(main, ["--db", site_url, "stories", "show", "999999"])
    assert missing.exit_code == 2 and "no story 999999" in missing.output
