"""What markup-aware translation costs on top of the engine.

Builds synthetic Russian articles (paragraphs of news-like sentences with links, nested emphasis
and multi-word links; fixed seed), then times separately, per article:

- segmentation: parsing the sanitized HTML into blocks, sentences and inline phrases;
- placement: writing the translation back with every inline element around its words;
- the engine: the deterministic dictionary engine (a lower bound: it costs microseconds where a
  real model costs milliseconds, so the overhead ratio printed against it is pessimistic) and,
  when a real local model for ru→en is installed (``newsdesk translate install ru-en``), that
  model, with its sentences/s.

Usage: ``python bench/translate.py [--articles N] [--model-sentences N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk.settings import load_settings  # noqa: E402
from newsdesk.translate.engines.dictionary import RU_EN, DictionaryTranslator  # noqa: E402
from newsdesk.translate.markup import prepare_html  # noqa: E402

WORDS = sorted(RU_EN)


def sentence(rng: random.Random) -> str:
    n = rng.randint(6, 22)
    tokens = [rng.choice(WORDS) for _ in range(n)]
    tokens[0] = tokens[0].capitalize()
    out: list[str] = []
    i = 0
    while i < n:
        roll = rng.random()
        if roll < 0.08:
            length = min(n - i, rng.randint(1, 4))
            out.append(f'<a href="https://example.org/{rng.randint(1, 10**6)}">{" ".join(tokens[i : i + length])}</a>')
            i += length
        elif roll < 0.11 and i + 3 <= n:
            out.append(f"<em>{tokens[i]} <strong>{tokens[i + 1]}</strong> {tokens[i + 2]}</em>")
            i += 3
        else:
            out.append(tokens[i])
            i += 1
        if rng.random() < 0.07 and i < n:
            out[-1] += ","
    return " ".join(out) + rng.choice([".", ".", ".", "!", "?"])


def article(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(5, 12)):
        paragraphs.append("<p>" + " ".join(sentence(rng) for _ in range(rng.randint(1, 4))) + "</p>")
    if rng.random() < 0.5:
        paragraphs.insert(2, "<blockquote><p>" + sentence(rng) + "</p></blockquote>")
    return "".join(paragraphs)


def real_bodies(limit: int) -> list[str]:
    """Bodies extracted from the real news pages of the shared AEB dev set (empty if absent)."""
    import gzip

    folder = ROOT.parent / "shared" / "bench" / "extraction" / "aeb-dev" / "html"
    if not folder.is_dir():
        return []
    from newsdesk.extract import extract_article

    bodies = []
    for page in sorted(folder.glob("*.html.gz"))[:limit]:
        try:
            bodies.append(extract_article(gzip.decompress(page.read_bytes()).decode("utf-8", "replace"), None).html)
        except Exception:  # a page extraction refuses is simply not part of the sample
            continue
    return bodies


def measure(label: str, bodies: list[str], source: str) -> float:
    """Print the costs for ``bodies``; returns the overhead per sentence in seconds."""
    engine = DictionaryTranslator()
    seg, place, eng, texts_per_article, sentences = [], [], [], [], 0
    sentence_chars = phrase_chars = 0
    for body in bodies:
        began = time.perf_counter()
        plan = prepare_html(body)
        texts = plan.texts
        seg.append(time.perf_counter() - began)
        began = time.perf_counter()
        translated = dict(zip(texts, engine.translate(texts, source, "en"), strict=True))
        eng.append(time.perf_counter() - began)
        began = time.perf_counter()
        plan.render(translated)
        place.append(time.perf_counter() - began)
        texts_per_article.append(len(texts))
        segment_texts = {s.text for b in plan.blocks for s in b.segments}
        sentences += len(segment_texts)
        sentence_chars += sum(len(t) for t in segment_texts)
        phrase_chars += sum(len(t) for t in texts if t not in segment_texts)

    def ms(values: list[float]) -> str:
        p95 = sorted(values)[int(0.95 * (len(values) - 1))]
        return f"mean {1000 * statistics.mean(values):6.2f} ms  p95 {1000 * p95:6.2f} ms"

    overhead = [s + p for s, p in zip(seg, place, strict=True)]
    print(f"== {label}: {len(bodies)} articles, {sentences} sentences, "
          f"{statistics.mean(texts_per_article):.0f} texts (sentences + inline phrases) per article")
    print(f"inline phrases add {100 * phrase_chars / max(1, sentence_chars):.1f}% to the characters the engine "
          "translates (each element's own words, translated to find them; cached across articles)")
    print(f"segmentation            {ms(seg)}")
    print(f"placement               {ms(place)}")
    print(f"overhead (seg + place)  {ms(overhead)}")
    print(f"dictionary engine       {ms(eng)}   (lower bound of an engine's cost)")
    per_sentence = sum(overhead) / max(1, sentences)
    print(f"overhead per sentence   {1000 * per_sentence:.3f} ms")
    return per_sentence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--real", type=int, default=92, help="real news pages from ../shared (0: none)")
    parser.add_argument("--model-sentences", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(5)
    bodies = [article(rng) for _ in range(args.articles)]
    per_sentence = measure("synthetic Russian articles, dense links and emphasis", bodies, "ru")
    real = real_bodies(args.real) if args.real else []
    if real:
        measure("real news bodies (shared AEB dev pages, extracted)", real, "en")

    settings = load_settings()
    try:
        from newsdesk.translate.engines.local import LocalTranslator
        from newsdesk.translate.packages import find_model
    except ImportError:
        print("local model: ctranslate2/sentencepiece not installed: skipped")
        return
    if find_model(settings.translate_models_dir, "ru", "en") is None:
        print(f"local model: no ru-en model in {settings.translate_models_dir}: skipped "
              "(newsdesk translate install ru-en)")
        return
    local = LocalTranslator(settings.translate_models_dir, threads=settings.translate_threads)
    pool = [t for body in bodies for t in prepare_html(body).texts if t.endswith((".", "!", "?"))]
    pool = pool[: args.model_sentences]
    local.translate(pool[:2], "ru", "en")  # load the model outside the timing
    began = time.perf_counter()
    for start in range(0, len(pool), local.max_batch):
        local.translate(pool[start : start + local.max_batch], "ru", "en")
    elapsed = time.perf_counter() - began
    rate = len(pool) / elapsed
    print(f"local model {local.name}: {rate:.1f} sentences/s ({len(pool)} sentences in {elapsed:.1f} s)")
    print(f"overhead vs local model: {100 * per_sentence * rate:.2f}% of the engine's time per sentence")


if __name__ == "__main__":
    main()
