"""Translate an article's title, body and teaser together, through the cache, in one engine batch.

:func:`translate_articles` pools the texts of several articles into shared engine batches (a local
model is much faster on a full batch) and returns one result per article, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.translate.base import Translator, has_words
from newsdesk.translate.cache import TranslationCache
from newsdesk.translate.markup import (
    HtmlPlan,
    prepare_html,
    render_plain,
    text_of_html,
    translate_plain_texts,
)
from newsdesk.translate.models import TranslatedArticle
from newsdesk.translate.service import translate_texts


@dataclass(frozen=True, slots=True)
class ArticleContent:
    """What is translated of an article."""

    title: str | None
    html: str
    teaser: str = ""


@dataclass
class PreparedArticle:
    content: ArticleContent
    plan: HtmlPlan
    texts: list[str]


def prepare_article(content: ArticleContent) -> PreparedArticle:
    plan = prepare_html(content.html)
    texts = list(plan.texts)
    if content.title:
        texts.extend(translate_plain_texts(content.title))
    if content.teaser:
        texts.extend(translate_plain_texts(content.teaser.rstrip("…").rstrip()))
    return PreparedArticle(content, plan, list(dict.fromkeys(texts)))


def render_article(
    prepared: PreparedArticle,
    translations: dict[str, str],
    *,
    source: str,
    target: str,
    engine: str,
    cache_hits: int = 0,
    engine_texts: int = 0,
) -> TranslatedArticle:
    content = prepared.content
    html = prepared.plan.render(translations)
    teaser = ""
    if content.teaser:
        ellipsis = content.teaser.rstrip().endswith("…")
        teaser = render_plain(content.teaser.rstrip().rstrip("…").rstrip(), translations)
        teaser += "…" if ellipsis else ""
    return TranslatedArticle(
        source_lang=source,
        target_lang=target,
        engine=engine,
        title=render_plain(content.title, translations) if content.title else content.title,
        html=html,
        text=text_of_html(html),
        teaser=teaser,
        segments=len(prepared.texts),
        cache_hits=cache_hits,
        engine_texts=engine_texts,
    )


def translate_articles(
    translator: Translator,
    cache: TranslationCache,
    contents: Sequence[ArticleContent],
    *,
    source: str,
    target: str,
) -> list[TranslatedArticle]:
    """Translate several articles of one language pair; raises ``TranslationFailed`` for the lot."""
    prepared = [prepare_article(c) for c in contents]
    texts = [t for p in prepared for t in p.texts]
    translations, stats = translate_texts(translator, texts, source, target, cache)
    results = []
    for p in prepared:
        wanted = [t for t in p.texts if has_words(t)]
        fresh = sum(1 for t in wanted if t in stats.fresh)
        results.append(
            render_article(
                p,
                translations,
                source=source,
                target=target,
                engine=translator.name,
                cache_hits=len(wanted) - fresh,
                engine_texts=fresh,
            )
        )
    return results


def translate_article_content(
    translator: Translator, cache: TranslationCache, content: ArticleContent, *, source: str, target: str
) -> TranslatedArticle:
    """Translate one article; ``cache_hits``/``engine_texts`` are exact for it."""
    prepared = prepare_article(content)
    translations, stats = translate_texts(translator, prepared.texts, source, target, cache)
    return render_article(
        prepared,
        translations,
        source=source,
        target=target,
        engine=translator.name,
        cache_hits=stats.cache_hits,
        engine_texts=stats.engine_texts,
    )
