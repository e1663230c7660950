"""Publication and update times as aware UTC datetimes.

Pages state times in their own zone (``2024-03-01T10:00:00+03:00``) or none at all. Times with an
offset are converted to UTC; times without one are taken as UTC, the only assumption that does not
invent a zone. Values outside a plausible window (before the web had news, or far in the future)
are discarded as template junk.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta

from dateutil import parser as dateutil_parser

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)  # why: no online news page predates the mid-1990s
# Why two days: pages in zones ahead of UTC legitimately show "tomorrow"; more is a template error.
FUTURE_SLACK = timedelta(days=2)
MAX_DATE_CHARS = 64  # a date string longer than this is prose, not a timestamp

# Zone abbreviations news pages print, with their UTC offsets in seconds; ambiguous ones (IST, CST)
# are left out so they are not guessed wrong.
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 3600, "CET": 3600, "CEST": 7200, "MEZ": 3600,
    "MESZ": 7200, "EET": 7200, "EEST": 10800, "MSK": 10800, "EST": -18000, "EDT": -14400,
    "CDT": -18000, "MST": -25200, "MDT": -21600, "PST": -28800, "PDT": -25200, "JST": 32400,
}

# "10.12.2022" and "01-11-2023" are day-first wherever they are written; "11/08/2023" is left to
# dateutil's month-first default, the common reading of slashes on English-language pages.
_DAY_FIRST = re.compile(r"^\d{1,2}[.\-]\d{1,2}[.\-]\d{2,4}")
_EPOCH = re.compile(r"^\d{10}(\d{3})?$")
_HAS_DIGIT = re.compile(r"\d")


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """Parse a machine-readable date (ISO 8601, RFC 2822, epoch seconds) into aware UTC, or None."""
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > MAX_DATE_CHARS or not _HAS_DIGIT.search(value):
        return None
    parsed: datetime | None
    if _EPOCH.match(value):
        seconds = int(value[:10])
        parsed = datetime.fromtimestamp(seconds, tz=UTC)
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                with warnings.catch_warnings():  # unknown zone names are taken as UTC, quietly
                    warnings.simplefilter("ignore")
                    parsed = dateutil_parser.parse(
                        value, fuzzy=False, tzinfos=_ZONES, dayfirst=bool(_DAY_FIRST.match(value))
                    )
            except (ValueError, OverflowError, TypeError):
                return None
    parsed = to_utc(parsed)
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    if not EARLIEST <= parsed <= latest:
        return None
    return parsed


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar janvier enero gennaio janeiro jänner января январь січня",
            "february feb februar février febrero febbraio fevereiro февраля февраль лютого",
            "march mar märz mars marzo março марта март березня",
            "april apr avril abril aprile апреля апрель квітня",
            "may mai mayo maggio maio мая май травня",
            "june jun juni juin junio giugno junho июня июнь червня",
            "july jul juli juillet julio luglio julho июля июль липня",
            "august aug août agosto августа август серпня",
            "september sep sept septembre septiembre settembre setembro сентября сентябрь вересня",
            "october oct oktober okt octobre octubre ottobre outubro октября октябрь жовтня",
            "november nov novembre noviembre novembro ноября ноябрь листопада",
            "december dec dezember dez décembre diciembre dicembre dezembro декабря декабрь грудня",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TEXT_DATE = re.compile(
    r"\b(?P<iso>(?:19|20)\d{2}-\d{1,2}-\d{1,2})\b"
    r"|\b(?P<dotted>\d{1,2}\s?[.|]\s?\d{1,2}\s?[.|]\s?(?:19|20)\d{2})\b"
    r"|\b(?P<short>\d{2}\.\d{2}\.\d{2})\b(?!\.\d)"
    r"|\b(?P<slashed>\d{1,2}/\d{1,2}/(?:19|20)\d{2})\b"
    rf"|\b(?P<dmy>\d{{1,2}})\.?\s+(?:de\s+)?(?P<dmy_month>{_MONTH_ALT})\.?\s+(?:de\s+)?(?P<dmy_year>(?:19|20)\d{{2}})\b"
    rf"|\b(?P<mdy_month>{_MONTH_ALT})\.?\s+(?P<mdy>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<mdy_year>(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)
# Why 3,000 characters: the date a page shows for its article sits by the headline and byline, near
# the top of the visible text; dates further down belong to comments, archives and related stories.
TEXT_DATE_WINDOW = 3000
_DOTTED_SPLIT = re.compile(r"\s?[.|]\s?")  # "10.12.2022", "4. 2. 2022", "26 | 01 | 2022"


_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/\-_](\d{1,2})[/\-_](\d{1,2})(?:/|-|_|$)|/(\d{1,2})-(\d{1,2})-((?:19|20)\d{2})(?:/|$)")


def find_url_date(url: str | None, *, now: datetime | None = None) -> datetime | None:
    """A date in the URL's path (``/2021/10/29/`` or ``/29-10-2021``), as UTC midnight."""
    match = _URL_DATE.search(url or "")
    if not match:
        return None
    year, month, day = match.group(1, 2, 3) if match.group(1) else match.group(6, 5, 4)
    try:
        found = datetime(int(year), int(month), int(day), tzinfo=UTC)
    except ValueError:
        return None
    return found if EARLIEST <= found <= (now or datetime.now(UTC)) + FUTURE_SLACK else None


# A date followed by a lowercase word runs on in a sentence ("am 18. Oktober 2021 am steirischen
# Erzberg eröffnet"): it is the story's, not the dateline's. Bylines go on with a time, a name or a
# capitalised label; the few lowercase words they use are listed.
_SENTENCE_AFTER = re.compile(
    r"\s(?!(?:at|by|um|von|par|por|de|las|alle|ore|às|updated|aktualisiert|uhr|last)\b)"
    r"[a-zäöüßàâçéèêëîïôûùáíóúñ]{2,}\b"
)


def find_text_date(
    text: str, *, now: datetime | None = None, window: int = TEXT_DATE_WINDOW, in_sentence: bool = True
) -> datetime | None:
    """The first plausible date written in ``text``'s opening (as readers see it), as UTC midnight.

    With ``in_sentence=False``, dates that run on in a sentence are passed over.
    """
    text = text[:window]
    for match in _TEXT_DATE.finditer(text):
        if not in_sentence and _SENTENCE_AFTER.match(text, match.end()):
            continue
        try:
            if match.group("iso"):
                year, month, day = (int(x) for x in match.group("iso").split("-"))
            elif match.group("dotted"):
                day, month, year = (int(x) for x in _DOTTED_SPLIT.split(match.group("dotted")))
            elif match.group("short"):  # "31.10.23": day, month, two-digit year of this century
                day, month, year = (int(x) for x in match.group("short").split("."))
                year += 2000
            elif match.group("slashed"):  # only when one side cannot be a month: 26/12/2019, 12/26/2019
                first, second, year = (int(x) for x in match.group("slashed").split("/"))
                if (first > 12) == (second > 12):
                    continue
                day, month = (first, second) if first > 12 else (second, first)
            elif match.group("dmy"):
                day, year = int(match.group("dmy")), int(match.group("dmy_year"))
                month = _MONTHS[match.group("dmy_month").lower()]
            else:
                day, year = int(match.group("mdy")), int(match.group("mdy_year"))
                month = _MONTHS[match.group("mdy_month").lower()]
            found = datetime(year, month, day, tzinfo=UTC)
        except (ValueError, KeyError):
            continue
        if EARLIEST <= found <= (now or datetime.now(UTC)) + FUTURE_SLACK:
            return found
    return None
