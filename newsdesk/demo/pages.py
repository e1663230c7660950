"""Renders the demo outlet's documents: article pages, home and section pages, RSS, news sitemap.

Article pages deliberately carry the furniture a real news site has (navigation, breadcrumbs, share
buttons, a "more from the author" rail with teasers, comment prompt, newsletter box, cookie banner)
and JSON-LD *without* ``articleBody``, so extraction is tested against the DOM, not handed the
answer. Everything user-visible goes through ``html.escape``; nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from newsdesk.demo.article import DemoArticle, segments
from newsdesk.demo.corpus import demo_articles

TEASER_CHARS = 150  # about two lines of a teaser card, the cut real sites make
RAIL_SIZE = 4  # "More from <author>": four teasers, the usual rail


@dataclass(frozen=True)
class Chrome:
    """The outlet's words in one language."""

    site_name: str
    home: str
    sections: tuple[tuple[str, str], ...]  # (section name, URL key)
    share: tuple[str, ...]
    more_from: str
    think: str
    comment_placeholder: str
    comment_button: str
    newsletter_title: str
    newsletter_text: str
    subscribe: str
    cookie_text: str
    cookie_accept: str
    footer: str
    latest: str
    tags: str


CHROME = {
    "en": Chrome(
        site_name="The Harbour Courier",
        home="Home",
        sections=(
            ("City", "city"),
            ("Business", "business"),
            ("Science", "science"),
            ("World", "world"),
            ("Sport", "sport"),
        ),
        share=("Share on Facebook", "Share on X", "Telegram", "Copy link"),
        more_from="More from",
        think="What are you thinking?",
        comment_placeholder="Write a comment. Please keep it civil.",
        comment_button="Post comment",
        newsletter_title="The morning tide",
        newsletter_text="Sign up for our daily newsletter: the stories that matter in Port Alder, "
        "in your inbox by 7am.",
        subscribe="Subscribe",
        cookie_text="We use cookies to improve your experience and to show relevant adverts.",
        cookie_accept="Accept all cookies",
        footer="© 2026 The Harbour Courier. All rights reserved. Contact the newsroom: "
        "news@harbour-courier.example",
        latest="Latest news",
        tags="Topics",
    ),
    "ru": Chrome(
        site_name="Портовый вестник",
        home="Главная",
        sections=(
            ("Город", "gorod"),
            ("Экономика", "ekonomika"),
            ("Наука", "nauka"),
            ("В мире", "v-mire"),
            ("Спорт", "sport-ru"),
        ),
        share=("Поделиться в Facebook", "ВКонтакте", "Telegram", "Скопировать ссылку"),
        more_from="Другие материалы автора",
        think="Что вы думаете?",
        comment_placeholder="Напишите комментарий. Соблюдайте правила сообщества.",
        comment_button="Отправить",
        newsletter_title="Утренняя рассылка",
        newsletter_text="Подпишитесь на нашу рассылку: главные новости города каждое утро в вашей почте.",
        subscribe="Подписаться",
        cookie_text="Мы используем файлы cookie, чтобы сайт работал лучше.",
        cookie_accept="Принять",
        footer="© 2026 «Портовый вестник». Все права защищены. Редакция: news@harbour-courier.example",
        latest="Последние новости",
        tags="Темы",
    ),
}


def section_key(article: DemoArticle) -> str:
    for name, key in CHROME[article.lang].sections:
        if name == article.section:
            return key
    raise ValueError(f"demo: unknown section {article.section!r}")


def teaser_text(article: DemoArticle, limit: int = TEASER_CHARS) -> str:
    """The first ~``limit`` characters of the body, cut at a word and ended with "..."."""
    text = " ".join(article.plain_paragraphs)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:—- ")
    return cut + "..."


def _abs(base_url: str, path: str) -> str:
    return path if path.startswith(("http://", "https://")) else base_url.rstrip("/") + path


