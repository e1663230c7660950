"""The classic newspaper template (The Harbour Courier, Портовый вестник): article and listing pages.

Article pages carry the furniture a real news site has (navigation, breadcrumbs, share buttons, a
"more from the author" rail with teasers, comment prompt, newsletter box, cookie banner) and JSON-LD
*without* ``articleBody``, so extraction is tested against the DOM, not handed the answer. The two
outlets share the layout, each with its own words, feed link and printed date format.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.outlets import BY_KEY
from newsdesk.demo.render import (
    RU_MONTHS,
    abs_url,
    json_ld,
    news_article_ld,
    paragraph_html,
    section_key,
    teaser_text,
    zone_label,
)

RAIL_SIZE = 4  # "More from <author>": four teasers, the usual rail

FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


@dataclass(frozen=True)
class Chrome:
    """One outlet's words, in its language."""

    site_name: str
    home: str
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
    stamp: str  # how the byline prints the time: "english" or "russian"


CHROME = {
    "courier": Chrome(
        site_name="The Harbour Courier",
        home="Home",
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
        stamp="english",
    ),
    "vestnik": Chrome(
        site_name="Портовый вестник",
        home="Главная",
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
        footer="© 2026 «Портовый вестник». Все права защищены. Редакция: news@vestnik.example",
        latest="Последние новости",
        tags="Темы",
        stamp="russian",
    ),
}


def printed_time(article: DemoArticle) -> str:
    """The byline's human date: "27 November 2026, 15:53 GMT" or "26 ноября 2026 в 20:10 (МСК)"."""
    when = article.published_at
    if CHROME[article.outlet].stamp == "russian":
        return f"{when.day} {RU_MONTHS[when.month - 1]} {when.year} в {when:%H:%M} ({zone_label(when)})"
    return f"{when.day} {when:%B %Y, %H:%M} {zone_label(when)}"


def _head(*, outlet: str, title: str, base_url: str, canonical: str, extra: str = "") -> str:
    profile = BY_KEY[outlet]
    return (
        f'<!DOCTYPE html>\n<html lang="{profile.lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f'<link rel="alternate" type="{FEED_TYPES[profile.feed_kind]}" title="{escape(profile.name)}" '
        f'href="{escape(abs_url(base_url, profile.feed_path))}">\n'
        '<link rel="stylesheet" href="/static/site.css">\n'
        f"{extra}</head>\n"
    )


def _header(outlet: str, base_url: str) -> str:
    chrome = CHROME[outlet]
    links = "".join(
        f'<li><a href="{escape(abs_url(base_url, "/section/" + key))}">{escape(name)}</a></li>'
        for name, key in BY_KEY[outlet].sections
    )
    return (
        '<header class="site-header">\n'
        f'<a class="logo" href="{escape(abs_url(base_url, "/"))}">{escape(chrome.site_name)}</a>\n'
        f'<nav class="main-nav"><ul><li><a href="{escape(abs_url(base_url, "/"))}">'
        f"{escape(chrome.home)}</a></li>{links}</ul></nav>\n"
        '<form class="search" action="/search"><input name="q" type="search" '
        'placeholder="Search"></form>\n</header>\n'
    )


def _footer(outlet: str) -> str:
    chrome = CHROME[outlet]
    return (
        '<section class="newsletter">\n'
        f"<h3>{escape(chrome.newsletter_title)}</h3>\n<p>{escape(chrome.newsletter_text)}</p>\n"
        '<form action="/newsletter" method="post"><input type="email" name="email" '
        f'placeholder="you@example.org"><button>{escape(chrome.subscribe)}</button></form>\n'
        "</section>\n"
        f'<footer class="site-footer"><p>{escape(chrome.footer)}</p>\n'
        f'<ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy</a></li>'
        '<li><a href="{BY_KEY[outlet].feed_path}">RSS</a></li></ul></footer>\n'
        f'<div class="cookie-banner" role="dialog"><p>{escape(chrome.cookie_text)}</p>'
        f"<button>{escape(chrome.cookie_accept)}</button></div>\n"
    )


def _teaser_card(article: DemoArticle, base_url: str) -> str:
    url = escape(abs_url(base_url, article.path))
    return (
        f'<li class="teaser"><a href="{url}">{escape(article.title)}</a>\n'
        f'<time datetime="{article.published_at.isoformat()}">'
        f"{article.published_at:%H:%M}</time>\n"
        f"<p>{escape(teaser_text(article))}</p></li>\n"
    )


def more_from_author(article: DemoArticle, articles: Sequence[DemoArticle]) -> list[DemoArticle]:
    """Up to four other articles by the first author, newest first, topped up from the same outlet."""
    others = [a for a in articles if a.slug != article.slug and a.outlet == article.outlet]
    others.sort(key=lambda a: a.published_at, reverse=True)
    same = [a for a in others if article.authors[0] in a.authors]
    rest = [a for a in others if a not in same]
    return (same + rest)[:RAIL_SIZE]


def article_page(article: DemoArticle, base_url: str, articles: Sequence[DemoArticle]) -> str:
    """The full HTML page for one article; ``articles`` (its outlet's) feed the rail."""
    chrome = CHROME[article.outlet]
    canonical = abs_url(base_url, article.path)
    image = abs_url(base_url, article.image)
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
        + f'<script type="application/ld+json">\n{json_ld(news_article_ld(article, base_url))}\n</script>\n'
    )
    head = _head(
        outlet=article.outlet,
        title=f"{article.title} | {chrome.site_name}",
        base_url=base_url,
        canonical=canonical,
        extra=meta,
    )
    crumbs = (
        '<nav class="breadcrumbs" aria-label="breadcrumb"><ol>'
        f'<li><a href="{escape(abs_url(base_url, "/"))}">{escape(chrome.home)}</a></li>'
        f'<li><a href="{escape(abs_url(base_url, "/section/" + section_key(article)))}">'
        f"{escape(article.section)}</a></li></ol></nav>\n"
    )
    byline = ", ".join(f'<span class="author">{escape(a)}</span>' for a in article.authors)
    body = "".join(f"<p>{paragraph_html(p, base_url)}</p>\n" for p in article.body_paragraphs)
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
        + _header(article.outlet, base_url)
        + crumbs
        + '<main>\n<article class="story">\n'
        + f"<h1>{escape(article.title)}</h1>\n"
        + f'<div class="byline">{byline} · <time datetime="{published}">'
        + f"{escape(printed_time(article))}</time></div>\n"
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
        + _footer(article.outlet)
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
    """Home or section page: newest first, each with its teaser."""
    chrome = CHROME[outlet]
    items = sorted(articles, key=lambda a: a.published_at, reverse=True)
    title = heading or chrome.latest
    cards = "".join(_teaser_card(a, base_url) for a in items)
    return (
        _head(
            outlet=outlet,
            title=f"{title} | {chrome.site_name}",
            base_url=base_url,
            canonical=abs_url(base_url, path),
        )
        + "<body>\n"
        + _header(outlet, base_url)
        + f'<main><h1>{escape(title)}</h1>\n<ul class="latest">\n{cards}</ul></main>\n'
        + _footer(outlet)
        + "</body>\n</html>\n"
    )
