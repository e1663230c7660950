"""Wire services and outlets an article cites, and removal of "Source: X" lines from the body.

News agencies are named in running text ("…, RIA Novosti reported"); aggregators end articles with
an attribution line ("Источник: Газета.Ru"), which says where the text itself came from. The first
are the article's cited sources, the second its text sources (``ExtractedArticle.text_sources``);
the attribution lines are page furniture and leave the body.

Every name is recorded by its one canonical spelling (``canonical_source``, from ``OUTLET_ALIASES``):
"AP" and "The Associated Press", "Газета.Ru" and "Gazeta" are one outlet each, whatever the
language or spelling of the page. A name the table does not hold is kept as written, tidied.
"""

from __future__ import annotations

import re

# Canonical name → pattern. Abbreviations are matched case-sensitively and as whole words so
# "AP" in "AP Calculus" or "tass" inside another word does not count; "AP" needs its usual dateline
# or attribution forms.
WIRES: dict[str, re.Pattern[str]] = {
    "RIA Novosti": re.compile(r"\bRIA[ -]Novosti\b|РИА[ -]Новост(?:и|ей|ям)\b|\bРИА\b"),
    "TASS": re.compile(r"\bTASS\b|\bТАСС\b|\bITAR-TASS\b|\bИТАР-ТАСС\b"),
    "Interfax": re.compile(r"\bInterfax\b|Интерфакс"),
    "Reuters": re.compile(r"\bReuters\b|\bРейтер"),
    "Associated Press": re.compile(r"\bAssociated Press\b|\(AP\)|\bAP reported\b|\btold AP\b|\bAP News\b"),
    "AFP": re.compile(r"\bAFP\b|\bAgence France[- ]Presse\b|Франс[ -]Пресс"),
    "DPA": re.compile(r"\(dpa\)|\bdpa\b|\bDPA\b|\bDeutsche Presse-Agentur\b"),
    "Xinhua": re.compile(r"\bXinhua\b|Синьхуа"),
    "EFE": re.compile(r"\bEFE\b"),
    "ANSA": re.compile(r"\bANSA\b"),
    "Kyodo": re.compile(r"\bKyodo\b|Киодо"),
    "Yonhap": re.compile(r"\bYonhap\b|Ёнхап"),
    "Bloomberg": re.compile(r"\bBloomberg\b|Блумберг"),
    "UPI": re.compile(r"\bUPI\b"),
    # Outlets whose names are no common word are recognized in running text too ("сообщает Газета.Ru").
    "Gazeta.Ru": re.compile(r"\bGazeta\.Ru\b|Газет(?:а|ы|е|у|ой)\.(?:Ru|ру)\b", re.IGNORECASE),
    "Lenta.ru": re.compile(r"\bLenta\.ru\b|Лент(?:а|ы|е|у|ой)\.ру\b", re.IGNORECASE),
}

# "Source: X" in the languages the sample outlets and corpora use. Why 120 characters: an
# attribution line names one or a few outlets; longer text after "Source:" is a sentence.
SOURCE_LINE = re.compile(
    r"^\s*(?:sources?|источник(?:и)?|quellen?|fuentes?|sources?|fonte|źródło|bron|kilde|källa)"
    r"\s*[:：]\s*(?P<names>.{1,120}?)\s*\.?\s*$",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r"\s*(?:[,;/|]|\s(?:and|und|и|et|y)\s)\s*")


