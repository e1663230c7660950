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
trafilatura defaults.

**Folds.** Each dev set is cut into K=5 folds by ``sha1(page id)`` (not by order; see
:func:`fold_of`). Beside each full figure the bench prints the *held-out-fold* figure: the mean
(± standard deviation, and the range) of body F1 over the five folds, each fold scored on its own.
For an extractor whose rules are fixed this is the figure to compare between systems fold by fold;
for rules chosen from the pages, ``--cv`` chooses them on four folds and scores the fifth, which
is what predicts unseen pages (docs/extraction.md, docs/decisions/0006-extraction-folds.md).

- ``--ablate``: Newsdesk with each of its own heuristics turned off, per fold (a heuristic whose
  gain does not hold on most folds of both sets is tuned to the pages it was developed on).
- ``--cv``: nested cross-validation of the tuned choices: the "unsure" thresholds of the body
  cascade (a grid), how much longer trafilatura's own cascade must be to replace ours, and the
  furniture vocabulary (each phrase kept only if it helps on the four
  tuning folds), scored on the fold left out.

Usage: ``python bench/extraction.py [--limit N] [--sets aeb-dev,...] [--ablate] [--cv]``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TOOL = SHARED / "tools" / "extraction_eval.py"
SETS = ("aeb-dev", "trafilatura-dev")
# Why 5: each fold keeps about 18 AEB and 100 trafilatura-set pages, enough for a fold's F1 to mean
# something, while four folds are left to tune on.
K_FOLDS = 5


def fold_of(page_id: str) -> int:
    """The page's fold, from the first eight bytes of sha1(id): the shared halves were cut by the
    parity of the *last* byte, so these bits are independent of that cut, and of the pages' order."""
    return int.from_bytes(hashlib.sha1(page_id.encode("utf-8")).digest()[:8], "big") % K_FOLDS


def fold_scores(tool: ModuleType, layout: str, recs: list[dict[str, Any]]) -> list[float]:
    """Body F1 of each fold on its own (records carry ``fold``)."""
    return [tool.aggregate(layout, [r for r in recs if r["fold"] == k])["f1"] for k in range(K_FOLDS)]


def held_out(folds: list[float]) -> str:
    return f"{statistics.mean(folds):.3f} ± {statistics.stdev(folds):.3f} [{min(folds):.3f}–{max(folds):.3f}]"


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
            records[key].append(dict(meta=meta, fold=fold_of(page["id"]), **score))
    out: dict[str, dict[str, Any]] = {}
    for key, recs in records.items():
        metrics = tool.aggregate(layout, recs)
        meta_acc = {f: sum(r["meta"][f] for r in recs if f in r["meta"]) / n
                    for f in tool.META_FIELDS if (n := sum(f in r["meta"] for r in recs))}
        out[key] = dict(metrics, meta=meta_acc, cpu_pps=len(pages) / cpu[key], wall_pps=len(pages) / wall[key],
                        folds=fold_scores(tool, layout, recs))
    return out


