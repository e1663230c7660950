"""The demo corpus: every article of the sample outlet, English and Russian, newest first."""

from __future__ import annotations

from functools import cache

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.corpus_en import ARTICLES_EN
from newsdesk.demo.corpus_ru import ARTICLES_RU

# Served through two URLs: the feed links it with a tracking query, the site without; the page
# names the clean URL as canonical, so URL dedup has a real case to fold.
TRACKED_SLUG = "harbour-bridge-cable-repairs-4102"

# Same event told twice (English, Russian), for cross-language story clustering.
SAME_EVENT_PAIRS: tuple[tuple[str, str], ...] = (
    ("imo-global-shipping-emissions-levy-4107", "imo-globalnyj-sbor-vybrosy-sudov-4106"),
    ("aster-probe-lands-on-asteroid-4105", "zond-aster-posadka-asteroid-4104"),
)


@cache
def _all() -> tuple[DemoArticle, ...]:
    articles = sorted(ARTICLES_EN + ARTICLES_RU, key=lambda a: a.published_at, reverse=True)
    slugs = [a.slug for a in articles]
    if len(set(slugs)) != len(slugs):
        raise ValueError("demo: duplicate article slug")
    return tuple(articles)


def demo_articles() -> list[DemoArticle]:
    """All demo articles, newest first (a fresh list; the records are frozen)."""
    return list(_all())
