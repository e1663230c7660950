"""OPML shapes found in the public awesome-rss-feeds lists (plenaryapp/awesome-rss-feeds) and in
readers' exports: bare ``&`` in URLs and titles, attribute names in any case, typed and untyped
outlines, url-only and htmlUrl-only outlines, feeds nested under feeds, duplicates. Every outline
is either imported with its folder and kind, or reported as skipped with a reason.

The first folder copies outlines of ``countries/with_category/Bangladesh.opml`` (the bdnews24 URL
with ``&widgetId=1150&getXmlFeed=true`` is the one that came out as ``=1150=true``).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from newsdesk.cli import main
from newsdesk.pipeline.crawl import refresh_feed
from newsdesk.pipeline.follow import export_opml, import_opml
from newsdesk.settings import Settings
from newsdesk.sources import parse_opml, read_opml
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Feed
from tests.support.origin import Origin

CORPUS = """<?xml version='1.0' encoding='UTF-8' ?>
<opml version="1.0">
\t<head>
\t\t<title>Export from Plenary</title>
\t\t<url>https://play.google.com/store/apps/details?id=com.spians.plenary</url>
\t</head>
\t<body>
\t\t<outline text="Bangladesh" title="Bangladesh">
\t\t\t<outline text="The Daily Star" title="The Daily Star" description="Headlines from The Daily Star" xmlUrl="https://www.thedailystar.net/frontpage/rss.xml" type="rss" />
\t\t\t<outline text="bdnews24.com - Home" title="bdnews24.com - Home" description="The RSS feed of bdnews24.com" xmlUrl="https://bdnews24.com/?widgetName=rssfeed&widgetId=1150&getXmlFeed=true" type="rss" />
\t\t\t<outline text="প্রথম আলো" title="প্রথম আলো" description="" xmlUrl="https://www.prothomalo.com/feed/" type="rss" />
\t\t</outline>
\t\t<outline text="Business & Economy" title="Business & Economy">
\t\t\t<outline text="Caf&eacute; &amp; Bourse&nbsp;" xmlurl="https://bourse.example.fr/rss?a=1&amp;b=2" htmlurl="https://bourse.example.fr/"/>
\t\t\t<outline TEXT="Shouting" XMLURL="https://loud.example.com/feed" TYPE="RSS"/>
\t\t\t<outline text="Atom one" type="atom" xmlUrl="https://atom.example.org/feed.atom"/>
\t\t\t<outline text="JSON one" type="jsonfeed" url="https://json.example.org/feed.json"/>
\t\t\t<outline text="Sitemap one" type="sitemap" xmlUrl="https://news.example.org/sitemap_news.xml"/>
\t\t\t<outline text="Parent feed" type="rss" xmlUrl="https://parent.example.org/rss">
\t\t\t\t<outline text="Child feed" type="rss" xmlUrl="https://child.example.org/rss"/>
\t\t\t</outline>
\t\t\t<outline text="Startups">
\t\t\t\t<outline text="Deep & nested" xmlUrl="https://deep.example.org/rss"/>
\t\t\t</outline>
\t\t</outline>
\t\t<outline text="Only a web page" htmlUrl="https://page.example.org/"/>
\t\t<outline text="A link" type="link" url="https://link.example.org/"/>
\t\t<outline text="Included list" type="include" url="https://lists.example.org/more.opml"/>
\t\t<outline text="Script" xmlUrl="javascript:alert(1)"/>
\t\t<outline text="Relative" xmlUrl="/feed.xml"/>
\t\t<outline text="The Daily Star again" xmlUrl="https://www.thedailystar.net/frontpage/rss.xml" type="rss"/>
\t\t<outline text="Vertical\x0btab" xmlUrl="https://ctl.example/rss"/>
\t\t<outline text="Quoted" description="he said "hi" there" xmlUrl="https://quoted.example/rss"/>
\t\t<outline text="Empty folder"/>
\t</body>
</opml>
"""

IMPORTED = {
    # url: (title, folder, kind)
    "https://www.thedailystar.net/frontpage/rss.xml": ("The Daily Star", "Bangladesh", "rss"),
    "https://bdnews24.com/?widgetName=rssfeed&widgetId=1150&getXmlFeed=true": ("bdnews24.com - Home", "Bangladesh", "rss"),
    "https://www.prothomalo.com/feed/": ("প্রথম আলো", "Bangladesh", "rss"),
    "https://bourse.example.fr/rss?a=1&b=2": ("Café & Bourse", "Business & Economy", None),
    "https://loud.example.com/feed": ("Shouting", "Business & Economy", "rss"),
    "https://atom.example.org/feed.atom": ("Atom one", "Business & Economy", "atom"),
    "https://json.example.org/feed.json": ("JSON one", "Business & Economy", "json"),
    "https://news.example.org/sitemap_news.xml": ("Sitemap one", "Business & Economy", "sitemap"),
    "https://parent.example.org/rss": ("Parent feed", "Business & Economy", "rss"),
    "https://child.example.org/rss": ("Child feed", "Business & Economy", "rss"),
    "https://deep.example.org/rss": ("Deep & nested", "Business & Economy/Startups", None),
    "https://ctl.example/rss": ("Vertical tab", None, None),  # a control character lxml would stop at
}
# the quoted outline's broken attributes lose its xmlUrl: reported as malformed, not dropped silently
SKIPPED_REASONS = ["no_feed_url", "not_a_feed", "not_a_feed", "bad_url", "bad_url", "duplicate", "malformed"]


def test_every_outline_is_a_feed_or_a_reason() -> None:
    document = read_opml(CORPUS.encode("utf-8"))
    assert {f.url: (f.title, f.category, f.kind) for f in document.feeds} == IMPORTED
    assert [reason for reason, _detail in document.skipped] == SKIPPED_REASONS
    details = " | ".join(detail for _reason, detail in document.skipped)
    assert "Only a web page" in details and "javascript:alert(1)" in details and "Included list" in details


def test_ampersands_survive_in_urls_whether_given_as_bytes_or_text() -> None:
    for data in (CORPUS, CORPUS.encode("utf-8")):
        urls = [f.url for f in parse_opml(data)]
        assert "https://bdnews24.com/?widgetName=rssfeed&widgetId=1150&getXmlFeed=true" in urls


def cli(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"NEWSDESK_DATABASE_URL": db_url}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_import_reports_skips_and_export_keeps_folders_and_kinds(db_url: str, tmp_path: Path) -> None:
    opml = tmp_path / "corpus.opml"
    opml.write_text(CORPUS, "utf-8")
    output = cli(db_url, "sources", "import-opml", str(opml))
    assert f"imported {len(IMPORTED)} feeds, skipped {len(SKIPPED_REASONS)}" in output
    assert "skipped no_feed_url: Only a web page" in output
    again = json.loads(cli(db_url, "sources", "import-opml", str(opml), "--json"))
    assert again["added"] == []
    assert len(again["skipped"]) == len(SKIPPED_REASONS) + len(IMPORTED)
    assert sum(line.startswith("already_followed: ") for line in again["skipped"]) == len(IMPORTED)
    listed = json.loads(cli(db_url, "sources", "list", "--json"))
    kinds = {feed["url"]: feed["kind"] for source in listed for feed in source["feeds"]}
    assert kinds == {url: kind or "rss" for url, (_t, _f, kind) in IMPORTED.items()}
    exported = read_opml(cli(db_url, "sources", "export-opml"))
    assert {f.url: (f.title, f.category, f.kind) for f in exported.feeds} == {
        url: (title, folder, kind or "rss") for url, (title, folder, kind) in IMPORTED.items()
    }
    assert exported.skipped == ()


def test_first_fetch_settles_the_kind_of_an_untyped_outline(db_url: str, origin: Origin, tmp_path: Path) -> None:
    atom = (f'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>'
            f'<updated>2026-11-01T00:00:00Z</updated><entry><title>One</title><id>urn:1</id>'
            f'<link href="{origin.url("/n/1")}"/><updated>2026-11-01T00:00:00Z</updated></entry></feed>')
    origin.route("/atom", atom, content_type="application/atom+xml")
    opml = tmp_path / "one.opml"
    opml.write_text(f'<opml version="2.0"><body><outline text="Tech"><outline text="A" xmlUrl="{origin.url("/atom")}"/>'
                    "</outline></body></opml>", "utf-8")
    settings = Settings(database_url=db_url, fetch_allow_private_networks=True, fetch_per_host_delay=0.0)
    added, skipped = import_opml(settings, opml)
    assert skipped == [] and added[0].feeds == [{"url": origin.url("/atom"), "kind": "rss"}]
    with session_scope(engine_for(db_url)) as session:
        feed_id = session.scalars(select(Feed.id)).one()
    refresh_feed(settings, feed_id)
    exported = read_opml(export_opml(settings)).feeds
    assert [(f.url, f.kind, f.category) for f in exported] == [(origin.url("/atom"), "atom", "Tech")]
