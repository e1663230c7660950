"""Story clustering benchmark: the ingest path (``ClusterParams.from_settings(get_settings())``, articles in
stream order through ``assign``) over the shared GoogleNews stream, words only and the default path (the
embedder held by the clusterer, which embeds only what a decision needs: the count is printed), the en+ru folds.
Prints articles/s, BCubed F1, open stories / indexed terms / peak RSS halfway and at the end (flat:
the index is bounded by the window), and SemEval pair F1 (all pairs, de-en). Prints, never asserts
(the floors are tests/test_story_quality.py; targets: words path >= 5,000 articles/s, F1 >= 0.91).

Usage: python bench/cluster.py [--no-embed] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLUSTERING = ROOT.parent / "shared" / "bench" / "clustering"

from newsdesk.enrich.embed import load_embedder  # noqa: E402
from newsdesk.enrich.stories import ClusterParams, StoryClusterer, StoryDoc  # noqa: E402
from newsdesk.settings import get_settings  # noqa: E402

EPOCH = "1970-01-01T00:00:00+00:00"


def read(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def docs_of(rows: list[dict[str, Any]]) -> list[StoryDoc]:
    return [StoryDoc(i + 1, r.get("title") or "", r.get("text") or "", r.get("lang"),
                     datetime.fromisoformat(r.get("published_at") or EPOCH)) for i, r in enumerate(rows)]


def bcubed(gold: list[Any], pred: list[int]) -> tuple[float, float, float]:
    by_gold: dict[Any, set[int]] = defaultdict(set)
    by_pred: dict[int, set[int]] = defaultdict(set)
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        by_gold[g].add(i)
        by_pred[p].add(i)
    prec = sum(len(by_gold[g] & by_pred[p]) / len(by_pred[p]) for g, p in zip(gold, pred, strict=True)) / len(gold)
    rec = sum(len(by_gold[g] & by_pred[p]) / len(by_gold[g]) for g, p in zip(gold, pred, strict=True)) / len(gold)
    return prec, rec, 2 * prec * rec / (prec + rec)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(docs: list[StoryDoc], embed: bool, label: str, gold: list[Any] | None) -> list[int]:
    """The ingest path: with ``embed`` the configured embedder is held by the clusterer, which embeds
    only what a decision needs ("embed what pays"); the time includes that embedding."""
    params = ClusterParams.from_settings(get_settings())
    embedder = load_embedder(get_settings().story_embedder) if embed else None
    clusterer = StoryClusterer(params, embedder)
    out: list[int] = []
    half = len(docs) // 2
    start = time.perf_counter()
    for i, doc in enumerate(docs):
        out.append(clusterer.assign(doc).story_id)
        if i + 1 == half:
            print(f"  {label} halfway ({half} articles): open stories {clusterer.open_stories}, open articles "
                  f"{clusterer.open_articles}, indexed terms {clusterer.indexed_terms}, peak RSS {rss_mb():.0f} MB")
    cluster_s = time.perf_counter() - start
    print(f"  {label} end ({len(docs)} articles): open stories {clusterer.open_stories}, open articles "
          f"{clusterer.open_articles}, indexed terms {clusterer.indexed_terms}, peak RSS {rss_mb():.0f} MB")
    line = f"  {label}: {len(docs) / cluster_s:,.0f} articles/s"
    if embedder is not None:
        line += f" ({embedder.name}: {clusterer.embedded_texts} of {len(docs)} texts embedded, title + lead)"
    if gold is not None:
        p, r, f = bcubed(gold, out)
        line += f"; BCubed P {p:.4f} R {r:.4f} F1 {f:.4f}, {len(set(out))} stories"
    print(line)
    return out


def folds(embed: bool) -> None:
    """The en+ru labelled sets (tests/data/stories/enru-{a,b,c}; c was never used to choose settings)
    through the same path."""
    for fold in ("enru-a", "enru-b", "enru-c"):
        rows = read(ROOT / "tests" / "data" / "stories" / fold / "docs.jsonl")
        run(docs_of(rows), embed, f"{fold} {'default' if embed else 'words'}", [r["cluster"] for r in rows])


def window_probe(rows: list[dict[str, Any]]) -> None:
    """The stream replayed over a longer clock (each copy a day apart, new ids): the open window stays flat."""
    params = ClusterParams.from_settings(get_settings())
    clusterer = StoryClusterer(params)
    base = docs_of(rows)
    copies = 4
    for c in range(copies):
        shift = timedelta(days=4 * c)
        for d in base:
            clusterer.assign(StoryDoc(d.article_id + c * len(base), d.title, d.text, d.lang, d.published_at + shift))
        print(f"  words, stream x{c + 1} ({(c + 1) * len(base)} articles, 4 days apart): open stories "
              f"{clusterer.open_stories}, open articles {clusterer.open_articles}, indexed terms "
              f"{clusterer.indexed_terms}, peak RSS {rss_mb():.0f} MB")


def semeval(embed: bool) -> None:
    folder = CLUSTERING / "semeval2022-t8-sample"
    rows = read(folder / "docs.jsonl")
    pred = run(docs_of(rows), embed, "semeval " + ("embedding" if embed else "words"), None)
    where = {str(r["id"]): pred[i] for i, r in enumerate(rows)}
    for subset in ("all", "de-en"):
        tp = fp = fn = 0
        for pair in read(folder / "pairs.jsonl"):
            if subset != "all" and pair["langs"] != subset:
                continue
            gold, same = pair["overall"] <= 1.5, where[str(pair["a"])] == where[str(pair["b"])]
            tp, fp, fn = tp + (gold and same), fp + (same and not gold), fn + (gold and not same)
        print(f"  semeval {'embedding' if embed else 'words'} pair F1 ({subset}): {2 * tp / max(2 * tp + fp + fn, 1):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-embed", action="store_true", help="measure the words-only path alone")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N GoogleNews articles")
    args = parser.parse_args()
    rows = read(CLUSTERING / "googlenews-t" / "docs.jsonl", args.limit)
    gold = [r["cluster"] for r in rows]
    docs = docs_of(rows)
    print(f"GoogleNews-T: {len(docs)} articles, {len(set(gold))} stories, window {get_settings().story_window_hours} h")
    run(docs, False, "words", gold)
    window_probe(rows)
    if not args.no_embed:
        run(docs, True, "default (embed what pays)", gold)
        folds(True)
    print("SemEval-2022 T8 sample (pairs: same story when overall <= 1.5)")
    semeval(False)
    if not args.no_embed:
        semeval(True)


if __name__ == "__main__":
    main()
