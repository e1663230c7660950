"""Language names for what readers see ("Machine-translated from Russian by …").

Only English names, for the codes news is commonly published in; an unknown code is shown as is.
"""

from __future__ import annotations

NAMES: dict[str, str] = {
    "ar": "Arabic", "az": "Azerbaijani", "be": "Belarusian", "bg": "Bulgarian", "ca": "Catalan",
    "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto",
    "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh", "ko": "Korean",
    "lt": "Lithuanian", "lv": "Latvian", "ms": "Malay", "nb": "Norwegian", "nl": "Dutch",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "th": "Thai",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek",
    "vi": "Vietnamese", "zh": "Chinese",
}


def language_name(code: str | None) -> str:
    """``"ru"`` → ``"Russian"``; an unknown or empty code is returned as given."""
    if not code:
        return ""
    base = code.split("-")[0].split("_")[0].lower()
    return NAMES.get(base, code)


def attribution(source_lang: str | None, engine: str) -> str:
    """The line a translated article carries: ``Machine-translated from Russian by <engine>``."""
    name = language_name(source_lang)
    origin = f" from {name}" if name else ""
    return f"Machine-translated{origin} by {engine}"
