"""Language of a text as an ISO 639-1 code, with py3langid (fast, offline, about 100 languages).

Short or ambiguous texts return None rather than a confident-looking wrong code: callers then fall
back to what the page or feed declared.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Why 20 characters: below a short sentence the character n-gram model is little better than a guess.
MIN_CHARS = 20
# Why 500: the language is settled within the first paragraphs (on trafilatura-dev, 1 of 499
# articles changed answer between 500 and 2,000 characters); the classifier's cost grows with the
# sample, about 1 ms per 1,000 characters.
SAMPLE_CHARS = 500
# Why 0.5: below one half the model itself rates another language as likely as its answer (mixed
# or very short text); the declared language is the better guess then.
MIN_PROBABILITY = 0.5


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of ``text``'s language, or None when unsure."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    if len(sample) < MIN_CHARS:
        return None
    code, probability = _identifier().classify(sample)
    if probability < MIN_PROBABILITY:
        return None
    return str(code)
