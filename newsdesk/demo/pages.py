"""Renders the demo outlets' documents: each outlet's article and listing pages through its template.

Three templates, as three publishers' CMSs would draw them: ``classic`` (a British-style city paper
and a Russian weekly), ``ledger`` (an American daily: consent wall, top share bar, "Related" box and
an ad slot inside the story, "More coverage" rail) and ``portal`` (a Russian city portal: weather and
currency widgets, "Читайте также" inside the text, photo credits, "Самое читаемое" rail). All put
JSON-LD or Open Graph dates with a zone in the head and print a human date in their own style.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from newsdesk.demo import template_classic, template_ledger, template_portal
from newsdesk.demo.article import DemoArticle
from newsdesk.demo.corpus import demo_articles
from newsdesk.demo.outlets import BY_KEY
from newsdesk.demo.render import http_date, lead_image_png, section_key, teaser_text

__all__ = [
    "http_date",
    "lead_image_png",
    "render_article_page",
    "render_listing",
    "section_key",
    "teaser_text",
]

ArticlePage = Callable[[DemoArticle, str, Sequence[DemoArticle]], str]
Listing = Callable[..., str]

ARTICLE_PAGES: dict[str, ArticlePage] = {
    "classic": template_classic.article_page,
    "ledger": template_ledger.article_page,
    "portal": template_portal.article_page,
}
LISTINGS: dict[str, Listing] = {
    "classic": template_classic.listing,
    "ledger": template_ledger.listing,
    "portal": template_portal.listing,
}


def render_article_page(
    article: DemoArticle, base_url: str, articles: Sequence[DemoArticle] | None = None
) -> str:
    """The full HTML page for one article; ``articles`` feeds its rails (default: the demo corpus).

    Rails only ever show the article's own outlet.
    """
    pool = demo_articles() if articles is None else articles
    siblings = [a for a in pool if a.outlet == article.outlet]
    return ARTICLE_PAGES[BY_KEY[article.outlet].template](article, base_url, siblings)


def render_listing(
    articles: Iterable[DemoArticle],
    base_url: str,
    *,
    outlet: str,
    heading: str | None = None,
    path: str = "/",
) -> str:
    """Home (``path="/"``) or section page of ``outlet``, newest first."""
    mine = [a for a in articles if a.outlet == outlet]
    return LISTINGS[BY_KEY[outlet].template](mine, base_url, outlet=outlet, heading=heading, path=path)
