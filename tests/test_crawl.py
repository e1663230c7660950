"""End-to-end crawls against a real loopback origin into real SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import newsdesk.pipeline.crawl as crawl_module
from newsdesk.clock import fixed_clock
from newsdesk.pipeline.crawl import crawl, process_entry, refresh_feed
from newsdesk.pipeline.follow import follow
from newsdesk.settings import Settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, ArticleUrl, Entry, Feed, FetchLog
from tests.conftest import shared_path
from tests.support.origin import Origin, RequestInfo, Response
from tests.support.pages import aeb_pages, article_page, rfc822, rss, unique_paragraphs


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url,
        "fetch_allow_private_networks": True,
        "fetch_per_host_delay": 0.0,
        "fetch_timeout": 2.0,
        "fetch_connect_timeout": 1.0,
        "fetch_read_timeout": 1.0,
        "extract_workers": 1,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def follow_feed(settings: Settings, url: str) -> int:
    result = follow(settings, url)
    assert result.feeds, result
    return result.source_id


def make_due(settings: Settings) -> None:
    with session_scope(engine_for(settings.database_url)) as session:
        for feed in session.scalars(select(Feed)):
            feed.next_check_at = None


def count(settings: Settings, model: type) -> int:
    with session_scope(engine_for(settings.database_url)) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def conditional(body: str, etag: str, content_type: str = "application/rss+xml") -> object:
    def handler(info: RequestInfo) -> Response:
        if info.headers.get("if-none-match") == etag:
            return Response(b"", status=304, headers={"ETag": etag})
        return Response(body, headers={"ETag": etag}, content_type=content_type)

    return handler


def test_real_news_pages_behind_a_feed_then_conditional_get(db_url: str, origin: Origin) -> None:
    pages = aeb_pages(shared_path(), 8)
    for page_id, html in pages:
        origin.route(f"/news/{page_id}.html", html)
    feed = rss([{"title": f"Story {i}", "link": origin.url(f"/news/{pid}.html"), "date": rfc822(i)}
                for i, (pid, _) in enumerate(pages)])
    origin.route("/feed.xml", conditional(feed, '"v1"'))  # type: ignore[arg-type]
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/feed.xml"))

    first = crawl(settings)
    assert first.entries_queued == len(pages)
    assert first.articles_stored + first.entries_failed + first.duplicates == len(pages)
    assert first.articles_stored >= len(pages) - 1, first.failures
    with session_scope(engine_for(db_url)) as session:
        texts = session.scalars(select(Article.text)).all()
        assert all(len(t) > 200 for t in texts)
        feed_row = session.scalars(select(Feed)).one()
        assert feed_row.etag == '"v1"' and feed_row.status == "active" and feed_row.next_check_at is not None

    page_hits = sum(origin.hits(f"/news/{pid}.html") for pid, _ in pages)
    make_due(settings)
    second = crawl(settings)
    assert second.feeds_not_modified == 1
    assert second.entries_queued == 0 and second.articles_stored == 0
    assert sum(origin.hits(f"/news/{pid}.html") for pid, _ in pages) == page_hits
    assert [r for r in origin.requests if r.path == "/feed.xml"][-1].headers["if-none-match"] == '"v1"'
    with session_scope(engine_for(db_url)) as session:
        outcomes = session.scalars(select(FetchLog.outcome).where(FetchLog.url.like("%/feed.xml"))).all()
        assert "not_modified" in outcomes


def test_one_article_through_many_urls_is_stored_once(db_url: str, origin: Origin) -> None:
    canonical = origin.url("/news/breakwater")
    html = article_page("Breakwater to be rebuilt", unique_paragraphs(1), canonical=canonical)
    origin.route("/news/breakwater", html)
    origin.route("/amp/breakwater", html)  # another path, same canonical
    origin.route("/old/breakwater", Response(b"", status=301, headers={"Location": "/news/breakwater"}))
    # a syndicated copy: other URL, no canonical, edited headline, same body
    origin.route("/partner/copy", article_page("Harbour breakwater: rebuild approved", unique_paragraphs(1)))
    origin.route("/news/other", article_page("Something else", unique_paragraphs(2)))
    feed_a = rss([
        {"title": "a", "link": canonical + "?utm_source=rss&utm_medium=feed", "guid": "1"},
        {"title": "b", "link": origin.url("/amp/breakwater"), "guid": "2"},
        {"title": "c", "link": origin.url("/news/other"), "guid": "3"},
    ])
    feed_b = rss([
        {"title": "d", "link": origin.url("/old/breakwater"), "guid": "x"},
        {"title": "e", "link": origin.url("/partner/copy"), "guid": "y"},
        {"title": "f", "link": canonical + "#comments", "guid": "z"},
    ])
    origin.route("/a.xml", feed_a, content_type="application/rss+xml")
    origin.route("/b.xml", feed_b, content_type="application/rss+xml")
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/a.xml"))
    follow_feed(settings, origin.url("/b.xml"))
    report = crawl(settings)
    assert report.articles_stored == 2, report.as_dict()
    with session_scope(engine_for(db_url)) as session:
        # whichever copy was processed first holds the row; every URL leads to it
        article = session.scalars(select(Article).join(ArticleUrl).where(ArticleUrl.url == canonical)).one()
        urls = set(session.scalars(select(ArticleUrl.url).where(ArticleUrl.article_id == article.id)))
        assert {canonical, origin.url("/amp/breakwater"), origin.url("/old/breakwater"),
                origin.url("/partner/copy")} <= urls
        assert session.scalar(select(func.count()).select_from(Article)) == 2
    assert report.outcomes.get("dedup", "known_url") >= 1  # '#comments' normalizes to a queued URL
    assert report.duplicates >= 2


def test_bad_inputs_are_recorded_and_the_crawl_goes_on(db_url: str, origin: Origin) -> None:
    good = [origin.route(f"/good/{i}", article_page(f"Good {i}", unique_paragraphs(100 + i))) for i in range(3)]
    origin.route("/pdf", Response(b"%PDF-1.4 fake", content_type="application/pdf"))
    origin.route("/img", Response(b"\x89PNG\r\n\x1a\n", content_type="image/png"))
    origin.route("/page404", Response("gone", status=404))
    origin.route("/loop1", Response(b"", status=302, headers={"Location": "/loop2"}))
    origin.route("/loop2", Response(b"", status=302, headers={"Location": "/loop1"}))
    future = (datetime.now(UTC) + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    items = [{"title": "g0", "link": good[0], "guid": "same"}, {"title": "g1", "link": good[1], "guid": "same"},
             {"title": "g2", "link": good[2], "date": future}, {"title": "no link", "guid": "nolink"},
             {"title": "pdf", "link": origin.url("/pdf")}, {"title": "img", "link": origin.url("/img")},
             {"title": "404", "link": origin.url("/page404")}, {"title": "loop", "link": origin.url("/loop1")}]
    bomb = gzip.compress(b"<rss>" + b" " * 40_000_000)
    feeds = {
        "/ok.xml": Response(rss(items), content_type="application/rss+xml"),
        "/malformed.xml": Response('<?xml version="1.0"?><rss><channel><item><title>cut', content_type="text/xml"),
        "/html.xml": Response("<!doctype html><html><body><p>not a feed</p></body></html>"),
        "/empty.xml": Response(rss([]), content_type="application/rss+xml"),
        "/huge.xml": Response(b"x", headers={"Content-Length": str(10 * 1024**3)}, content_type="text/xml"),
        "/bomb.xml": Response(bomb, headers={"Content-Encoding": "gzip"}, content_type="text/xml"),
        "/silent.xml": Response(rss([]), delay=4.0),
        "/trickle.xml": Response(rss(items) * 3, trickle=0.05),
        "/redirect.xml": Response(b"", status=302, headers={"Location": "/redirect.xml"}),
        "/404.xml": Response("no", status=404),
        "/410.xml": Response("gone", status=410),
        "/500.xml": Response("oops", status=500),
        "/cp1251.xml": Response(rss([{"title": "Новости", "link": good[0]}]).replace("utf-8", "windows-1251")
                                .encode("cp1251"), content_type="application/rss+xml"),
    }
    settings = make_settings(db_url, fetch_max_bytes=5_000_000)
    engine = engine_for(db_url)
    from newsdesk.store import repo

    with session_scope(engine) as session:
        source = repo.add_source(session, name="Hostile", home_url=origin.url("/"))
        for path, response in feeds.items():
            origin.route(path, response)
            repo.add_feed(session, source, url=origin.url(path), kind="rss")

    report = crawl(settings)
    # good[1] shares its GUID with good[0], so it is dropped as a duplicate GUID
    assert report.articles_stored == 2, report.as_dict()
    outcomes = report.outcomes.as_dict()
    for key in ("parse.malformed", "parse.html_not_feed", "feed.empty", "fetch.too_large", "fetch.timeout",
                "fetch.redirect_loop", "fetch.not_found", "fetch.gone", "fetch.http_5xx", "parse.duplicate_guid",
                "parse.no_link", "parse.future_date", "fetch.unsupported_type"):
        assert outcomes.get(key), f"{key} not counted: {report.as_dict()}"
    with session_scope(engine) as session:
        status = {f.url.rsplit("/", 1)[1]: f for f in session.scalars(select(Feed))}
        assert status["410.xml"].status == "gone"
        assert status["500.xml"].status == "failing" and status["500.xml"].next_check_at is not None
        assert status["404.xml"].status == "failing"  # gone only after repeated 404s
        assert status["bomb.xml"].last_error and "too_large" not in (status["ok.xml"].last_error or "")
        assert status["empty.xml"].status == "active" and "empty" in (status["empty.xml"].last_error or "")
        failed = {e.url.rsplit("/", 1)[1]: e for e in session.scalars(select(Entry).where(Entry.status != "done"))}
        assert failed["pdf"].status == "failed" and "unsupported_type" in (failed["pdf"].last_error or "")
        assert failed["page404"].status == "failed"
        log = session.scalars(select(FetchLog)).all()
        assert any(r.outcome == "fetch.gone" and r.status == 410 for r in log)
        assert all(r.outcome for r in log)


def test_retry_after_and_capped_backoff(db_url: str, origin: Origin) -> None:
    origin.route("/busy.xml", Response("slow down", status=429, headers={"Retry-After": "3600"}))
    origin.route("/down.xml", Response("down", status=503))
    settings = make_settings(db_url, feed_backoff_base=60, feed_backoff_max=600)
    from newsdesk.store import repo

    with session_scope(engine_for(db_url)) as session:
        source = repo.add_source(session, name="Flaky")
        repo.add_feed(session, source, url=origin.url("/busy.xml"), kind="rss")
        repo.add_feed(session, source, url=origin.url("/down.xml"), kind="rss")
    delays = []
    started = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)  # the pass's clock, years from the suite's day
    for _ in range(6):
        make_due(settings)
        crawl(settings, clock=fixed_clock(started))
        with session_scope(engine_for(db_url)) as session:
            busy, down = session.scalars(select(Feed).order_by(Feed.id)).all()
            # Retry-After is honoured up to the cap
            assert (busy.next_check_at - started).total_seconds() >= 600 * 0.99
            delays.append((down.next_check_at - started).total_seconds())
            assert down.status == "failing", down.status
            assert "503" in (down.last_error or ""), down.last_error
    assert delays[1] > delays[0] * 1.3  # grows
    assert max(delays) <= 600 * 1.21  # capped (plus jitter)
    with session_scope(engine_for(db_url)) as session:
        down = session.scalars(select(Feed).order_by(Feed.id.desc())).first()
        assert down is not None and down.consecutive_failures == 6  # still retried, never dropped


def test_a_pass_runs_on_the_clock_it_is_given(db_url: str, origin: Origin) -> None:
    """Due feeds, schedules and the scheduler's leases read "now" from the clock handed in."""
    origin.route("/feed.xml", rss([{"title": "One", "link": origin.url("/one")}]),
                 content_type="application/rss+xml")
    origin.route("/one", article_page("One", unique_paragraphs(3)))
    settings = make_settings(db_url, feed_interval=1800)
    follow_feed(settings, origin.url("/feed.xml"))
    at = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)  # years from any day the suite runs on
    crawl(settings, clock=fixed_clock(at))
    with session_scope(engine_for(db_url)) as session:
        feed = session.scalars(select(Feed)).one()
        checked, due = feed.last_checked_at, feed.next_check_at
    assert checked == at and due is not None and at < due <= at + timedelta(days=1)
    assert crawl_module.next_due_in(settings, now=at) == (due - at).total_seconds()
    assert crawl_module.schedule_due(settings, now=due - timedelta(seconds=1)).feed_ids == []
    assert len(crawl_module.schedule_due(settings, now=due).feed_ids) == 1
    report = crawl(settings, clock=fixed_clock(at))  # not due yet on that clock
    assert report.feeds_checked == 0


