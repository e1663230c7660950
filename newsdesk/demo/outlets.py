"""The four sample outlets of ``newsdesk demo``: who they are, where they live, what feed they offer.

Four outlets rather than one so the demo shows what story clustering is for: two English (a British
city paper and an American one) and two Russian (a city weekly and a city news portal) covering
overlapping events in their own words, each with its own feed format (RSS, Atom, JSON Feed, a news
sitemap with no feed at all) and its own page template, so extraction meets four kinds of furniture.
Each outlet is served on its own port of 127.0.0.1 (``port_offset`` from the base port), one
origin per outlet as real sites are, which keeps ``make demo`` one process with no DNS set-up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutletProfile:
    """One sample outlet. ``path`` is its article URL pattern (``{slug}``, ``{y}``, ``{m}``, ``{d}``)."""

    key: str
    name: str
    lang: str
    country: str  # ISO 3166-1 alpha-2, stored as ``sources.country``
    feed_kind: str  # a FeedKind value: "rss", "atom", "json" or "sitemap"
    feed_path: str
    sitemap_path: str  # its news sitemap, named in robots.txt (the sitemap-only outlet's feed)
    path: str
    template: str  # which renderer in pages.py draws its pages
    server: str  # its Server header
    tagline: str
    port_offset: int
    sections: tuple[tuple[str, str], ...]  # (section name as printed, URL key)


COURIER = OutletProfile(
    key="courier",
    name="The Harbour Courier",
    lang="en",
    country="GB",
    feed_kind="rss",
    feed_path="/feed.xml",
    sitemap_path="/news-sitemap.xml",
    path="/news/{slug}",
    template="classic",
    server="HarbourCourier/1.0",
    tagline="News from Port Alder and the world.",
    port_offset=0,
    sections=(
        ("City", "city"),
        ("Business", "business"),
        ("Science", "science"),
        ("World", "world"),
        ("Sport", "sport"),
    ),
)
VESTNIK = OutletProfile(
    key="vestnik",
    name="Портовый вестник",
    lang="ru",
    country="RU",
    feed_kind="atom",
    feed_path="/atom.xml",
    sitemap_path="/sitemap_news.xml",
    path="/news/{slug}",
    template="classic",
    server="Vestnik/2.3",
    tagline="Новости Портового района, города и мира.",
    port_offset=1,
    sections=(
        ("Город", "gorod"),
        ("Экономика", "ekonomika"),
        ("Наука", "nauka"),
        ("В мире", "v-mire"),
        ("Спорт", "sport-ru"),
    ),
)
LEDGER = OutletProfile(
    key="ledger",
    name="The Bayport Ledger",
    lang="en",
    country="US",
    feed_kind="json",
    feed_path="/feed.json",
    sitemap_path="/sitemaps/news.xml",
    path="/{y}/{m}/{d}/{slug}",
    template="ledger",
    server="nginx",
    tagline="Bayport's newspaper since 1871.",
    port_offset=2,
    sections=(
        ("Local", "local"),
        ("Nation & World", "world"),
        ("Business", "business"),
        ("Science", "science"),
        ("Sports", "sports"),
    ),
)
ZALIV = OutletProfile(
    key="zaliv",
    name="Залив Онлайн",
    lang="ru",
    country="RU",
    feed_kind="sitemap",
    feed_path="/sitemap-news.xml",
    sitemap_path="/sitemap-news.xml",
    path="/text/{slug}.html",
    template="portal",
    server="ZalivCMS",
    tagline="Городской новостной портал.",
    port_offset=3,
    sections=(
        ("Город", "gorod"),
        ("Происшествия", "proisshestviya"),
        ("Экономика", "ekonomika"),
        ("В мире", "mir"),
        ("Наука", "nauka"),
    ),
)

OUTLETS: tuple[OutletProfile, ...] = (COURIER, VESTNIK, LEDGER, ZALIV)
BY_KEY: dict[str, OutletProfile] = {o.key: o for o in OUTLETS}
