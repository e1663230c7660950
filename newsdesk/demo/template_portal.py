"""«Залив Онлайн»'s template: a Russian city news portal, with what such portals put around the text.

A Telegram banner, weather and currency widgets and a long menu before the story; a bold lead in
its own block, a photo credit, "Читайте также" links *inside* the text, the author at the *end*
("Автор: …"), a share row, the Ctrl+Enter typo note, "Самое читаемое" and partner teasers after it.
The page has no feed link and no JSON-LD: its machine date is schema.org microdata
(``<meta itemprop="datePublished">``) and the visible date is "26 ноября 2026, 11:05 (МСК)".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.outlets import ZALIV
from newsdesk.demo.render import RU_MONTHS, abs_url, paragraph_html, section_key, teaser_text, zone_label

READ_ALSO_AFTER = 2  # "Читайте также" follows the second paragraph of the text
POPULAR_SIZE = 4  # "Самое читаемое"
PARTNER_TEASERS = (  # the clickbait block every portal rents out; never article text
    "Врачи назвали привычку, которая незаметно портит сон",
    "Как выбрать зимние шины и не переплатить: советы экспертов",
)


def ru_time(when: datetime) -> str:
    """ "26 ноября 2026, 11:05 (МСК)"."""
    return f"{when.day} {RU_MONTHS[when.month - 1]} {when.year}, {when:%H:%M} ({zone_label(when)})"


def _head(title: str, canonical: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        '<link rel="stylesheet" href="/static/site.css">\n'
        f"{extra}</head>\n"
    )


def _top(base_url: str) -> str:
    menu = "".join(
        f'<li><a href="{escape(abs_url(base_url, "/section/" + key))}">{escape(name)}</a></li>'
        for name, key in ZALIV.sections
    )
    return (
        '<div class="tg-banner">Подписывайтесь на «Залив Онлайн» в Telegram — новости города '
        'быстрее всех. <a href="https://t.me/zaliv_online_example">Подписаться</a></div>\n'
        '<header class="portal-header">\n'
        f'<a class="logo" href="{escape(abs_url(base_url, "/"))}">{escape(ZALIV.name)}</a>\n'
        '<div class="widgets"><span class="weather">Сейчас −2 °C, облачно</span> '
        '<span class="currency">USD 92,15 ₽ · EUR 98,40 ₽</span></div>\n'
        f'<ul class="menu">{menu}<li><a href="/afisha">Афиша</a></li>'
        '<li><a href="/pogoda">Погода</a></li><li><a href="/probki">Пробки</a></li></ul>\n'
        "</header>\n"
    )


def _bottom() -> str:
    return (
        '<div class="cookie-notice">Продолжая пользоваться сайтом, вы соглашаетесь с использованием '
        "файлов cookie. <button>Хорошо</button></div>\n"
        '<footer class="portal-footer"><p>© 2026 «Залив Онлайн». Сетевое издание. 18+</p>'
        "<p>При полном или частичном использовании материалов ссылка на «Залив Онлайн» обязательна.</p>"
        '<p><a href="/reklama">Реклама на сайте</a> · <a href="/redakciya">Редакция</a></p></footer>\n'
    )


def _popular(article: DemoArticle | None, articles: Sequence[DemoArticle], base_url: str) -> str:
    others = [a for a in articles if article is None or a.slug != article.slug]
    # "most read" is not "newest": a stable shuffle keyed by the slug, as view counts would be
    others.sort(key=lambda a: hashlib.sha1(a.slug.encode()).digest())
    items = "".join(
        f'<li><a href="{escape(abs_url(base_url, a.path))}">{escape(a.title)}</a> '
        f'<span class="time">{a.published_at.day} {RU_MONTHS[a.published_at.month - 1]}, '
        f"{a.published_at:%H:%M}</span></li>"
        for a in others[:POPULAR_SIZE]
    )
    partners = "".join(
        f'<li><a href="/partner/{i}">{escape(t)}</a></li>' for i, t in enumerate(PARTNER_TEASERS)
    )
    return (
        f'<div class="sidebar"><h3>Самое читаемое</h3><ul>{items}</ul></div>\n'
        f'<div class="partners"><h3>Новости партнёров</h3><ul>{partners}</ul></div>\n'
    )


def _read_also(article: DemoArticle, articles: Sequence[DemoArticle], base_url: str) -> str:
    """One earlier story sharing a tag (else the one just before): the usual in-text cross-link."""
    earlier = sorted(
        (a for a in articles if a.published_at < article.published_at), key=lambda a: a.published_at
    )
    tagged = [a for a in earlier if set(a.tags) & set(article.tags)]
    pick = (tagged or earlier or [a for a in articles if a.slug != article.slug])[-1:]
    return "".join(
        f'<p class="read-also"><strong>Читайте также:</strong> '
        f'<a href="{escape(abs_url(base_url, a.path))}">{escape(a.title)}</a></p>\n'
        for a in pick
    )


def article_page(article: DemoArticle, base_url: str, articles: Sequence[DemoArticle]) -> str:
    canonical = abs_url(base_url, article.path)
    image = abs_url(base_url, article.image)
    meta = (
        f'<meta name="description" content="{escape(teaser_text(article))}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{escape(article.title)}">\n'
        f'<meta property="og:url" content="{escape(canonical)}">\n'
        f'<meta property="og:image" content="{escape(image)}">\n'
        f'<meta property="og:site_name" content="{escape(ZALIV.name)}">\n'
    )
    lead, *rest = article.body_paragraphs
    text = [f"<p>{paragraph_html(p, base_url)}</p>\n" for p in rest]
    text.insert(min(READ_ALSO_AFTER, len(text)), _read_also(article, articles, base_url))
    if article.source_line:
        text.append(f"<p>{escape(article.source_line)}</p>\n")
    authors = ", ".join(
        f'<span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">'
        f"{escape(n)}</span></span>"
        for n in article.authors
    )
    views = 800 + int.from_bytes(hashlib.sha1(article.slug.encode()).digest()[:2], "big") % 9000
    views_text = f"{views:,}".replace(",", "\u00a0")  # "3 418": Russian groups digits with a space
    section_url = abs_url(base_url, "/section/" + section_key(article))
    return (
        _head(f"{article.title} — {ZALIV.name}", canonical, meta)
        + "<body>\n"
        + _top(base_url)
        + '<div class="page">\n<div class="article" itemscope itemtype="https://schema.org/NewsArticle">\n'
        + f'<meta itemprop="datePublished" content="{article.published_at.isoformat()}">\n'
        + f'<div class="article__meta"><a class="article__rubric" href="{escape(section_url)}">'
        + f"{escape(article.section)}</a> "
        + f'<span class="article__date">{ru_time(article.published_at)}</span> '
        + f'<span class="article__views">{views_text} просмотров</span></div>\n'
        + f'<h1 itemprop="headline">{escape(article.title)}</h1>\n'
        + '<div class="article__body" itemprop="articleBody">\n'
        + f'<div class="article__lead"><p>{paragraph_html(lead, base_url)}</p></div>\n'
        + f'<figure class="article__photo"><img src="{escape(image)}" alt="" width="240" height="135">'
        + "<figcaption>Фото: пресс-служба администрации города</figcaption></figure>\n"
        + f'<div class="article__text">\n{"".join(text)}</div>\n</div>\n'
        + f'<div class="article__author">Автор: {authors}</div>\n'
        + '<div class="article__share">Поделиться: <a href="#vk">ВКонтакте</a> '
        + '<a href="#ok">Одноклассники</a> <a href="#tg">Telegram</a> <a href="#wa">WhatsApp</a></div>\n'
        + '<p class="typo-note">Нашли ошибку? Выделите текст и нажмите Ctrl+Enter</p>\n'
        + "</div>\n"
        + _popular(article, articles, base_url)
        + "</div>\n"
        + _bottom()
        + "</body>\n</html>\n"
    )


def listing(
    articles: Iterable[DemoArticle],
    base_url: str,
    *,
    outlet: str,
    heading: str | None = None,
    path: str = "/",
) -> str:
    """The portal's news line: newest first, time and headline, a teaser under each."""
    items = sorted(articles, key=lambda a: a.published_at, reverse=True)
    title = heading or "Новости"
    rows = "".join(
        f'<li><span class="time">{ru_time(a.published_at)}</span> '
        f'<a href="{escape(abs_url(base_url, a.path))}">{escape(a.title)}</a>'
        f"<p>{escape(teaser_text(a))}</p></li>\n"
        for a in items
    )
    return (
        _head(f"{title} — {ZALIV.name}", abs_url(base_url, path))
        + "<body>\n"
        + _top(base_url)
        + f'<div class="page"><h1>{escape(title)}</h1>\n<ul class="latest">\n{rows}</ul>\n'
        + _popular(None, items, base_url)
        + "</div>\n"
        + _bottom()
        + "</body>\n</html>\n"
    )
