"""Reader-site benchmark: wrk against ``newsdesk serve`` on 10,000 articles; search p95 at 100,000.

Builds the databases in a temporary folder (SQLite, the embedded default), starts the site with
uvicorn workers on 127.0.0.1, and drives it with wrk (Debian's package) from another process at
50 connections: one article page, random article pages, the front page. Prints requests/s and
p50/p99 latency for each, then the latency of the search view (query, ranking, teasers and
highlighted snippets) at 100,000 articles.

Then the same page runs again while the site's in-process scheduler crawls a loopback outlet in
the background (``--crawl-feeds`` feeds of ``--crawl-entries`` new articles each), and both figures
are printed side by side with the number of articles the background crawl stored meanwhile.

Targets on a 2-core machine: article page ≥ 1,000 requests/s with p99 < 50 ms; search p95 < 50 ms.

    python bench/web.py [--articles 10000] [--search-articles 100000] [--duration 10] [--workers 2]
                        [--crawl-feeds 20] [--crawl-entries 100]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk.store.db import engine_for, upgrade  # noqa: E402
from tests.support.origin import Origin  # noqa: E402
from tests.support.pages import article_page, rss, unique_paragraphs  # noqa: E402
from tests.support.webdata import EN_WORDS, RU_WORDS, bulk_seed, bulk_stories  # noqa: E402

CONNECTIONS = 50  # the load: 50 concurrent connections
THREADS = 2  # why: one wrk thread per core is wrk's own advice


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(path: Path, count: int) -> str:
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    upgrade(url)
    bulk_seed(url, count)
    stories = bulk_stories(url)
    engine_for(url).dispose()
    print(f"built {count:,} articles ({stories:,} stories) in {time.perf_counter() - started:.1f}s ({path.stat().st_size / 1e6:.0f} MB)")
    return url


def start_server(url: str, workers: int, cwd: Path, *, scheduler: bool = False) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, NEWSDESK_SECRET_KEY="bench-secret", NEWSDESK_SCHEDULER=str(scheduler).lower())
    if scheduler:  # the outlet it crawls is on 127.0.0.1, and is ours: no politeness delay to it
        env.update(NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS="true", NEWSDESK_FETCH_PER_HOST_DELAY="0",
                   NEWSDESK_FETCH_PER_HOST_CONCURRENCY="4")
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--db", url, "serve", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning"],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("bench: the site did not start")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, duration: int, *, script: Path | None = None, gzip: bool = True) -> dict[str, float]:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency"]
    if gzip:
        command += ["-H", "Accept-Encoding: gzip"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": float(errors.group(1)) if errors else 0.0}


def random_articles_script(folder: Path, count: int) -> Path:
    script = folder / "random.lua"
    script.write_text(
        f"math.randomseed(42)\nrequest = function()\n"
        f"  return wrk.format(nil, '/article/' .. math.random(1, {count}))\nend\n"
    )
    return script


def report(name: str, result: dict[str, float], target: str = "") -> None:
    extra = f" non-2xx={int(result['non2xx'])}" if result["non2xx"] else ""
    print(f"{name:<40} {result['rps']:>9,.0f} req/s   p50 {result['p50']:6.2f} ms   p99 {result['p99']:6.2f} ms"
          f"{extra}{'   ' + target if target else ''}")


def search_latency(url: str, rounds: int) -> dict[str, float]:
    from newsdesk.store.db import session_scope
    from newsdesk.web.views import SearchParams, search_view

    rng = random.Random(5)
    queries = [rng.choice(EN_WORDS) for _ in range(25)] + [rng.choice(RU_WORDS) for _ in range(15)]
    queries += [f"{rng.choice(EN_WORDS)} {rng.choice(EN_WORDS)}" for _ in range(10)]
    timings: list[float] = []
    engine = engine_for(url)
    with session_scope(engine) as session:  # warm the page cache and the stemmer cache once
        for q in queries:
            search_view(session, SearchParams(q=q))
    for _ in range(rounds):
        for q in queries:
            params = SearchParams(q=q, lang="ru" if q[0] > "z" and rng.random() < 0.3 else None)
            started = time.perf_counter()
            with session_scope(engine) as session:
                search_view(session, params, page=rng.choice((1, 1, 1, 2)))
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "n": len(timings),
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "p99": timings[int(len(timings) * 0.99) - 1],
    }


def front_build_latency(url: str, rounds: int = 200) -> None:
    """The front page's view built from the database (what a cache miss costs), without and with
    its top stories, and the story page's view: p50/p95 in ms."""
    from newsdesk.settings import load_settings
    from newsdesk.store.db import session_scope
    from newsdesk.store.story_queries import Ranking, newest_story_time
    from newsdesk.web.views import Reader, front_view, story_view

    ranking = Ranking.from_settings(load_settings(database_url=url))
    reader = Reader(default="en", translated=frozenset())
    engine = engine_for(url)
    with session_scope(engine) as session:
        now = newest_story_time(session)
        top = front_view(session, reader=reader, ranking=ranking, now=now).stories
    cases = [("front page view, articles only", lambda s: front_view(s, reader=reader)),
             ("front page view, with top stories", lambda s: front_view(s, reader=reader, ranking=ranking, now=now)),
             ("story page view (the top story)", lambda s: story_view(s, top[0].id, ranking=ranking, reader=reader,
                                                                      site_languages=["en", "ru"]))]
    for name, build in cases:
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            with session_scope(engine) as session:
                build(session)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(f"{name:<40} p50 {statistics.median(timings):6.2f} ms   p95 {timings[int(rounds * 0.95) - 1]:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--search-articles", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="Seconds of each wrk run.")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="uvicorn worker processes.")
    parser.add_argument("--search-rounds", type=int, default=4)
    parser.add_argument("--search-db", type=Path, help="Reuse a database built by an earlier run (kept).")
    parser.add_argument("--skip-http", action="store_true", help="Only measure search.")
    parser.add_argument("--crawl-feeds", type=int, default=20, help="Feeds of the outlet crawled in the background.")
    parser.add_argument("--crawl-entries", type=int, default=100, help="New articles in each of those feeds.")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk)")
    print(f"== reader site: {args.articles:,} articles, {args.workers} uvicorn workers, wrk {THREADS} threads × "
          f"{CONNECTIONS} connections, {args.duration}s per run, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        folder = Path(tmp)
        if not args.skip_http:
            http_bench(args, folder)
        print(f"== search: {args.search_articles:,} articles")
        if args.search_db and args.search_db.exists():
            search_url = f"sqlite:///{args.search_db}"
        else:
            search_url = build(args.search_db or folder / "search.db", args.search_articles)
        result = search_latency(search_url, args.search_rounds)
        print(f"search view (rank + teasers + highlights), {int(result['n'])} queries: p50 {result['p50']:.1f} ms   "
              f"p95 {result['p95']:.1f} ms   p99 {result['p99']:.1f} ms   target p95 < 50 ms")


def http_bench(args: argparse.Namespace, folder: Path) -> None:
    url = build(folder / "site.db", args.articles)
    front_build_latency(url)
    process, base = start_server(url, args.workers, folder)
    try:
        for path in ("/article/1", "/"):  # warm every worker (caches, imports, first compiles)
            wrk(base + path, 3)
        time.sleep(2)
        runs = [
            ("article page (one URL)", base + "/article/1", None, True, "target ≥ 1,000 req/s, p99 < 50 ms"),
            ("front page", base + "/", None, True, ""),
            ("article page, no gzip", base + "/article/1", None, False, ""),
            # last: its cache misses queue up builds that would still be running into the next run
            (f"article pages (random of {args.articles:,})", base + "/",
             random_articles_script(folder, args.articles), True, ""),
        ]
        quiet = {}
        for name, url_, script, gzip, target in runs:
            quiet[name] = wrk(url_, args.duration, script=script, gzip=gzip)
            report(name, quiet[name], target)
            time.sleep(2)  # why: let the workers finish what the last run left in flight
    finally:
        process.terminate()
        process.wait(timeout=20)
    crawling_bench(args, folder, url, quiet["article page (one URL)"], quiet["front page"])


def follow_outlet(url: str, origin: Origin, feeds: int, entries: int) -> None:
    """``feeds`` feeds of ``entries`` distinct article pages each, followed and due now."""
    from newsdesk.store import repo
    from newsdesk.store.db import session_scope

    with session_scope(engine_for(url)) as session:
        source = repo.add_source(session, name="Background outlet")
        for f in range(feeds):
            items = []
            for e in range(entries):
                path = f"/bg/{f}/{e}"
                origin.route(path, article_page(f"Background story {f}-{e}", unique_paragraphs(f * entries + e)))
                items.append({"title": f"Background story {f}-{e}", "link": origin.url(path)})
            repo.add_feed(session, source, url=origin.route(f"/bg/{f}.xml", rss(items),
                                                            content_type="application/rss+xml"), kind="rss")
    engine_for(url).dispose()


def article_count(url: str) -> int:
    from sqlalchemy import func, select

    from newsdesk.store.db import session_scope
    from newsdesk.store.schema import Article

    with session_scope(engine_for(url)) as session:
        return int(session.scalar(select(func.count()).select_from(Article)) or 0)


def crawling_bench(args: argparse.Namespace, folder: Path, url: str, quiet_article: dict[str, float],
                   quiet_front: dict[str, float]) -> None:
    """The article and front pages again, while the in-process scheduler crawls a loopback outlet."""
    with Origin() as origin:
        follow_outlet(url, origin, args.crawl_feeds, args.crawl_entries)
        before = article_count(url)
        process, base = start_server(url, args.workers, folder, scheduler=True)
        try:
            wrk(base + "/article/1", 2)  # warm the new workers; the crawl has started meanwhile
            busy_article = wrk(base + "/article/1", args.duration)
            busy_front = wrk(base + "/", args.duration)
        finally:
            process.terminate()
            process.wait(timeout=60)
    stored = article_count(url) - before
    print(f"== with the scheduler crawling {args.crawl_feeds} feeds × {args.crawl_entries} articles in the background "
          f"({stored:,} stored during the runs)")
    for name, quiet, busy in (("article page (one URL)", quiet_article, busy_article),
                              ("front page", quiet_front, busy_front)):
        report(f"{name}, idle", quiet)
        report(f"{name}, while crawling", busy)

if __name__ == "__main__":
    main()
