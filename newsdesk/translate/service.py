"""Translate many plain texts at once: dedupe, read the cache, batch the misses, check, remember.

Every engine call goes through :func:`translate_texts`, so caching by (text hash, engine,
language pair) and the garbage checks apply to every engine alike, and a text seen before never
reaches the engine again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from newsdesk.errors import TranslationFailed
from newsdesk.translate.base import Translator, check_output, has_words
from newsdesk.translate.cache import CacheEntry, TranslationCache, cache_key
from newsdesk.translate.models import BatchStats

# why: engines are trained on sentences and LibreTranslate instances commonly refuse requests over
# 5,000 characters; a longer text (a link spanning a paragraph keeps its sentences together) goes
# to the engine sentence by sentence.
MAX_TEXT_CHARS = 2000


def split_long(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """``text`` as pieces of at most ``limit`` characters: whole sentences, else runs of words."""
    if len(text) <= limit:
        return [text]
    from newsdesk.translate.markup import split_sentences

    out: list[str] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if len(sentence) <= limit:
            out.append(sentence)
            continue
        words: list[str] = []
        size = 0
        for word in sentence.split():
            if words and size + 1 + len(word) > limit:
                out.append(" ".join(words))
                words, size = [], 0
            words.append(word[:limit])
            size += len(word[:limit]) + (1 if size else 0)
        if words:
            out.append(" ".join(words))
    return out or [text[:limit]]


def translate_texts(
    translator: Translator,
    texts: Sequence[str],
    source: str,
    target: str,
    cache: TranslationCache,
) -> tuple[dict[str, str], BatchStats]:
    """Translations of ``texts`` as a ``{text: translation}`` map, and what it took.

    Texts without letters are their own translation. Raises ``TranslationFailed`` if the engine
    fails or answers garbage; whatever was translated before the failure is already cached.
    """
    unique = list(dict.fromkeys(t for t in texts if t.strip()))
    result: dict[str, str] = {t: t for t in unique if not has_words(t)}
    wanted = [t for t in unique if t not in result]
    keys = {t: cache_key(translator.name, source, target, t) for t in wanted}
    cached = cache.get_many(list(keys.values())) if wanted else {}
    misses: list[str] = []
    for text in wanted:
        hit = cached.get(keys[text])
        if hit is None:
            misses.append(text)
        else:
            result[text] = hit
    # texts longer than an engine should take at once go as pieces, each cached on its own
    pieces = {text: split_long(text) for text in misses}
    split = [text for text in misses if len(pieces[text]) > 1]
    part_keys = {p: cache_key(translator.name, source, target, p) for t in split for p in pieces[t]}
    parts: dict[str, str] = {t: t for t in part_keys if not has_words(t)}
    if part_keys:
        cached_parts = cache.get_many([k for p, k in part_keys.items() if p not in parts])
        parts.update({p: cached_parts[k] for p, k in part_keys.items() if k in cached_parts})
    keys.update(part_keys)
    queue = list(dict.fromkeys(p for t in misses for p in pieces[t] if p not in parts))
    calls, seconds = 0, 0.0
    batch = max(1, translator.max_batch)
    for start in range(0, len(queue), batch):
        chunk = queue[start : start + batch]
        began = time.perf_counter()
        try:
            outputs = translator.translate(chunk, source, target)
        except TranslationFailed:
            raise
        except Exception as exc:  # an engine bug must not lose the article: it becomes a retry
            raise TranslationFailed(f"{translator.name} failed: {exc!r}"[:500], reason="engine_error") from exc
        finally:
            seconds += time.perf_counter() - began
            calls += 1
        outputs = check_output(chunk, outputs, engine=translator.name)
        cleaned = [out.strip() for out in outputs]
        cache.put_many(
            CacheEntry(keys[src], translator.name, source, target, out)
            for src, out in zip(chunk, cleaned, strict=True)
        )
        parts.update(zip(chunk, cleaned, strict=True))
    for text in misses:
        result[text] = " ".join(parts[p] for p in pieces[text])
    cache.put_many(CacheEntry(keys[t], translator.name, source, target, result[t]) for t in split)
    stats = BatchStats(
        requested=len(texts),
        unique=len(wanted),
        cache_hits=len(wanted) - len(misses),
        engine_texts=len(queue),
        engine_calls=calls,
        engine_seconds=seconds,
        fresh=frozenset(misses),
    )
    return result, stats