def test_robots_txt_is_obeyed(db_url: str, origin: Origin) -> None:
    origin.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    origin.route("/private/a", article_page("Private", unique_paragraphs(7)))
    origin.route("/public/a", article_page("Public", unique_paragraphs(8)))
    origin.route("/feed.xml", rss([{"title": "p", "link": origin.url("/private/a")},
                                   {"title": "q", "link": origin.url("/public/a")}]),
                 content_type="application/rss+xml")
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/feed.xml"))
    report = crawl(settings)
    assert report.articles_stored == 1
    assert report.outcomes.get("fetch", "robots_disallowed") == 1
    assert origin.hits("/private/a") == 0


def test_private_addresses_are_refused_unless_allowed(db_url: str, origin: Origin) -> None:
    from click.testing import CliRunner

    from newsdesk.cli import main

    origin.route("/feed.xml", rss([]), content_type="application/rss+xml")
    env = {"NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS": "false", "NEWSDESK_DATABASE_URL": db_url}
    result = CliRunner().invoke(main, ["sources", "add", origin.url("/feed.xml")], env=env)
    assert result.exit_code == 2
    assert "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS" in result.output
    assert origin.requests == []
    allowed = CliRunner().invoke(main, ["sources", "add", origin.url("/feed.xml")],
                                 env={**env, "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS": "true"})
    assert allowed.exit_code == 0, allowed.output
    assert count(make_settings(db_url), Feed) == 1


