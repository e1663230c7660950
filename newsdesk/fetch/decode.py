"""Bytes to text: find the charset a page really uses, the way browsers do, then guess.

Order: a byte-order mark (unambiguous, and the HTML standard lets it override everything), the HTTP
``charset`` parameter, the document's own ``<meta charset>`` / ``http-equiv`` or XML declaration,
strict UTF-8, charset-normalizer detection, and finally UTF-8 with replacement characters. A declared charset
that fails to decode the bytes is a lie (common on old Russian and Chinese sites) and falls
through to the next source instead of producing mojibake.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_PRESCAN_BYTES = 4096  # why: <meta charset> must sit in the first 1024 bytes per HTML; allow sloppy pages
_DETECT_BYTES = 256 * 1024  # why: enough text for a confident guess; detection time grows with input
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels browsers decode differently from Python's codec of the same name (WHATWG Encoding).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
}
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_META = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I | re.S)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""", re.I)


def normalize_charset(label: str | None) -> str | None:
    """Python's codec name for a charset label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(content_type.encode("latin-1", "replace"))
    return match.group(1).decode("ascii") if match else None


def declared_in_document(body: bytes) -> str | None:
    """The charset a document declares about itself: XML declaration or ``<meta>``."""
    head = body[:_PRESCAN_BYTES]
    match = _XML_DECL.match(head) or _META.search(head)
    if not match:
        return None
    name = normalize_charset(match.group(1).decode("ascii"))
    if name and name.startswith(("utf-16", "utf-32")):
        # An ASCII-readable declaration cannot be UTF-16/32 (HTML standard): the author meant UTF-8.
        return "utf-8"
    return name


def _try(body: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes) -> str | None:
    match = from_bytes(body[:_DETECT_BYTES]).best()
    return normalize_charset(match.encoding) if match is not None else None


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str | None]:
    """``(text, encoding)``: the body decoded with the first charset that really fits it."""
    if not body:
        return "", normalize_charset(charset_from_content_type(content_type))
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, "replace"), encoding
    for declared in (
        normalize_charset(charset_from_content_type(content_type)),
        declared_in_document(body),
    ):
        text = _try(body, declared)
        if text is not None:
            return text, declared
    # Valid UTF-8 with multibyte sequences is almost never an accident, and pure ASCII is UTF-8 too:
    # cheaper and surer than statistical detection.
    as_utf8 = _try(body, "utf-8")
    if as_utf8 is not None:
        return as_utf8, "utf-8"
    detected = _detect(body)
    if detected:
        text = _try(body, detected)
        if text is not None:
            return text, detected
        # Detected on a prefix; a stray bad byte later should not discard the whole guess.
        return body.decode(detected, "replace"), detected
    return body.decode("utf-8", "replace"), "utf-8"
