"""Words and their stems, as the search index holds them: a leaf both the store and the crawl's
extraction workers use.

Why a leaf of its own: the search index (``store/search.py``) and the query side must stem alike,
and the crawl's worker processes stem each article ahead so the single writer only writes
(docs/decisions/0005-ingest-throughput.md). Keeping stemming apart from the store lets those
workers start without importing SQLAlchemy or the rest of the pipeline.

Which stemmer a word gets depends on its script: Cyrillic words get the Russian one; Latin-script
words get the stemmer of the document's language when Snowball has one (English otherwise). A
Latin query word becomes the OR of its stems under every stemmer in ``LATIN_STEMMERS``, so a query
finds German and English documents alike without knowing the query's language.

Stems over-reach: Snowball takes the "-ом" of "паром" (ferry) for an ending, so the ferry shares
the stem "пар" with "пары" (a pair) while "паромом" keeps "паром"; the English stemmer and the
query's expansion over ``LATIN_STEMMERS`` put "new" beside "news" and "busy" beside "business".
So the index holds each word's own form next to its stem (``index_terms``), and the search ranks a
text that has the query word itself (or, for Cyrillic words, the word followed by an ending:
``form_prefix``) above one that only shares a stem. ``tests/test_search_stemming.py`` measures
both kinds of mistake against a dictionary (pymorphy3 lemmas) over a list of news words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W_]+", re.UNICODE)
CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# ISO 639-1 → Snowball algorithm, for the languages Snowball stems.
SNOWBALL = {
    "en": "english", "ru": "russian", "de": "german", "fr": "french", "es": "spanish",
    "it": "italian", "pt": "portuguese", "nl": "dutch", "sv": "swedish", "no": "norwegian",
    "nb": "norwegian", "da": "danish", "fi": "finnish", "hu": "hungarian", "ro": "romanian",
    "tr": "turkish", "uk": "russian", "pl": "polish", "cs": "czech", "ca": "catalan",
    "id": "indonesian", "lt": "lithuanian", "et": "estonian", "el": "greek", "ga": "irish",
}
# Latin-script stemmers a query word is expanded over (kept short: each adds an OR term).
LATIN_STEMMERS = ("english", "german", "french", "spanish")
# why 5: a shorter Cyrillic query word followed by any ending reaches other words ("пар…" is
# парламент and партия), while five letters and more are a root, as "паром…" (паромом, паромщик).
FORM_PREFIX_MIN_CHARS = 5
MAX_INDEX_CHARS = 200_000  # why: a runaway page must not make one giant index row
STEM_CACHE_SIZE = 500_000  # why: words are Zipf-distributed; a big cache makes stemming a dict hit


@lru_cache(maxsize=64)
def _stemmer(algorithm: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(algorithm)


_STEMS: dict[tuple[str, str], str] = {}


def stem(word: str, algorithm: str) -> str:
    key = (word, algorithm)
    found = _STEMS.get(key)
    if found is None:
        if len(_STEMS) >= STEM_CACHE_SIZE:
            _STEMS.clear()
        found = _STEMS[key] = str(_stemmer(algorithm).stemWord(word))
    return found


def latin_stemmer(lang: str | None) -> str:
    """The stemmer for a document's Latin-script words."""
    algorithm = SNOWBALL.get((lang or "").split("-")[0].lower(), "english")
    return "english" if algorithm == "russian" else algorithm  # Latin words in a Russian text


def words(text_: str) -> list[str]:
    return WORD.findall(text_.lower())


def stems_for_document(text_: str, lang: str | None) -> list[str]:
    """The stems of a document's words (script picks Russian; the document picks the Latin stemmer)."""
    latin = latin_stemmer(lang)
    return [stem(w, "russian" if CYRILLIC.search(w) else latin) for w in words(text_[:MAX_INDEX_CHARS])]


def index_terms(text_: str, lang: str | None) -> list[str]:
    """The index's tokens for a text: each word's stem, then the word itself where it differs.

    The forms let the search tell "has the query word" from "shares a stem with it"; a word that is
    its own stem is written once, so English text grows little (measured in the test's report).
    """
    latin = latin_stemmer(lang)
    found: list[str] = []
    for word in words(text_[:MAX_INDEX_CHARS]):
        stemmed = stem(word, "russian" if CYRILLIC.search(word) else latin)
        found.append(stemmed)
        if stemmed != word:
            found.append(word)
    return found


def form_prefix(word: str) -> bool:
    """Whether the query word also matches as the start of a longer form (a Cyrillic root + ending).

    Russian inflects by endings that Snowball sometimes cuts too deep ("паром" → "пар"), so
    "паром" followed by an ending (паромом, парома) is nearer the query than a shared stem. Latin
    words are not extended: "new…" would reach "news" and "newspaper".
    """
    return len(word) >= FORM_PREFIX_MIN_CHARS and bool(CYRILLIC.search(word))


def stems_for_query_word(word: str, lang: str | None = None) -> set[str]:
    """Every stem a document could hold for this query word."""
    if CYRILLIC.search(word):
        return {stem(word, "russian")}
    if lang and lang in SNOWBALL:
        return {stem(word, latin_stemmer(lang))}
    return {stem(word, algorithm) for algorithm in LATIN_STEMMERS}


@dataclass(frozen=True, slots=True)
class DocumentTerms:
    """A document's index tokens (``index_terms``: stems and forms), computed ahead (by the crawl's
    extraction workers, off the writer's process) for the title and body they were made from."""

    lang: str
    title: str
    title_stems: str
    body_stems: str


def document_terms(title: str | None, body: str, lang: str | None) -> DocumentTerms:
    lang = (lang or "und").lower()
    return DocumentTerms(lang, title or "", " ".join(index_terms(title or "", lang)),
                         " ".join(index_terms(body, lang)))
