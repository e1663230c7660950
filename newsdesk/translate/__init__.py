"""Markup-aware machine translation: engines translate plain text, Newsdesk keeps the links.

Pure stage: no database, no web. The pipeline hands in a :class:`TranslationCache` (the store
provides one over the ``translation_cache`` table) and a :class:`Translator` from
:func:`make_translator`.
"""

from newsdesk.translate.article import (
    ArticleContent,
    translate_article_content,
    translate_articles,
)
from newsdesk.translate.base import Translator, check_output, engine_label
from newsdesk.translate.cache import CacheEntry, MemoryCache, NoCache, TranslationCache, cache_key
from newsdesk.translate.engines import make_translator
from newsdesk.translate.markup import prepare_html, text_of_html
from newsdesk.translate.models import BatchStats, InstalledModel, TranslatedArticle
from newsdesk.translate.service import translate_texts

__all__ = [
    "ArticleContent",
    "BatchStats",
    "CacheEntry",
    "InstalledModel",
    "MemoryCache",
    "NoCache",
    "TranslatedArticle",
    "TranslationCache",
    "Translator",
    "cache_key",
    "check_output",
    "engine_label",
    "make_translator",
    "prepare_html",
    "text_of_html",
    "translate_article_content",
    "translate_articles",
    "translate_texts",
]
