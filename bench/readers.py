"""Readers' benchmark: unread counts, My feed's pages and the marks at 100,000 articles.

Builds a database (SQLite in a temporary folder; PostgreSQL too when NEWSDESK_TEST_POSTGRES_URL is
set, in a database of its own that is dropped afterwards) with ``--articles`` articles over
``--sources`` sources (one feed each), one reader subscribed to all of them in 20 folders, and
``--read`` of the articles marked read one by one (item_states rows: the counts' worst case,
where ``read_before`` would cover them without rows). Then prints p50/p95 over ``--runs`` runs of:

- ``unread_counts`` (per source, per folder, total),
- the first page of My feed's stream (unread, 50 items) and of one folder's,
- a deep keyset page (the page after the 50,000th item),
- ``mark`` of 50 ids, ``mark_all_read`` of one source and of everything (each rolled back, so
  every run does the same work),
- the ids-only call the apps make (``item_ids`` unread, 10,000 ids).

Target: counts and pages well under 50 ms at 100,000 articles. Prints, never asserts.

    python bench/readers.py [--articles 100000] [--sources 1000] [--read 0.3] [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from newsdesk.store import reading  # noqa: E402
from newsdesk.store.db import engine_for, upgrade  # noqa: E402
from newsdesk.store.schema import Article, Feed, ItemState, Source, Subscription, User  # noqa: E402

BASE = datetime(2026, 1, 1, tzinfo=UTC)
NOW = BASE + timedelta(days=120)
FOLDERS = 20


def seed(url: str, articles: int, sources: int, read_share: float) -> int:
    """The database; returns the reader's id."""
    rng = random.Random(12)
    engine = engine_for(url)
    with Session(engine) as session, session.begin():
        session.execute(insert(Source), [{"id": i + 1, "name": f"Outlet {i + 1}", "home_url": f"https://o{i}.example/",
                                          "lang": "en", "created_at": BASE} for i in range(sources)])
        session.execute(insert(Feed), [{"source_id": i + 1, "url": f"https://o{i}.example/feed.xml", "kind": "rss",
                                        "status": "active", "consecutive_failures": 0, "created_at": BASE}
                                       for i in range(sources)])
        session.execute(insert(User), [{"id": 1, "username": "reader", "password_hash": "x", "role": "reader",
                                        "created_at": BASE, "keymap": {}}])
        session.execute(insert(Subscription), [{"user_id": 1, "source_id": i + 1, "folder": f"Folder {i % FOLDERS}",
                                                "created_at": BASE} for i in range(sources)])
        span = (NOW - BASE).total_seconds()
        rows: list[dict[str, Any]] = []
        for n in range(articles):
            at = BASE + timedelta(seconds=span * n / articles + rng.random())
            rows.append({"id": n + 1, "source_id": rng.randrange(sources) + 1, "url": f"https://a.example/{n}",
                         "canonical_url": f"https://a.example/{n}", "title": f"Article {n}", "authors": [],
                         "html": f"<p>Body {n}</p>", "text": f"Body {n}", "teaser": f"Body {n}",
                         "content_hash": f"h{n}", "fetched_at": at, "published_at": at, "cited_sources": [],
                         "text_sources": [], "tags": []})
            if len(rows) == 5000:
                session.execute(insert(Article), rows)
                rows = []
        if rows:
            session.execute(insert(Article), rows)
        chosen = rng.sample(range(1, articles + 1), int(articles * read_share))
        facts = dict(session.execute(select(Article.id, Article.source_id)).all())
        times = dict(session.execute(select(Article.id, Article.fetched_at)).all())
        states = [{"user_id": 1, "article_id": a, "source_id": facts[a], "fetched_at": times[a], "read": True,
                   "starred": k < 200, "starred_at": NOW if k < 200 else None, "read_at": NOW, "updated_at": NOW}
                  for k, a in enumerate(chosen)]
        for start in range(0, len(states), 5000):
            session.execute(insert(ItemState), states[start:start + 5000])
    # the steady state autovacuum keeps on PostgreSQL: statistics, and the visibility map that
    # lets the counts read the indexes alone
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return 1


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm the caches once
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def bench(url: str, label: str, args: argparse.Namespace) -> None:
    upgrade(url)
    start = time.perf_counter()
    user = seed(url, args.articles, args.sources, args.read)
    print(f"\n{label}: {args.articles:,} articles, {args.sources:,} sources, {int(args.articles * args.read):,} read; "
          f"seeded in {time.perf_counter() - start:.0f} s")
    engine = engine_for(url)
    with Session(engine) as session:
        ids = reading.item_ids(session, user, state="all")
        deep = (ids[50_000][1], ids[50_000][0]) if len(ids) > 50_000 else (ids[-1][1], ids[-1][0])
        sample_ids = [i for i, _ in random.Random(3).sample(ids, 50)]
        per_source, _, total = reading.unread_counts(session, user)
        print(f"  unread total {total:,} (expected {args.articles - int(args.articles * args.read):,})")
    cases: list[tuple[str, Callable[[Session], object]]] = [
        ("unread_counts (per source, folder, total)", lambda s: reading.unread_counts(s, user)),
        ("subscriptions() with counts", lambda s: reading.subscriptions(s, user)),
        ("stream first page, unread, 50", lambda s: reading.stream(s, user, state="unread", limit=50)),
        ("stream first page, all, 50", lambda s: reading.stream(s, user, limit=50)),
        ("stream one folder, unread, 50", lambda s: reading.stream(s, user, folder="Folder 3", state="unread")),
        ("stream one source, unread, 50", lambda s: reading.stream(s, user, source_id=7, state="unread")),
        ("stream deep keyset page (after 50,000th)", lambda s: reading.stream(s, user, after=deep, limit=50)),
        ("stream starred, 50", lambda s: reading.stream(s, user, state="starred")),
        ("item_ids unread, 10,000", lambda s: reading.item_ids(s, user, state="unread", limit=10_000)),
        ("mark 50 ids read (rolled back)", lambda s: reading.mark(s, user, sample_ids, read=True, now=NOW)),
        ("mark_all_read one source (rolled back)",
         lambda s: reading.mark_all_read(s, user, before=NOW, source_id=7, now=NOW)),
        ("mark_all_read one folder (rolled back)",
         lambda s: reading.mark_all_read(s, user, before=NOW, folder="Folder 3", now=NOW)),
        ("mark_all_read everything (rolled back)", lambda s: reading.mark_all_read(s, user, before=NOW, now=NOW)),
    ]
    for name, case in cases:
        def once(case: Callable[[Session], object] = case) -> None:
            with Session(engine) as session:
                case(session)
                session.rollback()
        runs = max(3, args.runs // 4) if "everything" in name else args.runs
        p50, p95 = timed(once, runs)
        print(f"  {name:<44} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--read", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{folder}/readers.db", "SQLite", args)
        engine_for.cache_clear()
    admin_url = os.environ.get("NEWSDESK_TEST_POSTGRES_URL")
    if not admin_url:
        print("\nPostgreSQL: skipped (set NEWSDESK_TEST_POSTGRES_URL)")
        return
    name = f"newsdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        bench(f"{admin_url.rsplit('/', 1)[0]}/{name}", "PostgreSQL", args)
    finally:
        engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
