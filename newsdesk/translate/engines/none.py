"""The engine used when translation is not set up: it translates nothing.

The pipeline never calls it (``make_translator`` returns ``None`` for it); it exists so code that
wants an object can have one, and so "not configured" is an explicit, named state.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsdesk.errors import TranslationFailed

SETUP_HINT = (
    "translation is not set up: set NEWSDESK_TRANSLATE_ENGINE=local and run "
    "`newsdesk translate install ru-en` (or --from FILE.argosmodel), or set "
    "NEWSDESK_TRANSLATE_ENGINE=libretranslate and NEWSDESK_LIBRETRANSLATE_URL"
)


class NoTranslator:
    name = "none"
    max_batch = 1

    def supports(self, source: str, target: str) -> bool:
        return False

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        raise TranslationFailed(SETUP_HINT, reason="not_configured")
