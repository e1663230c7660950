"""A deterministic word-by-word translator for tests, benchmarks and the demo.

It looks each word up in a small lexicon (unknown Cyrillic words are transliterated), then
reverses the order of the words in every clause and fixes capitals, the way a real engine moves
words around. Because positions change, markup placement can only be right if it follows the
words, which is what the tests need to show. ``calls`` and ``texts_seen`` count its work, so tests
can assert that the cache spared it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

RU_EN: dict[str, str] = {
    "в": "in",
    "во": "in",
    "на": "on",
    "и": "and",
    "с": "with",
    "со": "with",
    "по": "by",
    "из": "from",
    "за": "for",
    "к": "to",
    "о": "about",
    "об": "about",
    "что": "that",
    "не": "not",
    "это": "this",
    "как": "as",
    "для": "for",
    "от": "from",
    "до": "until",
    "у": "at",
    "при": "at",
    "а": "and",
    "он": "he",
    "она": "she",
    "они": "they",
    "мы": "we",
    "его": "his",
    "ее": "her",
    "их": "their",
    "мая": "may",
    "года": "year",
    "году": "year",
    "год": "year",
    "день": "day",
    "дня": "day",
    "лидер": "leader",
    "лидера": "leader",
    "президент": "president",
    "президента": "president",
    "президенту": "president",
    "россии": "russia",
    "российской": "russian",
    "федерации": "federation",
    "москва": "moscow",
    "москве": "moscow",
    "москвы": "moscow",
    "кндр": "north-korea",
    "северокорейский": "north-korean",
    "поздравил": "congratulated",
    "сказал": "said",
    "заявил": "stated",
    "сообщил": "reported",
    "сообщает": "reports",
    "новости": "news",
    "новость": "news",
    "город": "city",
    "города": "city",
    "городе": "city",
    "мир": "world",
    "мира": "world",
    "впервые": "first-time",
    "ранее": "previously",
    "побывал": "visited",
    "публичном": "public",
    "мероприятии": "event",
    "встреча": "meeting",
    "встречи": "meeting",
    "министр": "minister",
    "министра": "minister",
    "иностранных": "foreign",
    "дел": "affairs",
    "правительство": "government",
    "правительства": "government",
    "страны": "country",
    "страна": "country",
    "новый": "new",
    "новая": "new",
    "новое": "new",
    "закон": "law",
    "закона": "law",
    "принял": "adopted",
    "приняла": "adopted",
    "дума": "duma",
    "думы": "duma",
    "государственная": "state",
    "государственной": "state",
    "четверг": "thursday",
    "пятницу": "friday",
    "понедельник": "monday",
    "источник": "source",
    "агентство": "agency",
    "агентства": "agency",
    "риа": "ria",
    "интервью": "interview",
    "газете": "newspaper",
    "газета": "newspaper",
    "сайте": "website",
    "сайт": "website",
    "доклад": "report",
    "доклада": "report",
    "экономики": "economy",
    "экономика": "economy",
    "рост": "growth",
    "роста": "growth",
    "цены": "prices",
    "цен": "prices",
    "нефть": "oil",
    "нефти": "oil",
    "рубль": "ruble",
    "рубля": "ruble",
    "банк": "bank",
    "банка": "bank",
    "центральный": "central",
    "центрального": "central",
    "ставку": "rate",
    "ставка": "rate",
    "процента": "percent",
    "процентов": "percent",
    "выборы": "elections",
    "выборов": "elections",
    "погода": "weather",
    "снег": "snow",
    "дождь": "rain",
    "завтра": "tomorrow",
    "сегодня": "today",
    "вчера": "yesterday",
    "здесь": "here",
    "подробнее": "more",
    "читайте": "read",
    "также": "also",
    "очень": "very",
    "важное": "important",
    "важный": "important",
    "решение": "decision",
    "решения": "decision",
    "мэр": "mayor",
    "мэра": "mayor",
    "школа": "school",
    "школы": "school",
    "открыл": "opened",
    "открыла": "opened",
    "мост": "bridge",
    "моста": "bridge",
    "через": "across",
    "реку": "river",
    "река": "river",
    "жители": "residents",
    "жителей": "residents",
}

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "yo",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")
_CLAUSE = frozenset(",;:—–")
_FINAL = frozenset(".!?…")
_MIRROR = {"(": ")", ")": "(", "«": "»", "»": "«", "“": "”", "”": "“", "[": "]", "]": "["}


def transliterate(word: str) -> str:
    out = "".join(_CYRILLIC.get(ch.lower(), ch) if ch.lower() in _CYRILLIC else ch for ch in word)
    return out or word


class DictionaryTranslator:
    """Word-by-word translation with clause-level reordering; deterministic and offline."""

    max_batch = 64  # why: large enough that a test article is one call, small enough to exercise batching

    def __init__(self, lexicon: Mapping[str, str] | None = None, *, name: str = "dictionary") -> None:
        self.lexicon = {k.lower(): v for k, v in (RU_EN if lexicon is None else lexicon).items()}
        self.name = name
        self.calls = 0
        self.texts_seen = 0

    def supports(self, source: str, target: str) -> bool:
        return source != target

    def describe(self, source: str, target: str) -> str:
        return "Newsdesk dictionary test engine"

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        self.calls += 1
        self.texts_seen += len(texts)
        return [self.translate_one(text) for text in texts]

    def translate_one(self, text: str) -> str:
        tokens = _TOKEN.findall(text)
        out: list[str] = []
        clause: list[tuple[str, bool]] = []  # (translated word, keep capital)
        first = True

        def flush() -> None:
            for word, capital in reversed(clause):
                out.append(
                    _MIRROR.get(word, word)
                    if not word[0].isalnum()
                    else (word[:1].upper() + word[1:] if capital else word)
                )
            clause.clear()

        for token in tokens:
            if token in _CLAUSE or token in _FINAL:
                flush()
                out.append(token)
                continue
            if not token[0].isalnum():
                clause.append((token, False))
                continue
            translated = self.lexicon.get(token.lower())
            if translated is None:
                translated = transliterate(token).lower()
            capital = token[:1].isupper() and (
                not first or token.isupper() or token.lower() not in self.lexicon
            )
            first = False
            for part in translated.split()[::-1]:
                clause.insert(len(clause), (part, capital))
        flush()
        return _join(out)


def _join(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        if not text:
            text = token
        elif token in _CLAUSE or token in _FINAL or token in ")]»”" or text[-1] in "([«“":
            text += token
        else:
            text += " " + token
    return text[:1].upper() + text[1:]
