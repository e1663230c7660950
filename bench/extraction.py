"""Extraction quality and speed: Newsdesk against trafilatura on both dev benchmarks, same run.

For each dev set in ``../shared/bench/extraction`` it prints body precision/recall/F1 (each
benchmark's own metric, from the shared tool ``../shared/tools/extraction_eval.py``, imported by
path), title/author/date accuracy where the set has gold metadata, and pages/s, for:

- ``newsdesk``            ``newsdesk.extract.extract_article`` (everything: body, metadata, teaser…)
- ``trafilatura``         ``trafilatura.extract(html, url=url)`` (defaults)
- ``trafilatura-prec``    ``trafilatura.extract(..., favor_precision=True)``
- ``trafilatura-meta``    ``trafilatura.bare_extraction(..., with_metadata=True)``: the metadata reference

The extractors run interleaved page by page, so a busy machine slows them alike; pages/s is
reported from CPU time (``time.process_time``) and wall time. The speed ratio is Newsdesk against
trafilatura defaults. Usage: ``python bench/extraction.py [--limit N] [--sets aeb-dev,...]``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TOOL = SHARED / "tools" / "extraction_eval.py"
SETS = ("aeb-dev", "trafilatura-dev")


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extraction_eval", TOOL)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {TOOL}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extractors() -> dict[str, Callable[[str, str], Any]]:
    import trafilatura

    from newsdesk.extract import extract_article

    def newsdesk(html: str, url: str) -> Any:
        return extract_article(html, url)

    def default(html: str, url: str) -> Any:
        return trafilatura.extract(html, url=url)

    def precision(html: str, url: str) -> Any:
        return trafilatura.extract(html, url=url, favor_precision=True)

    def with_metadata(html: str, url: str) -> Any:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        if doc is None:
            return None
        return {"text": doc.text, "title": doc.title, "author": doc.author, "date": doc.date}

    return {"newsdesk": newsdesk, "trafilatura": default, "trafilatura-prec": precision,
            "trafilatura-meta": with_metadata}


def run_set(tool: ModuleType, name: str, limit: int | None) -> dict[str, dict[str, Any]]:
    layout, pages = tool.load_pages(SHARED / "bench" / "extraction" / name)
    pages = pages[:limit]
    fns = extractors()
    for fn in fns.values():  # lazy imports and one-time set-up outside the timed loop
        with contextlib.suppress(Exception):
            fn(pages[0]["html"], pages[0]["url"])
    scorer = tool.score_aeb if layout == "aeb" else tool.score_segments
    records: dict[str, list[dict[str, Any]]] = {key: [] for key in fns}
    cpu = dict.fromkeys(fns, 0.0)
    wall = dict.fromkeys(fns, 0.0)
    for page in pages:
        for key, fn in fns.items():
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            try:
                result = fn(page["html"], page["url"])
            except Exception:  # a crash or NoArticleFound counts as an empty output
                result = None
            cpu[key] += time.process_time() - start_cpu
            wall[key] += time.perf_counter() - start_wall
            record = tool.as_record(result)
            score = scorer(page["gold"], record.get("text") or "")
            meta = {f: tool.meta_key(f, record.get(f)) == tool.meta_key(f, page["gold"][f])
                    for f in tool.META_FIELDS if page["gold"].get(f) and f in record}
            records[key].append(dict(meta=meta, **score))
    out: dict[str, dict[str, Any]] = {}
    for key, recs in records.items():
        metrics = tool.aggregate(layout, recs)
        meta_acc = {f: sum(r["meta"][f] for r in recs if f in r["meta"]) / n
                    for f in tool.META_FIELDS if (n := sum(f in r["meta"] for r in recs))}
        out[key] = dict(metrics, meta=meta_acc, cpu_pps=len(pages) / cpu[key], wall_pps=len(pages) / wall[key])
    return out


def report(name: str, results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{name}: {results['newsdesk']['pages']} pages")
    print(f"  {'extractor':<18} {'P':>6} {'R':>6} {'F1':>6} {'title':>6} {'author':>6} {'date':>6} "
          f"{'pages/s cpu':>11} {'wall':>6}")
    for key, m in results.items():
        meta = "".join(f"{m['meta'][f]:>7.3f}" if f in m["meta"] else f"{'-':>7}" for f in ("title", "author", "date"))
        print(f"  {key:<18} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}{meta} "
              f"{m['cpu_pps']:>11.1f} {m['wall_pps']:>6.1f}")
    ratio_cpu = results["newsdesk"]["cpu_pps"] / results["trafilatura"]["cpu_pps"]
    ratio_wall = results["newsdesk"]["wall_pps"] / results["trafilatura"]["wall_pps"]
    print(f"  speed ratio newsdesk / trafilatura default: {ratio_cpu:.2f}x (cpu), {ratio_wall:.2f}x (wall)")


def main() -> None:
    if not os.environ.get("PYTHONHASHSEED"):  # as the shared tool: fix set iteration order
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N pages of each set (smoke run)")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated dev sets")
    args = parser.parse_args()
    if not TOOL.is_file():
        sys.exit(f"shared data missing: {TOOL} (clone the project beside its shared/ folder)")
    tool = load_tool()
    for name in args.sets.split(","):
        report(name, run_set(tool, name, args.limit))


if __name__ == "__main__":
    main()
