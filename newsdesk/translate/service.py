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
    calls, seconds = 0, 0.0
    batch = max(1, translator.max_batch)
    for start in range(0, len(misses), batch):
        chunk = misses[start : start + batch]
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
        result.update(zip(chunk, cleaned, strict=True))
    stats = BatchStats(
        requested=len(texts),
        unique=len(wanted),
        cache_hits=len(wanted) - len(misses),
        engine_texts=len(misses),
        engine_calls=calls,
        engine_seconds=seconds,
        fresh=frozenset(misses),
    )
    return result, stats
