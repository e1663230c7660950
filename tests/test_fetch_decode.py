"""Charset decisions of ``decode_body``: BOM, HTTP header, document declaration, detection, fallback."""

from __future__ import annotations

import codecs

import pytest

from newsdesk.fetch.decode import decode_body, normalize_charset

RUSSIAN = (
    "Москва. В понедельник правительство объявило о новых мерах поддержки малого бизнеса. "
    "По словам министра, программа начнёт работать уже в следующем месяце и охватит все регионы страны."
)
GERMAN = "Die Bundesregierung hat am Montag neue Maßnahmen für kleine Unternehmen angekündigt. Über größere Änderungen wird später entschieden."


def test_http_charset_wins_over_the_document() -> None:
    html = f'<meta charset="utf-8"><p>{RUSSIAN}</p>'
    assert decode_body(html.encode("koi8-r"), "text/html; charset=KOI8-R") == (html, "koi8-r")


def test_quoted_and_aliased_http_charsets() -> None:
    body = GERMAN.encode("cp1252")
    assert decode_body(body, 'text/html; charset="iso-8859-1"') == (GERMAN, "cp1252")  # as browsers read it
    assert decode_body("€5".encode("cp1252"), "text/plain; charset=latin1") == ("€5", "cp1252")


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_byte_order_mark_is_unambiguous(bom: bytes, encoding: str) -> None:
    body = bom + f"<p>{RUSSIAN}</p>".encode(encoding)
    # The BOM overrides even a (wrong) HTTP charset, as the HTML standard says.
    assert decode_body(body, "text/html; charset=iso-8859-1") == (f"<p>{RUSSIAN}</p>", encoding)


def test_meta_charset_and_http_equiv_and_xml_declaration() -> None:
    meta = f"<html><head><meta charset='windows-1251'><title>{RUSSIAN}</title>"
    equiv = '<meta http-equiv="content-type" content="text/html;charset=shift_jis"><p>日本語のニュース</p>'
    xml = f'<?xml version="1.0" encoding="ISO-8859-15"?><rss><title>{GERMAN} €</title></rss>'
    assert decode_body(meta.encode("cp1251"), "text/html") == (meta, "cp1251")
    assert decode_body(equiv.encode("shift_jis"), None) == (equiv, "shift_jis")
    assert decode_body(xml.encode("iso-8859-15"), "application/xml") == (xml, "iso8859-15")


def test_meta_declaring_utf16_means_utf8() -> None:
    html = f'<meta charset="utf-16"><p>{RUSSIAN}</p>'
    assert decode_body(html.encode("utf-8"), "text/html") == (html, "utf-8")


def test_undeclared_legacy_encodings_are_detected() -> None:
    assert decode_body(f"<p>{RUSSIAN}</p>".encode("cp1251"), "text/html") == (f"<p>{RUSSIAN}</p>", "cp1251")
    assert decode_body(RUSSIAN.encode("koi8-r"), None) == (RUSSIAN, "koi8-r")


def test_wrong_declarations_fall_through() -> None:
    body = f'<meta charset="utf-8"><p>{RUSSIAN}</p>'.encode("cp1251")
    text, encoding = decode_body(body, "text/html; charset=utf-8")
    assert encoding == "cp1251" and RUSSIAN in text


def test_unknown_labels_are_ignored() -> None:
    assert decode_body("ünïcode".encode(), "text/html; charset=x-no-such-charset") == ("ünïcode", "utf-8")


def test_undeclared_utf8_and_ascii() -> None:
    assert decode_body("<p>Größe ☃</p>".encode(), None) == ("<p>Größe ☃</p>", "utf-8")
    assert decode_body(b"plain ascii", None) == ("plain ascii", "utf-8")
    assert decode_body(b"", "text/html; charset=koi8-r") == ("", "koi8-r")


def test_garbage_never_raises() -> None:
    body = bytes(range(256)) * 10
    text, encoding = decode_body(body, "text/html; charset=utf-8")
    assert isinstance(text, str) and text and encoding


def test_normalize_charset() -> None:
    assert normalize_charset("UTF8") == "utf-8"
    assert normalize_charset(" 'Windows-1251' ") == "cp1251"
    assert normalize_charset("gb2312") == "gb18030"
    assert normalize_charset("nope") is None and normalize_charset(None) is None
