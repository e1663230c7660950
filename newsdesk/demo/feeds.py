"""The demo outlets' feeds: RSS 2.0, Atom 1.0, JSON Feed 1.1 and Google news sitemaps, plus robots.txt.

One renderer per format so each outlet offers the kind real publishers do and the crawl reads all
four through the project's own parsers. Feeds carry teasers only (never the full text), so the
crawl must fetch and extract every page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.outlets import BY_KEY, OutletProfile
from newsdesk.demo.render import abs_url, lead_image_png, teaser_text

UTM = "?utm_source=rss&utm_medium=feed"  # the tracking query a feed adds to its tracked links


def _newest_first(articles: Iterable[DemoArticle]) -> list[DemoArticle]:
    return sorted(articles, key=lambda a: a.published_at, reverse=True)


def _link(a: DemoArticle, base_url: str, tracked: set[str]) -> str:
    return abs_url(base_url, a.path) + (UTM if a.slug in tracked else "")


def render_rss(
    outlet: OutletProfile, articles: Sequence[DemoArticle], base_url: str, *, utm_slugs: Iterable[str] = ()
) -> str:
    """RSS 2.0 with every article; links are absolute (``utm_slugs`` get a tracking query)."""
    tracked = set(utm_slugs)
    items = []
    for a in _newest_first(articles):
        creators = "".join(f"<dc:creator>{xml_escape(n)}</dc:creator>" for n in a.authors)
        categories = "".join(f"<category>{xml_escape(t)}</category>" for t in (a.section, *a.tags))
        items.append(
            "<item>"
            f"<title>{xml_escape(a.title)}</title>"
            f"<link>{xml_escape(_link(a, base_url, tracked))}</link>"
            f'<guid isPermaLink="false">{outlet.key}:{xml_escape(a.slug)}</guid>'
            f"<pubDate>{format_datetime(a.published_at)}</pubDate>"
            f"{creators}{categories}"
            f"<description>{xml_escape(teaser_text(a))}</description>"
            f'<enclosure url="{xml_escape(abs_url(base_url, a.image))}" type="image/png" '
            f'length="{len(lead_image_png(a.slug))}"/>'
            "</item>\n"
        )
    newest = max(a.published_at for a in articles)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{xml_escape(outlet.name)}</title>\n"
        f"<link>{xml_escape(abs_url(base_url, '/'))}</link>\n"
        f"<description>{xml_escape(outlet.tagline)}</description>\n"
        f"<language>{outlet.lang}</language>\n"
        f'<atom:link href="{xml_escape(abs_url(base_url, outlet.feed_path))}" rel="self" '
        'type="application/rss+xml"/>\n'
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n"
        "<ttl>30</ttl>\n" + "".join(items) + "</channel>\n</rss>\n"
    )


def render_atom(
    outlet: OutletProfile, articles: Sequence[DemoArticle], base_url: str, *, utm_slugs: Iterable[str] = ()
) -> str:
    """Atom 1.0: RFC 3339 times in the outlet's own zone, one ``<author>`` per author."""
    tracked = set(utm_slugs)
    entries = []
    for a in _newest_first(articles):
        authors = "".join(f"<author><name>{xml_escape(n)}</name></author>" for n in a.authors)
        categories = "".join(f'<category term="{xml_escape(t)}"/>' for t in (a.section, *a.tags))
        entries.append(
            "<entry>"
            f"<title>{xml_escape(a.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{xml_escape(_link(a, base_url, tracked))}"/>'
            f"<id>tag:{outlet.key}.example,2026:{xml_escape(a.slug)}</id>"
            f"<published>{a.published_at.isoformat()}</published>"
            f"<updated>{a.published_at.isoformat()}</updated>"
            f"{authors}{categories}"
            f'<summary type="text">{xml_escape(teaser_text(a))}</summary>'
            "</entry>\n"
        )
    newest = max(a.published_at for a in articles)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.lang}">\n'
        f"<title>{xml_escape(outlet.name)}</title>\n"
        f"<subtitle>{xml_escape(outlet.tagline)}</subtitle>\n"
        f'<link rel="alternate" type="text/html" href="{xml_escape(abs_url(base_url, "/"))}"/>\n'
        f'<link rel="self" type="application/atom+xml" href="{xml_escape(abs_url(base_url, outlet.feed_path))}"/>\n'
        f"<id>tag:{outlet.key}.example,2026:feed</id>\n"
        f"<updated>{newest.isoformat()}</updated>\n" + "".join(entries) + "</feed>\n"
    )


def render_json_feed(
    outlet: OutletProfile, articles: Sequence[DemoArticle], base_url: str, *, utm_slugs: Iterable[str] = ()
) -> str:
    """JSON Feed 1.1 with ``summary`` only (no ``content_html``: the page is the text)."""
    tracked = set(utm_slugs)
    items = [
        {
            "id": f"{outlet.key}-{a.slug}",
            "url": _link(a, base_url, tracked),
            "title": a.title,
            "summary": teaser_text(a),
            "image": abs_url(base_url, a.image),
            "date_published": a.published_at.isoformat(),
            "authors": [{"name": n} for n in a.authors],
            "tags": [a.section, *a.tags],
            "language": a.lang,
        }
        for a in _newest_first(articles)
    ]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": outlet.name,
        "description": outlet.tagline,
        "home_page_url": abs_url(base_url, "/"),
        "feed_url": abs_url(base_url, outlet.feed_path),
        "language": outlet.lang,
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"


def render_news_sitemap(outlet: OutletProfile, articles: Sequence[DemoArticle], base_url: str) -> str:
    """A Google news sitemap (urlset with news:news blocks)."""
    rows = []
    for a in _newest_first(articles):
        rows.append(
            "<url>"
            f"<loc>{xml_escape(abs_url(base_url, a.path))}</loc>"
            "<news:news><news:publication>"
            f"<news:name>{xml_escape(outlet.name)}</news:name>"
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


def render_robots(outlet: OutletProfile, base_url: str) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {abs_url(base_url, outlet.sitemap_path)}\n"


FeedRenderer = Callable[..., str]
FEEDS: dict[str, tuple[FeedRenderer, str]] = {
    "rss": (render_rss, "application/rss+xml; charset=utf-8"),
    "atom": (render_atom, "application/atom+xml; charset=utf-8"),
    "json": (render_json_feed, "application/feed+json; charset=utf-8"),
}


def feed_document(
    outlet_key: str, articles: Sequence[DemoArticle], base_url: str, *, utm_slugs: Iterable[str] = ()
) -> tuple[str, str] | None:
    """(body, content type) of the outlet's feed; None for the sitemap-only outlet."""
    outlet = BY_KEY[outlet_key]
    if outlet.feed_kind not in FEEDS:
        return None
    render, content_type = FEEDS[outlet.feed_kind]
    return render(outlet, articles, base_url, utm_slugs=utm_slugs), content_type