def _paragraph_html(paragraph: str, base_url: str) -> str:
    parts = []
    for text, href in segments(paragraph):
        if href is None:
            parts.append(escape(text, quote=False))
        else:
            parts.append(f'<a href="{escape(_abs(base_url, href))}">{escape(text, quote=False)}</a>')
    return "".join(parts)


def _json_ld(article: DemoArticle, base_url: str) -> str:
    chrome = CHROME[article.lang]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.published_at.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": {
            "@type": "Organization",
            "name": chrome.site_name,
            "logo": {"@type": "ImageObject", "url": _abs(base_url, "/images/logo.png")},
        },
        "image": [_abs(base_url, article.image)],
        "articleSection": article.section,
        "inLanguage": article.lang,
        "keywords": list(article.tags),
        "mainEntityOfPage": _abs(base_url, article.path),
    }
    # "</" inside a <script> would end it early; JSON allows the escaped solidus.
    return json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")


def _head(*, lang: str, title: str, base_url: str, canonical: str, extra: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f'<link rel="alternate" type="application/rss+xml" title="RSS" '
        f'href="{escape(_abs(base_url, "/feed.xml"))}">\n'
        '<link rel="stylesheet" href="/static/site.css">\n'
        f"{extra}</head>\n"
    )


def _header(lang: str, base_url: str) -> str:
    chrome = CHROME[lang]
    links = "".join(
        f'<li><a href="{escape(_abs(base_url, "/section/" + key))}">{escape(name)}</a></li>'
        for name, key in chrome.sections
    )
    return (
        '<header class="site-header">\n'
        f'<a class="logo" href="{escape(_abs(base_url, "/"))}">{escape(chrome.site_name)}</a>\n'
        f'<nav class="main-nav"><ul><li><a href="{escape(_abs(base_url, "/"))}">'
        f"{escape(chrome.home)}</a></li>{links}</ul></nav>\n"
        '<form class="search" action="/search"><input name="q" type="search" '
        'placeholder="Search"></form>\n</header>\n'
    )


def _footer(lang: str) -> str:
    chrome = CHROME[lang]
    return (
        '<section class="newsletter">\n'
        f"<h3>{escape(chrome.newsletter_title)}</h3>\n<p>{escape(chrome.newsletter_text)}</p>\n"
        '<form action="/newsletter" method="post"><input type="email" name="email" '
        f'placeholder="you@example.org"><button>{escape(chrome.subscribe)}</button></form>\n'
        "</section>\n"
        f'<footer class="site-footer"><p>{escape(chrome.footer)}</p>\n'
        '<ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy</a></li>'
        '<li><a href="/feed.xml">RSS</a></li></ul></footer>\n'
        f'<div class="cookie-banner" role="dialog"><p>{escape(chrome.cookie_text)}</p>'
        f"<button>{escape(chrome.cookie_accept)}</button></div>\n"
    )


def _teaser_card(article: DemoArticle, base_url: str) -> str:
    url = escape(_abs(base_url, article.path))
    return (
        f'<li class="teaser"><a href="{url}">{escape(article.title)}</a>\n'
        f'<time datetime="{article.published_at.isoformat()}">'
        f"{article.published_at:%H:%M}</time>\n"
        f"<p>{escape(teaser_text(article))}</p></li>\n"
    )


def more_from_author(article: DemoArticle, articles: Sequence[DemoArticle]) -> list[DemoArticle]:
    """Up to four other articles by the first author, newest first, topped up from the same language."""
    others = [a for a in articles if a.slug != article.slug and a.lang == article.lang]
    others.sort(key=lambda a: a.published_at, reverse=True)
    same = [a for a in others if article.authors[0] in a.authors]
    rest = [a for a in others if a not in same]
    return (same + rest)[:RAIL_SIZE]