# Canonical name → the other names it goes by: abbreviations, other languages, old names, domains.
# Compared by ``_alias_key`` (case, spaces, dots, hyphens and quotes do not count), so "Gazeta.ru",
# "GAZETA.RU" and "gazeta ru" need no rows of their own.
OUTLET_ALIASES: dict[str, tuple[str, ...]] = {
    "Associated Press": ("AP", "The Associated Press", "AP News", "Ассошиэйтед Пресс", "Ассошиэйтед Пресс (AP)"),
    "Reuters": ("Thomson Reuters", "Reuters News", "Рейтер", "Рейтерс", "Агентство Рейтер"),
    "AFP": ("Agence France-Presse", "France-Presse", "Agence France Presse", "Франс Пресс", "Франс-Пресс"),
    "RIA Novosti": ("RIA News", "RIA", "РИА Новости", "РИА", "ria.ru"),
    "TASS": ("ТАСС", "ITAR-TASS", "ИТАР-ТАСС", "tass.ru", "tass.com"),
    "Interfax": ("Интерфакс", "interfax.ru"),
    "DPA": ("Deutsche Presse-Agentur", "Дойче Прессе-Агентур"),
    "Xinhua": ("Xinhua News Agency", "Синьхуа"),
    "EFE": ("Agencia EFE",),
    "ANSA": ("Agenzia ANSA",),
    "Kyodo": ("Kyodo News", "Киодо", "Киодо Цусин"),
    "Yonhap": ("Yonhap News Agency", "Ёнхап", "Енхап"),
    "Bloomberg": ("Bloomberg News", "Блумберг"),
    "UPI": ("United Press International",),
    "Gazeta.Ru": ("Gazeta", "Газета.Ru", "Газета.ру", "Газета Ру"),
    "Lenta.ru": ("Lenta", "Лента.ру", "Лента.Ру"),
    "RBC": ("РБК", "RBK", "rbc.ru"),
    "Kommersant": ("Коммерсантъ", "Коммерсант", "kommersant.ru"),
    "Vedomosti": ("Ведомости", "vedomosti.ru"),
    "Izvestia": ("Известия", "iz.ru"),
    "BBC": ("BBC News", "Би-би-си", "Русская служба Би-би-си", "BBC Russian"),
    "Deutsche Welle": ("DW", "Немецкая волна"),
}
_TIDY = " .,;:«»\"'“”„"


def _alias_key(name: str) -> str:
    """What two spellings of one name share: letters and digits, case-folded, ё as е."""
    return "".join(ch for ch in name.casefold().replace("ё", "е") if ch.isalnum())


_BY_ALIAS: dict[str, str] = {
    _alias_key(alias): canonical
    for canonical, aliases in OUTLET_ALIASES.items()
    for alias in (canonical, *aliases)
}


def known_outlet(name: str | None) -> str | None:
    """The canonical name when ``OUTLET_ALIASES`` knows this outlet (for a page's own site name,
    which is kept as the page writes it otherwise), else None."""
    if not name:
        return None
    return _BY_ALIAS.get(_alias_key(name.strip(_TIDY)))


def canonical_source(name: str) -> str:
    """The one spelling of a wire or outlet name; a name the table does not know is kept, tidied."""
    name = " ".join(name.split()).strip(_TIDY)
    found = _BY_ALIAS.get(_alias_key(name))
    if found:
        return found
    for canonical, pattern in WIRES.items():  # the running-text forms: "РИА Новостей", "(AP)"
        if pattern.fullmatch(name):
            return canonical
    return name


def source_line_names(line: str) -> list[str] | None:
    """The outlets named by a "Source: X" line, or None when the line is not one."""
    match = SOURCE_LINE.match(line)
    if not match:
        return None
    names = [canonical_source(n) for n in _NAME_SPLIT.split(match.group("names"))]
    names = [n for n in names if n and len(n) <= 80]
    return names or None


# Literal fragments at least one of which every match of a wire's pattern contains: a substring
# test in C rules most wires out before any regex runs (the regexes cost ~100x more per page).
_NEEDLES: dict[str, tuple[str, ...]] = {
    "RIA Novosti": ("RIA", "РИА"),
    "TASS": ("TASS", "ТАСС"),
    "Interfax": ("Interfax", "Интерфакс"),
    "Reuters": ("Reuters", "Рейтер"),
    "Associated Press": ("Associated Press", "AP"),
    "AFP": ("AFP", "Agence France", "Франс"),
    "DPA": ("dpa", "DPA", "Deutsche Presse"),
    "Xinhua": ("Xinhua", "Синьхуа"),
    "EFE": ("EFE",),
    "ANSA": ("ANSA",),
    "Kyodo": ("Kyodo", "Киодо"),
    "Yonhap": ("Yonhap", "Ёнхап"),
    "Bloomberg": ("Bloomberg", "Блумберг"),
    "UPI": ("UPI",),
    "Gazeta.Ru": (".Ru", ".ru", ".RU", ".ру"),
    "Lenta.ru": (".Ru", ".ru", ".RU", ".ру"),
}


def cited_wires(text: str) -> list[str]:
    """Known wire services named anywhere in ``text``, in a stable order."""
    return [
        name
        for name, pattern in WIRES.items()
        if any(needle in text for needle in _NEEDLES[name]) and pattern.search(text)
    ]
