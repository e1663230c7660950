"""The demo corpus: every article of the four sample outlets, newest first, and which ones are one event.

``DEMO_STORIES`` is the answer key a demo crawl is checked against: the articles that report one
event (each outlet's in its own words, in English and Russian), and the one wire story that two
outlets reprinted. Every article not named there is an event of its own. ``SAME_CITY_EVENTS`` names
two stories that share a city and a port but are different events, which clustering must keep apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from urllib.parse import urlsplit

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.corpus_en import ARTICLES_EN
from newsdesk.demo.corpus_ledger import ARTICLES_LEDGER
from newsdesk.demo.corpus_ru import ARTICLES_RU
from newsdesk.demo.corpus_zaliv import ARTICLES_ZALIV

# Served through two URLs: the feed links it with a tracking query, the site without; the page
# names the clean URL as canonical, so URL dedup has a real case to fold.
TRACKED_SLUG = "harbour-bridge-cable-repairs-4102"


@dataclass(frozen=True)
class DemoStory:
    """One event and the demo articles that report it; ``reprints`` are (earliest copy, reprint)."""

    key: str
    slugs: tuple[str, ...]
    reprints: tuple[tuple[str, str], ...] = ()


DEMO_STORIES: tuple[DemoStory, ...] = (
    DemoStory(
        "imo-emissions-levy",
        (
            "imo-global-shipping-emissions-levy-4107",
            "imo-globalnyj-sbor-vybrosy-sudov-4106",
            "shipping-carbon-levy-imo-vote-4120",
            "sbor-za-vybrosy-sudov-imo-4121",
        ),
    ),
    DemoStory(
        "aster-asteroid-landing",
        (
            "aster-probe-lands-on-asteroid-4105",
            "zond-aster-posadka-asteroid-4104",
            "aster-spacecraft-asteroid-landing-4122",
        ),
    ),
    DemoStory(
        "polar-tern-freed",
        (
            "polar-tern-freed-from-ice-4117",
            "trapped-research-ship-breaks-free-4118",
            "sudno-polar-tern-vybralos-izo-lda-4119",
        ),
        reprints=(("polar-tern-freed-from-ice-4117", "trapped-research-ship-breaks-free-4118"),),
    ),
    DemoStory(
        "rotterdam-dock-strike",
        (
            "rotterdam-dockers-strike-automation-4114",
            "rotterdam-port-strike-shipping-delays-4115",
            "zabastovka-dokerov-rotterdam-4116",
        ),
    ),
    DemoStory(
        "rotterdam-tanker-fire",
        ("rotterdam-tanker-fire-botlek-4112", "pozhar-tanker-rotterdam-4113"),
    ),
    DemoStory(
        "northern-entrance-snowfall",
        ("snegopad-severnyj-vezd-4103", "snegopad-probki-severnyj-vezd-4123"),
    ),
    DemoStory(
        "atlantic-rower-lands",
        ("atlantic-rower-lands-port-alder-4124", "bayport-rower-finishes-atlantic-crossing-4125"),
    ),
)

# The wire story two outlets ran: (earliest copy, the lightly edited reprint).
REPRINT_PAIRS: tuple[tuple[str, str], ...] = tuple(pair for s in DEMO_STORIES for pair in s.reprints)

# Two different events in one city (Rotterdam's port, three days apart): never one story.
SAME_CITY_EVENTS: tuple[tuple[str, str], ...] = (("rotterdam-tanker-fire", "rotterdam-dock-strike"),)


@cache
def _all() -> tuple[DemoArticle, ...]:
    articles = sorted(
        ARTICLES_EN + ARTICLES_RU + ARTICLES_LEDGER + ARTICLES_ZALIV,
        key=lambda a: a.published_at,
        reverse=True,
    )
    slugs = [a.slug for a in articles]
    if len(set(slugs)) != len(slugs):
        raise ValueError("demo: duplicate article slug")
    listed = [slug for story in DEMO_STORIES for slug in story.slugs]
    if len(set(listed)) != len(listed) or not set(listed) <= set(slugs):
        raise ValueError("demo: DEMO_STORIES names an article twice or one that does not exist")
    return tuple(articles)


def demo_articles() -> list[DemoArticle]:
    """All demo articles, newest first (a fresh list; the records are frozen)."""
    return list(_all())


def expected_stories() -> list[tuple[str, ...]]:
    """The partition of every demo slug into events: ``DEMO_STORIES``, then one story per other article."""
    named = [story.slugs for story in DEMO_STORIES]
    taken = {slug for slugs in named for slug in slugs}
    return named + [(a.slug,) for a in _all() if a.slug not in taken]


_SLUG_IN_PATH = re.compile(r"/([a-z0-9-]+?)(?:\.html)?/?$")


def demo_slug(url: str) -> str | None:
    """The demo article a stored URL is (every outlet's path ends with the slug), else None."""
    match = _SLUG_IN_PATH.search(urlsplit(url).path)
    slug = match.group(1) if match else None
    return slug if slug in {a.slug for a in _all()} else None


def _same_event_pairs() -> tuple[tuple[str, str], ...]:
    by_slug = {a.slug: a for a in _all()}
    pairs = []
    for story in DEMO_STORIES:
        for one, other in combinations(story.slugs, 2):
            langs = (by_slug[one].lang, by_slug[other].lang)
            if langs == ("en", "ru"):
                pairs.append((one, other))
            elif langs == ("ru", "en"):
                pairs.append((other, one))
    return tuple(pairs)


# Same event told in English and in Russian, (English slug, Russian slug): every cross-language
# pair of DEMO_STORIES, for cross-language story clustering.
SAME_EVENT_PAIRS: tuple[tuple[str, str], ...] = _same_event_pairs()
