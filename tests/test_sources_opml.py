"""OPML import and export: round trips with nested folders, readers' real exports, hostile files."""

from __future__ import annotations

import pytest

from newsdesk.errors import ParseError
from newsdesk.models import OutlineFeed
from newsdesk.sources import parse_opml, write_opml

FEEDS = [
    OutlineFeed("https://a.example.de/rss", 'A & B <Zeitung> "quoted"', "https://a.example.de/", "World/Europe", "de",
                "rss"),
    OutlineFeed("https://d.example.fr/feed?x=1&y=2", "Le D", None, "World/Europe", "fr-ca", "json"),
    OutlineFeed("https://c.example.com/atom.xml", "C", None, "World", None, "atom"),
    OutlineFeed("https://n.example.jp/rss", "日本のニュース", "https://n.example.jp/", "Asia/Japan/Tokyo", "ja", "sitemap"),
    OutlineFeed("https://b.example.com/feed", None, None, None, None, "rss"),
]


def test_round_trip_with_nested_categories() -> None:
    text = write_opml(FEEDS, title="My <feeds>")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "My &lt;feeds&gt;" in text
    assert parse_opml(text) == FEEDS
    assert parse_opml(text.encode("utf-8")) == FEEDS


def test_round_trip_groups_interleaved_categories() -> None:
    feeds = [
        OutlineFeed("https://1.example/rss", "1", None, "Tech", None, "rss"),
        OutlineFeed("https://2.example/rss", "2", None, "Sport", None, "rss"),
        OutlineFeed("https://3.example/rss", "3", None, "Tech", None, "rss"),
    ]
    again = parse_opml(write_opml(feeds))
    assert sorted(again, key=lambda f: f.url) == feeds
    assert [f.url for f in again] == ["https://1.example/rss", "https://3.example/rss", "https://2.example/rss"]


def test_reader_export_with_folders_and_odd_outlines() -> None:
    opml = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0">
  <head><title>Subscriptions from a reader</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="Caf\xe9 Times" type="rss" xmlUrl="http://cafe.example.com/rss" htmlUrl="/"/>
      <outline text="Nested" >
        <outline text="Deep" type="rss" xmlUrl="https://deep.example.com/feed.xml"/>
      </outline>
      <outline text="no feed url here" htmlUrl="https://page.example.com/"/>
      <outline text="bad scheme" xmlUrl="javascript:alert(1)"/>
      <outline text="relative" xmlUrl="/feed.xml"/>
    </outline>
    <outline text="Top level" xmlurl="https://top.example.com/rss" category="/Tech/AI,/Other" language="EN_us"/>
    <outline text="Dup" xmlUrl="http://cafe.example.com/rss"/>
  </body>
</opml>"""
    feeds = parse_opml(opml)
    assert feeds == [
        OutlineFeed("http://cafe.example.com/rss", "Café Times", "http://cafe.example.com/", "News", None, "rss"),
        OutlineFeed("https://deep.example.com/feed.xml", "Deep", None, "News/Nested", None, "rss"),
        OutlineFeed("https://top.example.com/rss", "Top level", None, "Tech/AI", "en-us"),
    ]


def test_entity_bomb_is_not_expanded() -> None:
    ents = '<!ENTITY a0 "boom">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = f"""<?xml version="1.0"?><!DOCTYPE opml [{ents}]>
<opml version="2.0"><head><title>&a9;</title></head><body>
<outline text="&a9;" title="&a9;" xmlUrl="https://bomb.example/rss"/>
<outline text="fine" xmlUrl="https://fine.example/rss"/>
</body></opml>"""
    try:
        feeds = parse_opml(bomb)
    except ParseError as err:
        assert err.reason == "malformed"
        return
    assert "https://fine.example/rss" in [f.url for f in feeds]
    assert all(len(f.title or "") < 100 for f in feeds)


def test_external_entity_is_not_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    doc = f"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "{secret.as_uri()}">]>
<opml version="2.0"><body><outline text="&x;" xmlUrl="https://x.example/rss"/></body></opml>"""
    try:
        feeds = parse_opml(doc)
    except ParseError:
        return
    assert "TOP-SECRET" not in repr(feeds)


def test_missing_xml_urls_give_nothing_and_non_opml_is_refused() -> None:
    assert parse_opml('<opml version="2.0"><body><outline text="a"/><outline text="b"><outline/></outline></body></opml>') == []
    assert parse_opml('<opml version="2.0"><head/></opml>') == []
    with pytest.raises(ParseError) as err:
        parse_opml("<rss><channel/></rss>")
    assert err.value.reason == "unknown_format"
    with pytest.raises(ParseError) as err:
        parse_opml("this is not xml")
    assert err.value.reason == "malformed"


def test_very_deep_nesting_stops() -> None:
    depth = 200
    doc = '<opml version="2.0"><body>' + '<outline text="f">' * depth
    doc += '<outline text="x" xmlUrl="https://deep.example/rss"/>' + "</outline>" * depth + "</body></opml>"
    assert parse_opml(doc) == []  # beyond any folder tree a person makes: not walked
    shallow = '<opml version="2.0"><body>' + '<outline text="f">' * 3
    shallow += '<outline text="x" xmlUrl="https://deep.example/rss"/>' + "</outline>" * 3 + "</body></opml>"
    assert parse_opml(shallow)[0].category == "f/f/f"
