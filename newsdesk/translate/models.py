"""Result dataclasses of the translation stage: what a translated article is, and what it cost.

Frozen and free of library objects, so the pipeline can store them, the CLI print them and a
test compare them without knowing which engine made them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TranslatedArticle:
    """An article's title, body and teaser in ``target_lang``; ``html`` keeps the original's links."""

    source_lang: str
    target_lang: str
    engine: str
    title: str | None
    html: str
    text: str
    teaser: str
    segments: int  # sentences and inline phrases the article needed
    cache_hits: int  # of those, how many came from the cache
    engine_texts: int  # how many texts the engine was asked to translate


@dataclass(frozen=True, slots=True)
class BatchStats:
    """What one call of :func:`newsdesk.translate.service.translate_texts` did."""

    requested: int  # texts asked for, duplicates included
    unique: int  # distinct texts that needed a translation
    cache_hits: int
    engine_texts: int  # texts sent to the engine (cache misses)
    engine_calls: int  # engine batches
    engine_seconds: float  # time spent inside the engine
    fresh: frozenset[str] = frozenset()  # the texts the engine translated (the others were cached)


@dataclass(frozen=True, slots=True)
class InstalledModel:
    """A local translation model on disk (an Argos package or an OPUS-MT CTranslate2 folder)."""

    source_lang: str
    target_lang: str
    name: str
    version: str
    path: str  # the folder holding model.bin
    kind: str  # "argos" or "opus-mt"
    size_bytes: int

    @property
    def pair(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"