def render_article_page(
    article: DemoArticle, base_url: str, articles: Sequence[DemoArticle] | None = None
) -> str:
    """The full HTML page for one article; ``articles`` feeds the rail (default: the demo corpus)."""
    if articles is None:
        articles = demo_articles()
    chrome = CHROME[article.lang]
    canonical = _abs(base_url, article.path)
    image = _abs(base_url, article.image)
    published = article.published_at.isoformat()
    meta = (
        f'<meta name="author" content="{escape(", ".join(article.authors))}">\n'
        f'<meta name="description" content="{escape(teaser_text(article))}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{escape(article.title)}">\n'
        f'<meta property="og:url" content="{escape(canonical)}">\n'
        f'<meta property="og:image" content="{escape(image)}">\n'
        f'<meta property="og:site_name" content="{escape(chrome.site_name)}">\n'
        f'<meta property="article:published_time" content="{published}">\n'
        f'<meta property="article:section" content="{escape(article.section)}">\n'
        + "".join(f'<meta property="article:tag" content="{escape(t)}">\n' for t in article.tags)
        + f'<script type="application/ld+json">\n{_json_ld(article, base_url)}\n</script>\n'
    )
    head = _head(
        lang=article.lang,
        title=f"{article.title} | {chrome.site_name}",
        base_url=base_url,
        canonical=canonical,
        extra=meta,
    )
    crumbs = (
        '<nav class="breadcrumbs" aria-label="breadcrumb"><ol>'
        f'<li><a href="{escape(_abs(base_url, "/"))}">{escape(chrome.home)}</a></li>'
        f'<li><a href="{escape(_abs(base_url, "/section/" + section_key(article)))}">'
        f"{escape(article.section)}</a></li></ol></nav>\n"
    )
    byline = ", ".join(f'<span class="author">{escape(a)}</span>' for a in article.authors)
    body = "".join(f"<p>{_paragraph_html(p, base_url)}</p>\n" for p in article.body_paragraphs)
    if article.source_line:
        body += f'<p class="source">{escape(article.source_line)}</p>\n'
    share = "".join(
        f'<li><a class="share" href="#share-{i}">{escape(label)}</a></li>'
        for i, label in enumerate(chrome.share)
    )
    tags = "".join(f"<li>{escape(t)}</li>" for t in article.tags)
    rail = "".join(_teaser_card(a, base_url) for a in more_from_author(article, articles))
    return (
        head
        + "<body>\n"
        + _header(article.lang, base_url)
        + crumbs
        + '<main>\n<article class="story">\n'
        + f"<h1>{escape(article.title)}</h1>\n"
        + f'<div class="byline">{byline} · <time datetime="{published}">'
        + f"{article.published_at:%d.%m.%Y %H:%M}</time></div>\n"
        + f'<figure><img src="{escape(image)}" alt="{escape(article.title)}" width="240" '
        + 'height="135"></figure>\n'
        + f'<div class="story-body">\n{body}</div>\n'
        + f'<div class="story-tags"><span>{escape(chrome.tags)}:</span><ul>{tags}</ul></div>\n'
        + "</article>\n"
        + f'<ul class="share-buttons">{share}</ul>\n'
        + f'<aside class="more-from"><h2>{escape(chrome.more_from)} '
        + f"{escape(article.authors[0])}</h2>\n<ul>\n{rail}</ul></aside>\n"
        + f'<section class="comments"><h2>{escape(chrome.think)}</h2>\n'
        + '<form action="/comments" method="post"><textarea name="comment" '
        + f'placeholder="{escape(chrome.comment_placeholder)}"></textarea>'
        + f"<button>{escape(chrome.comment_button)}</button></form></section>\n"
        + "</main>\n"
        + _footer(article.lang)
        + "</body>\n</html>\n"
    )