@pytest.mark.parametrize("kind", ["rss", "sitemap"])
def test_home_page_autodiscovery(db_url: str, origin: Origin, kind: str) -> None:
    article = origin.route("/news/1", article_page("One", unique_paragraphs(11)))
    if kind == "rss":
        origin.route("/", '<html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head>'
                          "<body><a href='/news/1'>One</a></body></html>")
        origin.route("/rss", rss([{"title": "One", "link": article}]), content_type="application/rss+xml")
    else:
        origin.route("/", "<html><head><title>Home</title></head><body><a href='/news/1'>One</a></body></html>")
        origin.route("/robots.txt", f"User-agent: *\nSitemap: {origin.url('/news.xml')}\n", content_type="text/plain")
        origin.route("/news.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                     f"<url><loc>{article}</loc><lastmod>2026-11-01T10:00:00+01:00</lastmod></url></urlset>",
                     content_type="application/xml")
    settings = make_settings(db_url)
    result = follow(settings, origin.url("/"))
    assert result.feeds and result.feeds[0]["kind"] == ("rss" if kind == "rss" else "sitemap")
    assert crawl(settings).articles_stored == 1


def test_foreign_articles_are_translated_at_ingest_and_retried_after_failure(db_url: str, origin: Origin) -> None:
    from tests.support.libretranslate import LibreTranslateServer

    ru_body = ["Мэр открыл новый мост через реку в понедельник утром, сообщает РИА Новости.",
               "Строительство моста заняло три года и обошлось городу в два миллиарда рублей.",
               "Жители района давно ждали открытия, потому что старый мост был закрыт на ремонт."]
    for i in range(2):
        origin.route(f"/ru/{i}", article_page(f"Мэр открыл мост {i}", [f"{p} ({i})" for p in ru_body] * 2,
                                              lang="ru"))
    origin.route("/ru.xml", rss([{"title": "m", "link": origin.url(f"/ru/{i}")} for i in range(2)]),
                 content_type="application/rss+xml")
    with LibreTranslateServer() as server:
        server.mode = "error500"  # the engine is broken at the first crawl
        settings = make_settings(db_url, translate_engine="libretranslate", libretranslate_url=server.url,
                                 target_languages="en")
        follow_feed(settings, origin.url("/ru.xml"))
        first = crawl(settings)
        assert first.articles_stored == 2  # the articles are kept whatever the engine does
        assert first.translation is not None and first.translation["done"] == 0
        from newsdesk.store.schema import Translation, TranslationJob

        with session_scope(engine_for(db_url)) as session:
            jobs = session.scalars(select(TranslationJob)).all()
            assert jobs and all(j.status == "failed" and j.last_error for j in jobs)
            for job in jobs:  # the retry time comes
                job.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
        server.mode = "ok"
        second = crawl(settings)
        assert second.translation is not None and second.translation["done"] == 2, second.as_dict()
        with session_scope(engine_for(db_url)) as session:
            rows = session.scalars(select(Translation)).all()
            assert {t.lang for t in rows} == {"en"} and len(rows) == 2
            assert all(t.title and t.html and "LibreTranslate" in t.engine for t in rows)


