"""Translation engines, and the one place that builds the configured engine from settings."""

from __future__ import annotations

from newsdesk.errors import ConfigError
from newsdesk.settings import Settings
from newsdesk.translate.base import Translator


def make_translator(settings: Settings) -> Translator | None:
    """The engine the settings ask for, or ``None`` when translation is not set up (``none``)."""
    engine = settings.translate_engine
    if engine == "none":
        return None
    if engine == "local":
        from newsdesk.translate.engines.local import LocalTranslator

        return LocalTranslator(settings.translate_models_dir, threads=settings.translate_threads)
    if engine == "libretranslate":
        from newsdesk.translate.engines.libretranslate import LibreTranslateTranslator

        if not settings.libretranslate_url:
            raise ConfigError("translate: NEWSDESK_LIBRETRANSLATE_URL is required for the libretranslate engine")
        key = settings.libretranslate_api_key.get_secret_value() if settings.libretranslate_api_key else None
        return LibreTranslateTranslator(
            settings.libretranslate_url,
            api_key=key,
            timeout=settings.translate_timeout,
            retries=settings.translate_retries,
        )
    raise ConfigError(f"translate: unknown engine {engine!r}")