def render_listing(
    articles: Iterable[DemoArticle],
    base_url: str,
    *,
    lang: str = "en",
    heading: str | None = None,
    path: str = "/",
) -> str:
    """Home or section page: newest first, each with its teaser."""
    chrome = CHROME[lang]
    items = sorted(articles, key=lambda a: a.published_at, reverse=True)
    title = heading or chrome.latest
    cards = "".join(_teaser_card(a, base_url) for a in items)
    return (
        _head(
            lang=lang,
            title=f"{title} | {chrome.site_name}",
            base_url=base_url,
            canonical=_abs(base_url, path),
        )
        + "<body>\n"
        + _header(lang, base_url)
        + f'<main><h1>{escape(title)}</h1>\n<ul class="latest">\n{cards}</ul></main>\n'
        + _footer(lang)
        + "</body>\n</html>\n"
    )


def render_feed(articles: Sequence[DemoArticle], base_url: str, *, utm_slugs: Iterable[str] = ()) -> str:
    """RSS 2.0 with every article; links are absolute (``utm_slugs`` get a tracking query)."""
    tracked = set(utm_slugs)
    items = []
    for a in sorted(articles, key=lambda a: a.published_at, reverse=True):
        link = _abs(base_url, a.path) + ("?utm_source=rss&utm_medium=feed" if a.slug in tracked else "")
        creators = "".join(f"<dc:creator>{xml_escape(n)}</dc:creator>" for n in a.authors)
        categories = "".join(f"<category>{xml_escape(t)}</category>" for t in (a.section, *a.tags))
        items.append(
            "<item>"
            f"<title>{xml_escape(a.title)}</title>"
            f"<link>{xml_escape(link)}</link>"
            f'<guid isPermaLink="false">harbour-courier:{xml_escape(a.slug)}</guid>'
            f"<pubDate>{format_datetime(a.published_at)}</pubDate>"
            f"{creators}{categories}"
            f"<description>{xml_escape(teaser_text(a))}</description>"
            f'<enclosure url="{xml_escape(_abs(base_url, a.image))}" type="image/png" '
            f'length="{len(lead_image_png(a.slug))}"/>'
            "</item>\n"
        )
    newest = max(a.published_at for a in articles)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        "<title>The Harbour Courier / Портовый вестник</title>\n"
        f"<link>{xml_escape(_abs(base_url, '/'))}</link>\n"
        "<description>News from Port Alder and the world, in English and Russian.</description>\n"
        f'<atom:link href="{xml_escape(_abs(base_url, "/feed.xml"))}" rel="self" '
        'type="application/rss+xml"/>\n'
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n"
        "<ttl>30</ttl>\n" + "".join(items) + "</channel>\n</rss>\n"
    )


def render_news_sitemap(articles: Sequence[DemoArticle], base_url: str) -> str:
    """A Google news sitemap (urlset with news:news blocks)."""
    rows = []
    for a in sorted(articles, key=lambda a: a.published_at, reverse=True):
        rows.append(
            "<url>"
            f"<loc>{xml_escape(_abs(base_url, a.path))}</loc>"
            "<news:news><news:publication>"
            f"<news:name>{xml_escape(CHROME[a.lang].site_name)}</news:name>"
            f"<news:language>{a.lang}</news:language></news:publication>"
            f"<news:publication_date>{a.published_at.isoformat()}</news:publication_date>"
            f"<news:title>{xml_escape(a.title)}</news:title>"
            f"<news:keywords>{xml_escape(', '.join(a.tags))}</news:keywords>"
            "</news:news></url>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "".join(rows) + "</urlset>\n"
    )


def render_robots(base_url: str) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {_abs(base_url, '/news-sitemap.xml')}\n"


def lead_image_png(seed: str, width: int = 240, height: int = 135) -> bytes:
    """A small valid PNG (two colour bands picked from ``seed``); 16:9 like a lead image."""
    digest = hashlib.sha1(seed.encode()).digest()
    top, bottom = digest[0:3], digest[3:6]
    rows = b"".join(b"\x00" + (top if y < height * 2 // 3 else bottom) * width for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)