def test_overlong_urls_are_dropped_not_fatal(db_url: str, origin: Origin) -> None:
    """Hostile lengths: a feed link, a redirect target, a canonical link and a lead image URL far
    longer than any real one. PostgreSQL refuses such values in its URL columns, so they must be
    dropped before storage; the feed and the other articles go on."""
    huge = "/" + "x" * 3000
    origin.route("/plain", article_page("Plain story", unique_paragraphs(301)))
    page = article_page("Story with long links", unique_paragraphs(302), canonical=origin.url(huge))
    page = page.replace("</head>", f'<meta property="og:image" content="{origin.url(huge + ".jpg")}"></head>')
    origin.route("/long-links", page)
    origin.route("/to-long", Response(b"", status=302, headers={"Location": huge + "?r=1"}))
    origin.route(huge + "?r=1", article_page("Reached by a long redirect", unique_paragraphs(303)))
    items = [{"title": "plain", "link": origin.url("/plain")},
             {"title": "long link", "link": origin.url(huge + "/entry")},
             {"title": "long links inside", "link": origin.url("/long-links")},
             {"title": "long redirect", "link": origin.url("/to-long")}]
    origin.route("/feed.xml", rss(items), content_type="application/rss+xml")
    settings = make_settings(db_url)
    follow_feed(settings, origin.url("/feed.xml"))

    report = crawl(settings)
    assert report.feeds_failed == 0, report.as_dict()
    assert report.entries_queued == 3 and report.outcomes.get("parse", "no_link") == 1, report.as_dict()
    assert report.articles_stored == 3 and report.entries_failed == 0, report.as_dict()
    with session_scope(engine_for(db_url)) as session:
        long_links = session.scalars(select(Article).where(Article.title == "Story with long links")).one()
        assert long_links.canonical_url == origin.url("/long-links") and long_links.image is None
        redirected = session.scalars(select(Article).where(Article.title == "Reached by a long redirect")).one()
        assert redirected.canonical_url == origin.url("/to-long")
        assert max(len(u) for u in session.scalars(select(ArticleUrl.url))) <= 2000


