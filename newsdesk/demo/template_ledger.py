"""The Bayport Ledger's template: an American daily's CMS, with what such pages put around a story.

A consent wall and a subscription bar before the masthead, a "today's paper" date strip, a breaking
ticker, a share bar *above* the text, a "Related" box and an ad slot *inside* the story body, a
newsletter sign-up and "More Coverage" rail after it. The date is printed AP style in Eastern time
("Nov. 26, 2026, 7:30 a.m. EST"); the machine date is in JSON-LD only (no Open Graph time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.outlets import LEDGER
from newsdesk.demo.render import (
    EN_MONTHS_AP,
    abs_url,
    json_ld,
    news_article_ld,
    paragraph_html,
    section_key,
    teaser_text,
    zone_label,
)

RELATED_SIZE = 2  # the in-story "Related" box: two headlines, as such boxes carry
COVERAGE_SIZE = 3  # "More Coverage" after the story
RELATED_AFTER = 2  # the box sits after the second paragraph


def ap_time(when: datetime, *, with_time: bool = True) -> str:
    """AP style: "Nov. 26, 2026, 7:30 a.m. EST" (or the date alone)."""
    day = f"{EN_MONTHS_AP[when.month - 1]} {when.day}, {when.year}"
    if not with_time:
        return day
    hour = when.hour % 12 or 12
    half = "a.m." if when.hour < 12 else "p.m."
    return f"{day}, {hour}:{when:%M} {half} {zone_label(when)}"


def _related(article: DemoArticle, articles: Sequence[DemoArticle], size: int) -> list[DemoArticle]:
    """Other stories sharing a tag with this one first, then the newest; never the story itself."""
    others = sorted(
        (a for a in articles if a.slug != article.slug), key=lambda a: a.published_at, reverse=True
    )
    tagged = [a for a in others if set(a.tags) & set(article.tags)]
    return (tagged + [a for a in others if a not in tagged])[:size]


def _head(title: str, base_url: str, canonical: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f'<link rel="alternate" type="application/feed+json" title="{escape(LEDGER.name)}" '
        f'href="{escape(abs_url(base_url, LEDGER.feed_path))}">\n'
        '<link rel="stylesheet" href="/static/site.css">\n'
        f"{extra}</head>\n"
    )


def _top(base_url: str, today: datetime, newest: DemoArticle | None) -> str:
    nav = "".join(
        f'<a href="{escape(abs_url(base_url, "/section/" + key))}">{escape(name)}</a>'
        for name, key in LEDGER.sections
    )
    ticker = (
        f'<div class="ticker"><span class="label">Breaking</span> '
        f'<a href="{escape(abs_url(base_url, newest.path))}">{escape(newest.title)}</a></div>\n'
        if newest is not None
        else ""
    )
    return (
        '<div id="consent" class="consent-wall" role="dialog" aria-modal="true">'
        "<h2>We value your privacy</h2><p>We and our 142 partners store and access information on "
        "your device, such as cookies, to personalize ads and content and to measure audiences.</p>"
        "<button>I Accept</button> <button>Manage Preferences</button></div>\n"
        '<div class="promo-bar">Unlimited digital access for $1 a week. '
        '<a href="/subscribe">Subscribe now</a></div>\n'
        '<header class="masthead">\n'
        f'<div class="date-strip">{today:%A}, {ap_time(today, with_time=False)} · '
        '<a href="/e-edition">Today\'s Paper</a></div>\n'
        f'<a class="brand" href="{escape(abs_url(base_url, "/"))}">{escape(LEDGER.name)}</a>\n'
        f'<nav class="primary">{nav}<a href="/opinion">Opinion</a><a href="/obituaries">Obituaries</a>'
        '<a href="/e-edition">E-Edition</a></nav>\n'
        "</header>\n" + ticker
    )


def _bottom() -> str:
    return (
        '<footer class="site-footer"><p>© 2026 The Bayport Ledger Company. All rights reserved.</p>\n'
        '<p><a href="/terms">Terms of Service</a> · <a href="/privacy">Privacy Policy</a> · '
        '<a href="/do-not-sell">Do Not Sell or Share My Personal Information</a></p></footer>\n'
    )


def _card(a: DemoArticle, base_url: str) -> str:
    return (
        f'<li class="card"><a href="{escape(abs_url(base_url, a.path))}">{escape(a.title)}</a>'
        f'<span class="card-date">{ap_time(a.published_at, with_time=False)}</span>'
        f"<p>{escape(teaser_text(a))}</p></li>\n"
    )


def article_page(article: DemoArticle, base_url: str, articles: Sequence[DemoArticle]) -> str:
    canonical = abs_url(base_url, article.path)
    image = abs_url(base_url, article.image)
    meta = (
        f'<meta name="byl" content="By {escape(" and ".join(article.authors))}">\n'
        f'<meta name="description" content="{escape(teaser_text(article))}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{escape(article.title)}">\n'
        f'<meta property="og:url" content="{escape(canonical)}">\n'
        f'<meta property="og:image" content="{escape(image)}">\n'
        f'<meta property="og:site_name" content="{escape(LEDGER.name)}">\n'
        '<meta name="twitter:card" content="summary_large_image">\n'
        f'<script type="application/ld+json">\n{json_ld(news_article_ld(article, base_url))}\n</script>\n'
    )
    authors = " and ".join(
        f'<a rel="author" href="/staff/{escape(n.lower().replace(" ", "-"))}">{escape(n)}</a>'
        for n in article.authors
    )
    paragraphs = [f"<p>{paragraph_html(p, base_url)}</p>\n" for p in article.body_paragraphs]
    related = "".join(
        f'<li><a href="{escape(abs_url(base_url, a.path))}">{escape(a.title)}</a></li>'
        for a in _related(article, articles, RELATED_SIZE)
    )
    paragraphs.insert(
        RELATED_AFTER, f'<aside class="related-inline"><h3>Related</h3><ul>{related}</ul></aside>\n'
    )
    paragraphs.insert(
        len(paragraphs) - 1, '<div class="ad-slot" aria-hidden="true"><span>Advertisement</span></div>\n'
    )
    if article.source_line:
        paragraphs.append(f'<p class="credit">{escape(article.source_line)}</p>\n')
    comments = 3 + hashlib.sha1(article.slug.encode()).digest()[0] % 90
    coverage = "".join(
        _card(a, base_url) for a in _related(article, articles, RELATED_SIZE + COVERAGE_SIZE)[RELATED_SIZE:]
    )
    newest = max((a for a in articles if a.slug != article.slug), key=lambda a: a.published_at, default=None)
    section_url = abs_url(base_url, "/section/" + section_key(article))
    return (
        _head(f"{article.title} - {LEDGER.name}", base_url, canonical, meta)
        + '<body class="article-page">\n'
        + _top(base_url, article.published_at, newest)
        + '<main id="main">\n<article class="article">\n<header class="article-header">\n'
        + f'<a class="kicker" href="{escape(section_url)}">{escape(article.section)}</a>\n'
        + f'<h1 class="headline">{escape(article.title)}</h1>\n'
        + f'<div class="article-meta"><p class="byline">By {authors}</p>\n'
        + f'<p class="timestamp"><time datetime="{article.published_at.isoformat()}">'
        + f"Published {ap_time(article.published_at)}</time></p></div>\n"
        + '<div class="share-bar"><button>Share</button><a href="#email">Email</a>'
        + '<a href="#facebook">Facebook</a><a href="#x">X</a><a href="#gift">Gift this article</a></div>\n'
        + "</header>\n"
        + f'<figure class="lead-art"><img src="{escape(image)}" alt="" width="240" height="135">'
        + '<figcaption><span class="credit">Ledger file photo</span></figcaption></figure>\n'
        + f'<section class="article-body">\n{"".join(paragraphs)}</section>\n'
        + '<footer class="article-footer">\n'
        + f'<p class="filed">Filed under: {escape(", ".join(article.tags))}</p>\n'
        + '<div class="newsletter-signup"><h3>The Morning Ledger</h3><p>Start your day with the news '
        + "Bayport is talking about. Delivered weekdays at 6 a.m.</p>"
        + '<form action="/newsletters" method="post"><input type="email" name="email" '
        + 'placeholder="Email address"><button>Sign Up</button></form></div>\n'
        + "</footer>\n</article>\n"
        + f'<section class="more-coverage"><h2>More Coverage</h2>\n<ul>\n{coverage}</ul></section>\n'
        + '<section class="comments-cta"><h2>Join the conversation</h2><p>Comments are reviewed by our '
        + f"staff. Read our community guidelines.</p><button>View {comments} comments</button></section>\n"
        + "</main>\n"
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
    """Home or section front: newest first, cards with AP-style dates."""
    items = sorted(articles, key=lambda a: a.published_at, reverse=True)
    title = heading or "Latest News"
    cards = "".join(_card(a, base_url) for a in items)
    today = items[0].published_at if items else datetime(2026, 11, 28)
    return (
        _head(f"{title} - {LEDGER.name}", base_url, abs_url(base_url, path))
        + "<body>\n"
        + _top(base_url, today, items[0] if items else None)
        + f'<main><h1>{escape(title)}</h1>\n<ul class="latest">\n{cards}</ul></main>\n'
        + _bottom()
        + "</body>\n</html>\n"
    )
