"""The ``Translator`` interface every engine implements, and the checks every engine's output passes.

Engines translate plain text only; markup is handled once, for all of them, in
:mod:`newsdesk.translate.markup`. An engine raises :class:`~newsdesk.errors.TranslationFailed`
(a ``Retry``) when it is down, slow or answers nonsense, so the pipeline records the failure and
tries again later instead of storing a broken translation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from newsdesk.errors import TranslationFailed

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")

# why: a real translation is rarely more than ~3x its source in characters (German or Russian from
# English at worst); 6x plus a constant for very short inputs only catches runaway decoding.
_MAX_GROWTH = 6
_MAX_GROWTH_SLACK = 60


@runtime_checkable
class Translator(Protocol):
    """A plain-text translation engine.

    ``name`` is stable and names the engine and its model (it is stored with every translation and
    is part of the cache key); ``max_batch`` is how many texts one :meth:`translate` call should
    carry at most.
    """

    name: str
    max_batch: int

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translate each text; the answer has one string per input, in order."""
        ...

    def supports(self, source: str, target: str) -> bool:
        """Whether this engine can translate from ``source`` into ``target``."""
        ...


def has_words(text: str) -> bool:
    """Whether ``text`` has anything to translate (letters, not only digits and punctuation)."""
    return any(ch.isalpha() for ch in text)


def check_output(inputs: Sequence[str], outputs: object, *, engine: str) -> list[str]:
    """Return ``outputs`` if it is a sane translation of ``inputs``, else raise ``TranslationFailed``.

    Garbage is: not a list of strings, a different count, an empty answer to a text with words,
    HTML tags where plain text was sent, or an answer many times longer than its source.
    """
    if not isinstance(outputs, list) or not all(isinstance(x, str) for x in outputs):
        raise TranslationFailed(f"{engine} answered {type(outputs).__name__}, not a list of strings",
                                reason="bad_response")
    if len(outputs) != len(inputs):
        raise TranslationFailed(f"{engine} returned {len(outputs)} translations for {len(inputs)} texts",
                                reason="wrong_count")
    for source, translated in zip(inputs, outputs, strict=True):
        if has_words(source) and not translated.strip():
            raise TranslationFailed(f"{engine} returned an empty translation for {source[:60]!r}",
                                    reason="empty")
        if _TAG.search(translated) and not _TAG.search(source):
            raise TranslationFailed(f"{engine} returned HTML for plain text: {translated[:60]!r}",
                                    reason="html_in_text")
        if len(translated) > _MAX_GROWTH * len(source) + _MAX_GROWTH_SLACK:
            raise TranslationFailed(f"{engine} returned {len(translated)} characters for {len(source)}",
                                    reason="runaway")
    return outputs


def engine_label(translator: Translator, source: str, target: str) -> str:
    """A reader-facing name of the engine for this pair ("by <engine>"); its ``name`` otherwise."""
    describe = getattr(translator, "describe", None)
    if callable(describe):
        return str(describe(source, target))
    return translator.name