def report(name: str, results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{name}: {results['newsdesk']['pages']} pages")
    print(f"  {'extractor':<18} {'P':>6} {'R':>6} {'F1':>6} {'title':>6} {'author':>6} {'date':>6} "
          f"{'pages/s cpu':>11} {'wall':>6}")
    for key, m in results.items():
        meta = "".join(f"{m['meta'][f]:>7.3f}" if f in m["meta"] else f"{'-':>7}" for f in ("title", "author", "date"))
        print(f"  {key:<18} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}{meta} "
              f"{m['cpu_pps']:>11.1f} {m['wall_pps']:>6.1f}")
    print(f"  held-out folds (K={K_FOLDS}, body F1 of each fold: mean ± sd [min–max]; per fold)")
    for key, m in results.items():
        print(f"  {key:<18} {held_out(m['folds'])}   " + " ".join(f"{f:.3f}" for f in m["folds"]))
    wins = sum(a >= b for a, b in zip(results["newsdesk"]["folds"], results["trafilatura"]["folds"], strict=True))
    print(f"  newsdesk ≥ trafilatura default on {wins}/{K_FOLDS} folds")
    ratio_cpu = results["newsdesk"]["cpu_pps"] / results["trafilatura"]["cpu_pps"]
    ratio_wall = results["newsdesk"]["wall_pps"] / results["trafilatura"]["wall_pps"]
    print(f"  speed ratio newsdesk / trafilatura default: {ratio_cpu:.2f}x (cpu), {ratio_wall:.2f}x (wall)")


# ---- ablation: Newsdesk with one of its own heuristics off ------------------------------------

NEVER = re.compile(r"(?!)")


@contextlib.contextmanager
def _patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


@contextlib.contextmanager
def _balanced() -> Iterator[None]:
    """trafilatura's balanced focus instead of precision, in both passes."""
    from newsdesk.extract import body

    old = dict(body._OPTIONS)
    body._OPTIONS.update({key: body._options(precision=False, fast=key[1]) for key in old})
    try:
        yield
    finally:
        body._OPTIONS.update(old)


def variants() -> dict[str, Callable[[], contextlib.AbstractContextManager[Any]]]:
    """Each of Newsdesk's own decisions turned off (or handed back to trafilatura)."""
    from newsdesk.extract import article, body, furniture

    remove = article.remove_furniture

    def always_compare() -> contextlib.ExitStack:
        stack = contextlib.ExitStack()
        stack.enter_context(_patched(body, "UNSURE_MAX_CHARS", 10**12))
        stack.enter_context(_patched(body, "UNSURE_PAGE_SHARE", 10.0**12))
        return stack

    return {
        "precision→balanced": _balanced,
        "unsure: never": lambda: _patched(body, "UNSURE_MAX_CHARS", 0),
        "unsure: always": always_compare,
        "fallback to trafilatura": lambda: _patched(body, "FALLBACK_LONGER", float("inf")),
        "prestrip nav/aside/ft": lambda: _patched(
            body, "PRESTRIP", tuple(t for t in body.PRESTRIP if t not in ("nav", "aside", "footer"))),
        "furniture: all": lambda: _patched(article, "remove_furniture", lambda blocks, title=None: list(blocks)),
        "furniture: headline": lambda: _patched(article, "remove_furniture", lambda blocks, title=None: remove(blocks)),
        "furniture: prompts": lambda: _patched(furniture, "_PROMPT", NEVER),
        "furniture: prefixes": lambda: _patched(furniture, "_PREFIX", NEVER),
        "furniture: rails": lambda: _patched(furniture, "_RAIL_HEADING", NEVER),
        "furniture: link lists": lambda: _patched(furniture, "_all_short", lambda items: False),
        "furniture: link-heavy": lambda: _patched(furniture, "LINK_HEAVY", 2.0),
        "citations": lambda: _patched(article, "_split_citations", lambda blocks: (blocks, [], [])),
    }


def _score_pages(tool: ModuleType, layout: str, pages: list[dict[str, Any]],
                 fn: Callable[[str, str], Any]) -> tuple[list[dict[str, Any]], float]:
    scorer = tool.score_aeb if layout == "aeb" else tool.score_segments
    recs, start = [], time.process_time()
    for page in pages:
        try:
            result = fn(page["html"], page["url"])
        except Exception:  # NoArticleFound or a crash: an empty output
            result = None
        recs.append(dict(fold=fold_of(page["id"]), **scorer(page["gold"], tool.as_record(result).get("text") or "")))
    return recs, len(pages) / max(time.process_time() - start, 1e-9)


def ablate(tool: ModuleType, name: str, limit: int | None) -> None:
    from newsdesk.extract import extract_article

    layout, pages = tool.load_pages(SHARED / "bench" / "extraction" / name)
    pages = pages[:limit]
    fns = extractors()
    base, pps = _score_pages(tool, layout, pages, fns["newsdesk"])
    base_folds = fold_scores(tool, layout, base)
    print(f"\n{name}: ablation, {len(pages)} pages, K={K_FOLDS} folds; Δ = newsdesk − variant "
          "(positive: the heuristic helps), 'helps' = folds where it does not hurt")
    print(f"  {'turned off':<24} {'full':>6} {'mean':>6} {'Δmean':>7} {'helps':>5}  per-fold F1   pages/s")
    trafilatura, traf_pps = _score_pages(tool, layout, pages, fns["trafilatura"])
    for label, recs, speed in (("(newsdesk, all on)", base, pps), ("(trafilatura default)", trafilatura, traf_pps)):
        folds = fold_scores(tool, layout, recs)
        print(f"  {label:<24} {tool.aggregate(layout, recs)['f1']:>6.3f} {statistics.mean(folds):>6.3f} "
              f"{statistics.mean(base_folds) - statistics.mean(folds):>+7.3f} "
              f"{sum(b >= f for b, f in zip(base_folds, folds, strict=True)):>3}/{K_FOLDS}  "
              + " ".join(f"{f:.3f}" for f in folds) + f"  {speed:>6.1f}")
    for label, make in variants().items():
        with make():
            recs, speed = _score_pages(tool, layout, pages, lambda html, url: extract_article(html, url))
        folds = fold_scores(tool, layout, recs)
        print(f"  {label:<24} {tool.aggregate(layout, recs)['f1']:>6.3f} {statistics.mean(folds):>6.3f} "
              f"{statistics.mean(base_folds) - statistics.mean(folds):>+7.3f} "
              f"{sum(b >= f for b, f in zip(base_folds, folds, strict=True)):>3}/{K_FOLDS}  "
              + " ".join(f"{f:.3f}" for f in folds) + f"  {speed:>6.1f}")


# ---- nested cross-validation of the tuned choices ----------------------------------------------

def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a ``^(?:a|b|…)`` furniture pattern."""
    inner = pattern.removeprefix("^(?:").removesuffix("$").removesuffix(")")
    out, depth, current, escaped = [], 0, "", False
    for char in inner:
        if escaped:
            current, escaped = current + char, False
            continue
        if char == "\\":
            current, escaped = current + char, True
            continue
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            out.append(current)
            current = ""
        else:
            current += char
    return [*out, current]


def _vocabulary(alts: list[str], anchored: bool) -> re.Pattern[str]:
    if not alts:
        return NEVER
    return re.compile("^(?:" + "|".join(alts) + (")$" if anchored else ")"), re.IGNORECASE)


def _capture(tool: ModuleType, name: str, limit: int | None) -> tuple[str, list[dict[str, Any]]]:
    """Per page, both body candidates (the fast pass and the comparison stage), their sizes and the
    title, so every threshold and vocabulary can be scored without extracting again."""
    from newsdesk.extract import article, body, extract_article

    layout, pages = tool.load_pages(SHARED / "bench" / "extraction" / name)
    pages = pages[:limit]
    seen: dict[str, Any] = {}

    def extract_both(tree: Any, reparse: Callable[[], Any]) -> list[Any]:
        page_chars = body._visible_chars(tree)
        postbody, text = body._main_pass(tree)
        main = body.render(postbody)
        compare = body.render(body._compare_pass(reparse(), postbody, text))
        seen.update(main=main, compare=compare, fallback=body.render(body._default_cascade(reparse())),
                    chars=sum(len(block.text) for block in main), page_chars=page_chars)
        return main

    def capture_title(blocks: Any, title: str | None = None) -> list[Any]:
        seen["title"] = title
        return list(blocks)

    out = []
    with _patched(article, "extract_body", extract_both), _patched(article, "remove_furniture", capture_title):
        for page in pages:
            seen.clear()
            with contextlib.suppress(Exception):
                extract_article(page["html"], page["url"])
            if "main" in seen:
                out.append(dict(seen, fold=fold_of(page["id"]), gold=page["gold"]))
            else:  # refused before the body (not HTML, too large): empty whatever the choice
                out.append(dict(main=[], compare=[], fallback=[], chars=0, page_chars=0, title=None,
                                fold=fold_of(page["id"]), gold=page["gold"]))
    return layout, out


def _pick(page: dict[str, Any], max_chars: float, share: float, longer: float) -> list[Any]:
    """The blocks ``body.extract_body`` keeps for these thresholds (the same rule, from the capture)."""
    def unsure(chars: int) -> bool:
        return chars < max_chars and chars < share * page["page_chars"]

    if not unsure(page["chars"]):
        return page["main"]
    blocks = page["compare"] or page["main"]
    chars = sum(len(block.text) for block in blocks)
    if unsure(chars) and sum(len(block.text) for block in page["fallback"]) > longer * chars:
        return page["fallback"]
    return blocks


def _text(blocks: list[Any], title: str | None) -> str:
    from newsdesk.extract import article, furniture

    kept = article._split_citations(furniture.remove_furniture(blocks, title))[0]
    text = "\n".join(block.text for block in kept)
    return text if len(article._WORD_CHAR.findall(text[:1000])) >= article.MIN_BODY_WORD_CHARS else ""


def _choose(tool: ModuleType, layout: str, by_option: dict[Any, list[dict[str, Any]]], prefer: Any) -> list[Any]:
    """For each fold, the option with the best F1 on the other folds (``prefer`` on a tie)."""
    chosen = []
    for k in range(K_FOLDS):
        def train(option: Any, k: int = k) -> tuple[float, bool]:
            return tool.aggregate(layout, [r for r in by_option[option] if r["fold"] != k])["f1"], option == prefer
        chosen.append(max(by_option, key=train))
    return chosen


def cross_validate(tool: ModuleType, name: str, limit: int | None) -> None:
    from newsdesk.extract import body, furniture

    layout, pages = _capture(tool, name, limit)
    scorer = tool.score_aeb if layout == "aeb" else tool.score_segments
    print(f"\n{name}: nested cross-validation, {len(pages)} pages, K={K_FOLDS}: each choice tuned on four "
          "folds, scored on the fifth")

    def score(page: dict[str, Any], blocks: list[Any]) -> dict[str, Any]:
        return dict(fold=page["fold"], **scorer(page["gold"], _text(blocks, page["title"])))

    # 1. the unsure thresholds: when the comparison stage runs
    grid = [(chars, share) for chars in (0, 500, 1000, 1500, 2000, 3000, 5000, 10**12)
            for share in (0.1, 0.2, 0.3, 0.5, 10.0**12)]
    longer = body.FALLBACK_LONGER
    current = (body.UNSURE_MAX_CHARS, body.UNSURE_PAGE_SHARE)
    by_option = {option: [score(p, _pick(p, *option, longer)) for p in pages] for option in {*grid, current}}
    chosen = _choose(tool, layout, by_option, current)
    cv = [tool.aggregate(layout, [r for r in by_option[c] if r["fold"] == k])["f1"] for k, c in enumerate(chosen)]
    fixed = fold_scores(tool, layout, by_option[current])

    def label(option: tuple[float, float]) -> str:
        chars, share = option
        return ("always" if chars >= 10**12 and share >= 10**12 else "never" if chars == 0
                else f"<{chars} & <{share:g}" if share < 10**12 else f"<{chars}")

    print(f"  unsure thresholds: fixed {label(current)}: {held_out(fixed)}")
    print(f"                     tuned on 4 folds: {held_out(cv)}   chosen per fold: "
          + ", ".join(label(c) for c in chosen))
    for option in ((0, 10.0**12), (10**12, 10.0**12)):
        print(f"                     {label(option)}: {held_out(fold_scores(tool, layout, by_option[option]))}")

    # 2. the fallback to trafilatura's own cascade: how much longer its text must be
    by_ratio = {ratio: [score(p, _pick(p, *current, ratio)) for p in pages] for ratio in (1.0, 1.5, 3.0, float("inf"))}
    chosen_ratio = _choose(tool, layout, by_ratio, longer)
    cv = [tool.aggregate(layout, [r for r in by_ratio[c] if r["fold"] == k])["f1"] for k, c in enumerate(chosen_ratio)]
    print(f"  fallback to trafilatura: fixed >{longer:g}x: {held_out(fold_scores(tool, layout, by_ratio[longer]))}")
    print(f"                     tuned on 4 folds: {held_out(cv)}   chosen per fold: "
          + ", ".join("never" if c == float("inf") else f">{c:g}x" for c in chosen_ratio))
    print(f"                     never: {held_out(fold_scores(tool, layout, by_ratio[float('inf')]))}")

    # 3. the furniture vocabulary: a phrase is kept for a fold only if it fires on the other four
    # folds' pages and removing it does not raise their F1 (as if written from those pages alone)
    def current_blocks(p: dict[str, Any]) -> list[Any]:
        return _pick(p, *current, longer)

    base = [score(p, current_blocks(p)) for p in pages]
    vocab = {"prompt": (furniture._PROMPT, True), "prefix": (furniture._PREFIX, False),
             "rail": (furniture._RAIL_HEADING, False)}
    attr = {"prompt": "_PROMPT", "prefix": "_PREFIX", "rail": "_RAIL_HEADING"}
    alts = {kind: alternatives(pattern.pattern) for kind, (pattern, _) in vocab.items()}
    norms = [[furniture._norm(b.text) for b in current_blocks(p)] for p in pages]

    def rescore(keep: dict[str, list[str]], indexes: list[int]) -> dict[int, dict[str, Any]]:
        with contextlib.ExitStack() as stack:
            for kind, (_, anchored) in vocab.items():
                stack.enter_context(_patched(furniture, attr[kind], _vocabulary(keep[kind], anchored)))
            return {i: score(pages[i], current_blocks(pages[i])) for i in indexes}

    effects = []  # (kind, alternative, pages where it fires, their records with it off)
    for kind, (_, anchored) in vocab.items():
        for alt in alts[kind]:
            single = _vocabulary([alt], anchored)
            fires = [i for i, page_norms in enumerate(norms) if any(single.match(n) for n in page_norms)]
            if fires:
                keep = {other: [a for a in alts[other] if not (other == kind and a == alt)] for other in alts}
                effects.append((kind, alt, fires, rescore(keep, fires)))

    def f1_without(changed: dict[int, dict[str, Any]], k: int, train: bool) -> float:
        recs = [changed.get(i, r) for i, r in enumerate(base) if (r["fold"] != k) == train]
        return tool.aggregate(layout, recs)["f1"]

    cv_vocab = []
    for k in range(K_FOLDS):
        train_f1 = tool.aggregate(layout, [r for r in base if r["fold"] != k])["f1"]
        keep: dict[str, list[str]] = {kind: [] for kind in alts}  # a phrase that never fires is inert
        for kind, alt, fires, changed in effects:  # seen on a tuning page, and not hurting there
            if any(pages[i]["fold"] != k for i in fires) and train_f1 >= f1_without(changed, k, True):
                keep[kind].append(alt)
        fold_pages = [i for i, r in enumerate(base) if r["fold"] == k]
        cv_vocab.append(tool.aggregate(layout, list(rescore(keep, fold_pages).values()))["f1"])
    print(f"  furniture vocabulary: all phrases: {held_out(fold_scores(tool, layout, base))}")
    print(f"                        only phrases seen (not hurting) on the 4 tuning folds: {held_out(cv_vocab)}")
    full = tool.aggregate(layout, base)["f1"]
    print(f"  phrases that fire ({len(effects)}): pages, folds, ΔF1 of the whole set when the phrase is removed")
    for kind, alt, fires, changed in sorted(effects, key=lambda e: (-len(e[2]), e[0], e[1])):
        delta = tool.aggregate(layout, [changed.get(i, r) for i, r in enumerate(base)])["f1"] - full
        folds = len({pages[i]["fold"] for i in fires})
        print(f"    {kind:<6} {len(fires):>3} {folds:>2} {delta:>+8.4f}  {alt[:70]}")


def main() -> None:
    if not os.environ.get("PYTHONHASHSEED"):  # as the shared tool: fix set iteration order
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N pages of each set (smoke run)")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated dev sets")
    parser.add_argument("--ablate", action="store_true", help="per-fold F1 with each heuristic turned off")
    parser.add_argument("--cv", action="store_true", help="nested cross-validation of the tuned choices")
    args = parser.parse_args()
    if not TOOL.is_file():
        sys.exit(f"shared data missing: {TOOL} (clone the project beside its shared/ folder)")
    tool = load_tool()
    for name in args.sets.split(","):
        if args.ablate:
            ablate(tool, name, args.limit)
        elif args.cv:
            cross_validate(tool, name, args.limit)
        else:
            report(name, run_set(tool, name, args.limit))


if __name__ == "__main__":
    main()
