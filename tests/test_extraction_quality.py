"""Quality floors of extract_article on the shared dev benchmarks, scored by the shared tool.

Corpora: ../shared/bench/extraction/aeb-dev (92 pages of scrapinghub/article-extraction-benchmark)
and ../shared/bench/extraction/trafilatura-dev (500 pages of trafilatura's evaluation set).
Floors: body F1 ≥ 0.970 on aeb-dev and ≥ 0.93 on trafilatura-dev (issue 3). The metadata floors
are trafilatura 2.3.1's own accuracy on trafilatura-dev with ``bare_extraction(...,
with_metadata=True)``, measured with bench/extraction.py on this corpus: title 0.632, author 0.541,
date 0.874. Beside the full figures, the held-out-fold means of bench/extraction.py's five folds
(``FOLD_FLOORS``, issue 10): the figure that predicts unseen pages. Quality only: speed is reported
by bench/extraction.py, never asserted here.

All three metadata floors are trafilatura's figures. ``published_at`` stays converted to UTC (issue
3) while the gold dates are the page's local day, so the 10 pages published late in the evening west
of UTC or just after midnight east of it count as misses for Newsdesk although the instant is right;
it clears trafilatura's date figure regardless (0.885, 324/366, measured 28 November 2026).
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from newsdesk.extract import extract_article
from tests.conftest import ROOT, shared_path

# trafilatura 2.3.1 with metadata on, on trafilatura-dev (500 pages, ../shared/bench/extraction),
# measured by bench/extraction.py: the floors for title, author and date (UTC) alike.
TRAFILATURA_META = {"title": 0.632, "author": 0.541, "date": 0.874}


# Held-out-fold floors: the mean body F1 over the five folds of bench/extraction.py (sha1 of the page
# id), each fold scored on its own, measured 2 December 2026 (docs/extraction.md): aeb-dev 0.973,
# trafilatura-dev 0.934, against trafilatura's defaults 0.951 and 0.920 on the same folds. The floors
# sit 0.005 below; the nested cross-validation (tuned on four folds, scored on the fifth) gave 0.971
# and 0.929 for the furniture vocabulary, the least stable choice, so a floor higher than that would
# pin what the dev pages alone support.
FOLD_FLOORS = {"aeb-dev": 0.968, "trafilatura-dev": 0.929}


def load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fold_mean(result: dict[str, Any]) -> float:
    """Mean over the bench's folds of the body F1 of each fold, from the tool's per-page records."""
    tool = load_module("extraction_eval", shared_path("tools", "extraction_eval.py"))
    bench = load_module("bench_extraction", ROOT / "bench" / "extraction.py")
    records = [dict(r, fold=bench.fold_of(r["id"])) for r in result["records"]]
    return statistics.mean(bench.fold_scores(tool, result["layout"], records))


def run_tool(data_dir: Path, out: Path) -> dict:
    tool = shared_path("tools", "extraction_eval.py")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, str(tool), str(data_dir), "--extractor", "newsdesk.extract:extract_article",
         "--out", str(out), "--bootstrap", "0"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600,
    )
    return json.loads(out.read_text("utf-8"))


@pytest.mark.timeout(600)
def test_aeb_dev_body_f1(tmp_path: Path) -> None:
    result = run_tool(shared_path("bench", "extraction", "aeb-dev"), tmp_path / "aeb.json")
    assert result["errors"] == 0
    assert result["metrics"]["all"]["f1"] >= 0.970
    assert fold_mean(result) >= FOLD_FLOORS["aeb-dev"]


@pytest.mark.timeout(600)
def test_trafilatura_dev_body_f1_and_metadata(tmp_path: Path) -> None:
    result = run_tool(shared_path("bench", "extraction", "trafilatura-dev"), tmp_path / "traf.json")
    assert result["metrics"]["all"]["f1"] >= 0.93
    assert fold_mean(result) >= FOLD_FLOORS["trafilatura-dev"]
    meta = result["meta_accuracy"]
    assert meta["title"] >= TRAFILATURA_META["title"]
    assert meta["author"] >= TRAFILATURA_META["author"]
    assert meta["date"] >= TRAFILATURA_META["date"]


def test_a_page_our_passes_miss_gets_trafilaturas_cascade() -> None:
    """Both of Newsdesk's passes kept a 673-character fragment of this page (none of its three gold
    segments); trafilatura's own default cascade, its decision where ours is unsure, finds the text."""
    tool = load_module("extraction_eval", shared_path("tools", "extraction_eval.py"))
    data = shared_path("bench", "extraction", "trafilatura-dev")
    url, gold = next((u, g) for u, g in json.loads((data / "evaldata.json").read_text("utf-8")).items()
                     if g["file"] == "bummfilm.de.über.html")
    html = tool.decode((data / "eval" / gold["file"]).read_bytes())
    score = tool.score_segments(gold, extract_article(html, url).text)
    assert score["tp"] == len(gold["with"])
    assert score["fp"] == 0