def follow_outlet(db_url: str, origin: Origin, prefix: str, count: int, seed: int,
                  **overrides: object) -> tuple[Settings, list[str]]:
    """An outlet of ``count`` distinct article pages under ``prefix`` behind one feed, followed:
    (settings, the pages' URLs)."""
    paths = [origin.route(f"{prefix}/{i}", article_page(f"Story {seed + i}", unique_paragraphs(seed + i)))
             for i in range(count)]
    origin.route("/feed.xml", rss([{"title": f"s{i}", "link": p} for i, p in enumerate(paths)]),
                 content_type="application/rss+xml")
    settings = make_settings(db_url, **overrides)
    follow_feed(settings, origin.url("/feed.xml"))
    return settings, paths


def test_a_failing_article_in_a_write_batch_fails_alone(db_url: str, origin: Origin,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The crawl writes extracted articles in batches; when one article of a batch cannot be
    stored (here a fault injected into storing), the batch is rolled back and every other article
    is stored on its own: one failure, counted with its reason, and no fetch-log row lost."""
    settings, paths = follow_outlet(db_url, origin, "/news", 8, seed=400)

    real_store = crawl_module.store_extracted
    poisoned = paths[5]

    def store_or_fail(session: object, **kw: object) -> object:
        if kw["entry_url"] == poisoned:
            raise RuntimeError("disk on fire")
        return real_store(session, **kw)  # type: ignore[arg-type]

    batch_sizes: list[int] = []
    real_batch = crawl_module.Crawler._store_batch

    def recorded_batch(self: Any, batch: list[Any]) -> None:
        batch_sizes.append(len(batch))
        real_batch(self, batch)

    monkeypatch.setattr(crawl_module, "store_extracted", store_or_fail)
    monkeypatch.setattr(crawl_module.Crawler, "_store_batch", recorded_batch)
    report = crawl(settings)

    assert max(batch_sizes) > 1, batch_sizes  # the failure happened inside a real batch
    assert report.articles_stored == 7 and report.entries_failed == 1, report.as_dict()
    assert report.outcomes.get("pipeline", "internal_error") == 1
    with session_scope(engine_for(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 7
        entries = {e.url: e for e in session.scalars(select(Entry))}
        assert entries[poisoned].status == "failed" and "disk on fire" in (entries[poisoned].last_error or "")
        assert all(e.status == "done" and e.article_id for u, e in entries.items() if u != poisoned)
        page_log = session.scalars(select(FetchLog.url).where(FetchLog.kind == "page")).all()
        assert sorted(page_log) == sorted(paths)  # one row per page fetched, none lost in the rollback

    # the next pass does not retry a failed entry, and stores nothing twice
    make_due(settings)
    again = crawl(settings)
    assert again.articles_stored == 0 and count(settings, Article) == 7


def _descendants() -> set[int]:
    """Every process below this one (from /proc/PID/task/TID/children)."""
    found: set[int] = set()
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                kids = [int(k) for k in children.read_text().split()]
            except OSError:
                continue
            found.update(kids)
            todo.extend(kids)
    return found


def test_single_jobs_start_no_extraction_processes(db_url: str, origin: Origin) -> None:
    """Worker tasks (refresh one feed, process one entry) run inside a Celery worker: they must
    not start the crawl pass's extraction pool, however many entries a feed queues."""
    settings, _ = follow_outlet(db_url, origin, "/n", 20, seed=500, extract_workers=2)
    with session_scope(engine_for(db_url)) as session:
        feed_id = session.scalars(select(Feed.id)).one()
    before = _descendants()

    queued = refresh_feed(settings, feed_id)
    assert queued.entries_queued == 20 and len(queued.queued_entry_ids) == 20
    done = process_entry(settings, queued.queued_entry_ids[0])
    assert done.articles_stored == 1, done.as_dict()
    assert _descendants() <= before  # no pool, no fork server, nothing left running


def test_a_pass_whose_database_fails_stops_and_loses_nothing(db_url: str, origin: Origin,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """When even recording a failure fails (the database went away mid-pass), the pass stops with
    that error instead of hanging; what it had not committed is still queued, and the next pass
    stores it."""
    settings, _ = follow_outlet(db_url, origin, "/db", 6, seed=600)

    def database_gone(*args: object, **kwargs: object) -> object:
        raise RuntimeError("database gone")

    with monkeypatch.context() as patch:
        patch.setattr(crawl_module, "store_extracted", database_gone)
        patch.setattr(crawl_module.Crawler, "_entry_failed", database_gone)
        with pytest.raises(RuntimeError, match="database gone"):
            crawl(settings)
    assert count(settings, Article) == 0
    with session_scope(engine_for(db_url)) as session:
        assert {e.status for e in session.scalars(select(Entry))} == {"pending"}

    report = crawl(settings)
    assert report.articles_stored == 6 and report.entries_failed == 0, report.as_dict()


def test_a_pass_extracts_in_worker_processes_and_stops_them(db_url: str, origin: Origin) -> None:
    """Enough entries start the extraction pool (warm, from the fork server); every page is
    extracted there and stored, and the pass leaves no worker running."""
    settings, paths = follow_outlet(db_url, origin, "/w", 24, seed=700, extract_workers=2)
    before = _descendants()
    report = crawl(settings)
    assert report.articles_stored == 24 and report.entries_failed == 0, report.as_dict()
    with session_scope(engine_for(db_url)) as session:
        texts = session.scalars(select(Article.text)).all()
        assert len(texts) == 24 and all("Report number 7" in t for t in texts)
    # multiprocessing keeps its fork server and resource tracker (children of this process) for
    # later pools; the workers (children of the fork server) must be gone
    workers = [pid for pid in _descendants() - before
               if int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) != os.getpid()]
    assert workers == [], workers


def test_extraction_workers_import_neither_the_store_nor_the_fetcher() -> None:
    """The fork server imports ``newsdesk.pipeline.warm`` before forking each worker; a worker that
    also imported SQLAlchemy, httpx or the crawl would start about half a second later on every
    pass (decision 5). A fresh interpreter shows what that import pulls in."""
    code = (
        "import sys, newsdesk.pipeline.warm\n"
        "heavy = ('sqlalchemy', 'httpx', 'httpcore', 'newsdesk.store', 'newsdesk.fetch',\n"
        "         'newsdesk.sources', 'newsdesk.pipeline.crawl', 'newsdesk.pipeline.articles')\n"
        "print(','.join(name for name in heavy if name in sys.modules))\n"
        "print('newsdesk.extract' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    heavy, extraction_loaded = result.stdout.splitlines()
    assert heavy == "" and extraction_loaded == "True"
