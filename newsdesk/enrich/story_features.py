"""What the story clusterer compares of an article: its terms (stems), its names and its numbers.

Why stems from ``newsdesk/terms.py``: the search index stems the same way, so one place decides
which Russian endings and English suffixes fold together ("Москвы"/"Москве", "talks"/"talk").

Why a name key: an English report writes "Zelensky", "Kyiv", "Moscow"; a Russian one writes
"Зеленского", "Киев", "Москве". The key transliterates Cyrillic to Latin, folds the letters that
the two spellings swap (z/s, c/k, w/v, kh/h) and keeps the consonant skeleton after the first
letter, so both spellings and most inflected forms give one token: "Зеленского" and "Zelensky"
are both ``~slnsk``, "Москве" and "Moscow" both ``~mskv``. A name key is a token of its own in the
article's bag of terms, so it counts in the lexical similarity across scripts, where no stem does.

Numbers (digit runs such as "12", "2024", "3.5") are terms too; they are written the same in both
scripts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from newsdesk.terms import CYRILLIC, latin_stemmer, stem

TOKEN = re.compile(r"[^\W_]+(?:[.,][0-9]+)?", re.UNICODE)
CAPITALISED = re.compile(r"^[A-ZА-ЯЁ]")
SENTENCE_END = re.compile(r"[.!?:;«»\"“”()\[\]—–-]\s*$")
DIGIT = re.compile(r"[0-9]")
NAME_PREFIX = "~"

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi",
    "є": "ye", "ґ": "g",
}
_LETTER_FOLD = str.maketrans({"c": "k", "q": "k", "w": "v", "z": "s", "j": "y", "x": "s"})
_VOWELS = frozenset("aeiouy")
# why 5: five skeleton letters tell names apart (Zelensky ~slnsk, Zaluzhny ~slsn) while the
# inflected forms of one name (Зеленского, Зеленскому) mostly differ only after them
NAME_KEY_CHARS = 5
# why 3: a one- or two-letter skeleton ("Ли", "Ye") matches too many unrelated names
NAME_MIN_CHARS = 3
# why 0.6: a title with most words capitalised is Title Case, where capitals do not mark names
TITLE_CASE_SHARE = 0.6


# Russian case endings with a consonant (vowel endings vanish in the skeleton anyway). Why not the
# Snowball stemmer: it also cuts name letters ("Байден" → "байд"), which changes the skeleton.
_CASE_ENDINGS = ("ого", "его", "ому", "ему", "ами", "ями", "ыми", "ими", "ах", "ях", "ом", "ем", "ов", "ев",
                 "ам", "ям")


def _strip_case_ending(word: str) -> str:
    for ending in _CASE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def transliterate(word: str) -> str:
    """Cyrillic letters to Latin (a plain BGN-like table); other letters are kept."""
    return "".join(_CYR_TO_LAT.get(ch, ch) for ch in word.lower())


def name_key(word: str) -> str | None:
    """A script-independent key for a name ("Зеленского" and "Zelensky" → ``slnsk``), or None
    (also for a calendar word: "Monday" is capitalised, not a name)."""
    if len(word) < NAME_MIN_CHARS or DIGIT.search(word):
        return None
    lowered = word.lower()
    if lowered in CALENDAR_WORDS:
        return None
    if CYRILLIC.search(lowered):
        lowered = _strip_case_ending(lowered)
    latin = transliterate(lowered)
    latin = latin.replace("shch", "sh").replace("kh", "h").replace("ph", "f").replace("ck", "k")
    latin = latin.translate(_LETTER_FOLD)
    if not latin.isascii() or not latin.isalpha():
        return None
    skeleton = [latin[0]]
    for ch in latin[1:]:
        if ch not in _VOWELS and ch != skeleton[-1]:
            skeleton.append(ch)
    key = "".join(skeleton)[:NAME_KEY_CHARS]
    return key if len(key) >= 2 else None


def names(title: str, text: str) -> list[str]:
    """Name keys of the capitalised words that are not sentence-initial (and of a title's
    capitalised words unless the title is in Title Case)."""
    return [key for key, _ in name_words(title, text)]


def name_words(title: str, text: str) -> list[tuple[str, str]]:
    """(name key, word) of each name ``names`` finds."""
    found: list[tuple[str, str]] = []
    title_words = [m for m in TOKEN.finditer(title)]
    caps = [m for m in title_words if CAPITALISED.match(m.group())]
    if title_words and len(caps) / len(title_words) < TITLE_CASE_SHARE:
        found.extend((key, m.group()) for m in caps[1:] if m.start() > 0 and (key := name_key(m.group())))
    for match in TOKEN.finditer(text):
        word = match.group()
        if not CAPITALISED.match(word) or match.start() == 0:
            continue
        if SENTENCE_END.search(text[max(0, match.start() - 3):match.start()]):
            continue
        key = name_key(word)
        if key:
            found.append((key, word))
    return found


# Function words of the two languages the demo and the labelled sets use (English, Russian; other
# languages keep theirs and lean on the IDF). Why a list at all: the IDF is computed over the open
# window only, and a quiet window (a few dozen articles) cannot tell "the" or "что" from an event's
# words, so two unrelated reports looked alike by their grammar. GoogleNews, already stop-word-free,
# is unaffected. Short on purpose: only words that never name an event.
_STOP_TEXT = """
a about after again against all also an and another any are as at be been before being between both
but by can could did do does during each even for from further had has have having he her here hers
him his how i if in into is it its itself just may might more most much must my no nor not now of
off on once only or other our ours out over own same she should so some still such than that the
their theirs them then there these they this those through to too under until up upon very was we
were what when where which while who whom whose why will with would yet you your
а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до
его ее её если есть еще ещё же за здесь и из или им их к как ко когда кто ли либо между меня мне
может мы на над надо наш не него нее неё нет ни них но ну о об однако он она они оно от очень по
под при про с со так также такой там те тем то того тоже той только том ты у уже хотя чего чей
чем что чтобы чье чьё эта эти это этого этой этом этот я
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# Calendar words (weekdays, months, relative days) of English and Russian. Why: English capitalises
# them, so they looked like names, and "Monday" shared by two reports of one city's different events
# counted as a shared name; as words they date a report, they never say which event it is. Dropped
# from the terms and the name keys (Russian writes them in lower case, listed for its name keys after
# a sentence start and for the terms).
_CALENDAR_TEXT = """
monday tuesday wednesday thursday friday saturday sunday mon tue tues thu thur thurs fri
january february april may june july august september october november december jan feb apr
jun jul aug sep sept oct nov dec today yesterday tomorrow tonight weekend
понедельник понедельника понедельнику вторник вторника вторнику среда среду среды среде четверг
четверга четвергу пятница пятницу пятницы пятнице суббота субботу субботы субботе воскресенье
воскресенья воскресенью январь января феврал февраль февраля март марта апрель апреля май мая июнь
июня июль июля август августа сентябрь сентября октябрь октября ноябрь ноября декабрь декабря сегодня
вчера завтра
"""
CALENDAR_WORDS = frozenset(_CALENDAR_TEXT.split())
# a word dropped from the terms: a function word or a calendar word
_SKIP = STOP_WORDS | CALENDAR_WORDS

