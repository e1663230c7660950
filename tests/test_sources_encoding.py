"""Charsets of feeds by the XML spec's precedence, DOCTYPE only in the prolog, Atom Entry documents.

The Latin-1 sample is Miniflux's ``internal/reader/encoding/testdata/no_encoding_ISO-8859-1.xml``
case (no XML declaration; the charset is in the HTTP header), rewritten here as a small fixture.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsdesk.models import FeedKind
from newsdesk.sources import looks_like_feed, parse_feed
from newsdesk.sources.sniff import strip_doctype, xml_text

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FRENCH = "La criminalité liée surtout à... l'ennui ?"


def rss(title: str, decl: str = "") -> str:
    return (f"{decl}<rss version=\"2.0\"><channel><title>Le fil</title><link>http://example.org/</link>"
            f"<item><title>{title}</title><link>http://example.org/a</link></item></channel></rss>")


def first_title(body: bytes, content_type: str | None = None) -> str | None:
    return parse_feed(body, "http://example.org/feed", content_type, now=NOW).entries[0].title


def test_latin1_without_declaration_uses_the_http_charset() -> None:
    body = rss(FRENCH).encode("latin-1")
    assert first_title(body, "application/xml; charset=ISO-8859-1") == FRENCH


def test_latin1_label_reads_windows_1252_quotes() -> None:
    body = rss("\u201cQuoted\u201d \u2014 caf\u00e9").encode("cp1252")
    assert first_title(body, "application/xml; charset=ISO-8859-1") == "\u201cQuoted\u201d \u2014 caf\u00e9"
    declared = rss("\u201cQuoted\u201d", '<?xml version="1.0" encoding="ISO-8859-1"?>').encode("cp1252")
    assert first_title(declared) == "\u201cQuoted\u201d"


def test_latin1_without_any_label_is_read_as_windows_1252_not_a_central_european_guess() -> None:
    body = rss(FRENCH + " Été déjà reçu").encode("latin-1")
    assert first_title(body) == FRENCH + " Été déjà reçu"


def test_utf8_cyrillic_with_character_references_and_http_charset() -> None:
    body = rss("Новости &#8212; главное за день").encode("utf-8")
    assert first_title(body, "application/rss+xml; charset=utf-8") == "Новости — главное за день"


def test_windows_1251_without_declaration_uses_the_http_charset() -> None:
    body = rss("Цитата #17703 — мир").encode("cp1251")
    assert first_title(body, "text/xml; charset=windows-1251") == "Цитата #17703 — мир"


def test_http_charset_of_an_xml_type_overrides_the_declaration() -> None:
    """RFC 7303 §3: the charset parameter of an XML media type is authoritative."""
    body = rss(FRENCH, '<?xml version="1.0" encoding="utf-8"?>').encode("latin-1")
    assert first_title(body, "application/rss+xml; charset=iso-8859-1") == FRENCH


def test_utf8_under_a_server_default_latin1_charset_stays_utf8() -> None:
    """A single-byte label cannot be refuted by decoding; valid multibyte UTF-8 refutes it."""
    body = rss("Привет — Zürich").encode("utf-8")
    assert xml_text(body, "application/rss+xml; charset=ISO-8859-1")[1] == "utf-8"
    assert first_title(body, "application/rss+xml; charset=ISO-8859-1") == "Привет — Zürich"


def test_declaration_wins_over_a_non_xml_types_charset() -> None:
    body = rss("Новости", '<?xml version="1.0" encoding="windows-1251"?>').encode("cp1251")
    assert first_title(body, "text/html; charset=iso-8859-1") == "Новости"
    assert xml_text(body, "text/html; charset=iso-8859-1")[1] == "cp1251"


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"])
def test_utf32_and_utf16_with_and_without_bom(codec: str) -> None:
    body = rss("Привет — 東京", '<?xml version="1.0" encoding="utf-32"?>' if "32" in codec else "").encode(codec)
    feed = parse_feed(body, "http://example.org/feed", None, now=NOW)
    assert feed.kind is FeedKind.RSS
    assert feed.entries[0].title == "Привет — 東京"
    assert looks_like_feed(body)  # what `sources add` asks before parsing


def test_ascii_document_labelled_utf16_is_read_as_the_utf8_it_is() -> None:
    body = (b'<?xml version="1.0" encoding="UTF-16"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://example.org/a</loc></url></urlset>")
    assert [e.url for e in parse_feed(body, "https://example.org/sitemap.xml", None, now=NOW).entries] == [
        "https://example.org/a"
    ]


def test_doctype_is_stripped_only_in_the_prolog() -> None:
    prolog = b'<?xml version="1.0"?>\n<!-- c --><!DOCTYPE rss [<!ENTITY a "b">]>\n<rss/>'
    assert b"DOCTYPE" not in strip_doctype(prolog)
    later = b"<rss><channel><description><![CDATA[<!DOCTYPE html><p>x</p>]]></description></channel></rss>"
    assert strip_doctype(later) == later


def test_atom_entry_document_is_a_feed_of_one_entry() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
    <entry xmlns="http://www.w3.org/2005/Atom"><title>Only one</title>
    <link href="https://example.org/one"/><id>urn:uuid:1</id><updated>2024-05-01T10:00:00Z</updated></entry>"""
    feed = parse_feed(body, "https://example.org/entry.atom", "application/atom+xml;type=entry", now=NOW)
    assert feed.kind is FeedKind.ATOM
    assert [(e.url, e.title) for e in feed.entries] == [("https://example.org/one", "Only one")]