# Languages that capitalise every noun (German, Luxembourgish): there a capital does not mark a name, so
# their capitalised words are not counted as names' stems (``Bag.name_terms``; the chaining guard asks
# for shared terms that are not names, and a German report's nouns must count there)
NOUN_CAPITALISING = frozenset({"de", "lb"})

_TERMS: dict[tuple[str, str], str] = {}
# why 500,000: words are Zipf-distributed; a big cache makes a word's term one dict hit
TERM_CACHE_SIZE = 500_000


def _term(word: str, latin: str) -> str:
    if DIGIT.search(word):
        return word.replace(",", ".")
    return stem(word, "russian" if CYRILLIC.search(word) else latin)


def terms(text: str, lang: str | None) -> list[str]:
    """The stems of a text's words (one-letter words dropped); numbers as written ("3.5", "2024")."""
    latin = latin_stemmer(lang)
    cache = _TERMS
    out: list[str] = []
    for word in TOKEN.findall(text.lower()):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        found = cache.get((word, latin))
        if found is None:
            if len(cache) >= TERM_CACHE_SIZE:
                cache.clear()
            found = cache[(word, latin)] = _term(word, latin)
        out.append(found)
    return out


@dataclass(frozen=True, slots=True)
class Bag:
    """An article's weighted terms before IDF: sublinear term frequency, titles counted twice."""

    weights: Mapping[str, float]
    # the stems of the words read as names (with the name keys, the terms that say where and who, not what)
    name_terms: frozenset[str] = frozenset()


def bag(parts: Iterable[tuple[str, str, str | None]], *, title_weight: float, name_weight: float,
        max_chars: int) -> Bag:
    """The bag of one article: ``parts`` are (title, text, lang) of the original and of each
    translation; the text is capped at ``max_chars`` (why: the lead says what the event is, and a
    long article's tail is about its background, which other events share)."""
    counts: dict[str, float] = {}
    named: set[str] = set()
    for title, text, lang in parts:
        body = text[:max_chars]
        for term in terms(title, lang):
            counts[term] = counts.get(term, 0.0) + title_weight
        for term in terms(body, lang):
            counts[term] = counts.get(term, 0.0) + 1.0
        for key, word in name_words(title, body):
            counts[NAME_PREFIX + key] = counts.get(NAME_PREFIX + key, 0.0) + name_weight
            if lang not in NOUN_CAPITALISING:
                named.update(terms(word, lang))
    return Bag({t: 1.0 + math.log(c) if c >= 1 else c for t, c in counts.items()}, frozenset(named))
