"""Tell what a fetched document is before any parser sees it, and make XML safe to parse.

Servers mislabel content all the time (feeds as ``text/html``, HTML error pages as
``application/rss+xml``), so the body decides and the content type only breaks ties. Hostile XML is
defused here once: gzip is decompressed with a cap, DOCTYPE internal subsets (where entity bombs
live) are removed before feedparser runs, and lxml parsers never resolve entities or touch the network.
"""

from __future__ import annotations

import codecs
import re
import zlib
from typing import Literal

from lxml import etree

from newsdesk.errors import ParseError
from newsdesk.models import MAX_URL_CHARS

Format = Literal["rss", "json", "sitemap", "html", "opml", "unknown"]

# The sitemap protocol's own ceiling for one file after decompression; feeds never come near it.
MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024
# The root element of real documents comes within the first few KB; comments or a DOCTYPE longer
# than this are not worth scanning for one.
SNIFF_BYTES = 64 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_PROLOG = re.compile(
    rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>)", re.IGNORECASE | re.DOTALL
)
_ROOT = re.compile(rb"\s*<([A-Za-z_][\w:.-]*)")
_DOCTYPE = re.compile(rb"<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>", re.IGNORECASE | re.DOTALL)

_ROOTS: dict[str, Format] = {
    "rss": "rss",
    "rdf": "rss",  # RSS 1.0 is <rdf:RDF>
    "feed": "rss",  # Atom; feedparser reads both
    "entry": "rss",  # an Atom Entry document (RFC 4287 §4.1.2): a feed of one entry
    "channel": "rss",  # bare RSS 0.9 fragments some servers send
    "urlset": "sitemap",
    "sitemapindex": "sitemap",
    "html": "html",
    "head": "html",  # fragments of pages whose <html> tag was left out
    "body": "html",
    "opml": "opml",
}


def gunzip(body: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """``body`` decompressed if it starts with the gzip magic, refusing more than ``limit`` bytes out."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ParseError(f"bad gzip data: {exc}", reason="malformed") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise ParseError(f"more than {limit} bytes once decompressed", reason="too_large")
    return out


def _strip_bom(head: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf",):
        if head.startswith(bom):
            return head[len(bom):]
    return head


def _as_ascii_compatible(head: bytes) -> bytes:
    """UTF-16/32 documents re-encoded so the byte regexes below can read their markup."""
    for start, codec in (*_XML_BOMS, *_XML_NO_BOM[:2]):  # marks, then UTF-32 told by its "<"
        if codec != "utf-8" and head.startswith(start):
            skip = len(start) if start in dict(_XML_BOMS) else 0
            return head[skip:].decode(codec, "ignore").encode("utf-8", "ignore")
    if len(head) > 4 and head[1:2] == b"\x00" and head[:1] == b"<":
        return head.decode("utf-16-le", "ignore").encode("utf-8", "ignore")
    if len(head) > 4 and head[:1] == b"\x00" and head[1:2] == b"<":
        return head.decode("utf-16-be", "ignore").encode("utf-8", "ignore")
    return head


def root_name(body: bytes) -> str | None:
    """Local name of the first element, lower case, skipping the XML declaration, comments, DOCTYPE."""
    head = _strip_bom(_as_ascii_compatible(body[:SNIFF_BYTES]))
    pos = 0
    while True:
        match = _PROLOG.match(head, pos)
        if not match:
            break
        pos = match.end()
    root = _ROOT.match(head, pos)
    if not root:
        return None
    return root.group(1).decode("ascii", "ignore").rsplit(":", 1)[-1].lower()


def sniff(body: bytes, content_type: str | None = None) -> Format:
    """What ``body`` is (already decompressed): the document's own shape first, the header last."""
    head = _strip_bom(_as_ascii_compatible(body[:SNIFF_BYTES])).lstrip()
    if head.startswith((b"{", b"[")):
        return "json" if b"jsonfeed.org" in head or b'"items"' in head else "unknown"
    if head[:15].lower().startswith(b"<!doctype html"):
        return "html"
    name = root_name(body)
    if name is not None:
        return _ROOTS.get(name, "unknown")
    ctype = (content_type or "").lower()
    if "html" in ctype and head:
        return "html"
    return "unknown"


def strip_doctype(body: bytes) -> bytes:
    """Remove the DOCTYPE from the prolog: its internal subset is where entity bombs are declared.

    Feeds have no use for declared entities (RSS 0.91's HTML entities are handled by feedparser's
    lenient fallback), so the declaration goes rather than being interpreted. Only the prolog is
    touched: a ``<!DOCTYPE`` after the root element starts is text (an escaped HTML page in a
    description, a CDATA section) and belongs to the content.
    """
    pos = 0
    while True:
        match = _PROLOG.match(body, pos, SNIFF_BYTES)
        if not match:
            return body
        doctype = _DOCTYPE.search(body, match.start(), match.end())
        if doctype is not None:
            return body[: doctype.start()] + body[doctype.end():]
        pos = match.end()


_XML_DECL = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9_.:-]+)([\"'])")
_XML_DECL_TEXT = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9_.:-]+)([\"'])")
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Byte-order marks, UTF-32 before UTF-16: UTF-32 LE's mark starts with UTF-16 LE's.
_XML_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# XML 1.0 Appendix F: without a mark, the bytes of "<" (or "<?") tell UTF-32 and UTF-16 apart.
_XML_NO_BOM = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
# Single-byte Latin codecs a detector confuses on short western text; unlabeled, such text is
# windows-1252 (the WHATWG default, and feedparser's own fallback).
_WESTERN_GUESSES = frozenset(codecs.lookup(label).name for label in (
    "cp1250", "cp1252", "cp1254", "cp1257", "latin-1", "iso-8859-2", "iso-8859-3", "iso-8859-4",
    "iso-8859-9", "iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16",
    "mac-latin2", "mac-roman", "mac-iceland", "mac-turkish", "cp850", "cp437",
))


def _codec(label: str | None) -> str | None:
    """Python's codec for a charset label; Latin-1 and ASCII labels read as windows-1252, as browsers
    and feed readers do (such feeds carry its curly quotes and dashes in 0x80–0x9F)."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in ("iso8859-1", "ascii") else name


def _is_xml_media_type(content_type: str | None) -> bool:
    """RFC 7303: text/xml, application/xml and every ``+xml`` type, whose charset parameter rules."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media in ("text/xml", "application/xml", "application/xml-external-parsed-entity",
                     "text/xml-external-parsed-entity", "application/xml-dtd") or media.endswith("+xml")


def _decodes(body: bytes, codec: str | None) -> str | None:
    if not codec:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def xml_text(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, codec)``: an XML document decoded by the XML spec's precedence, a guess last.

    Order (XML 1.0 §4.3.3 and Appendix F, RFC 7303 §3): a byte-order mark; the HTTP ``charset``
    of an XML media type; UTF-32/UTF-16 told by the bytes of the first ``<``; the XML declaration;
    the ``charset`` of any other media type (a server's word is still evidence); UTF-8, the
    default; and only then a detected charset. A label that fails to decode the bytes is a lie and
    falls through to the next one instead of producing mojibake.
    """
    for bom, codec in _XML_BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, "replace"), codec
    match = _CHARSET_PARAM.search(content_type or "")
    http_codec = _codec(match.group(1)) if match else None
    if _is_xml_media_type(content_type) and (text := _decodes(body, http_codec)) is not None:
        if http_codec in _WESTERN_GUESSES and (as_utf8 := _decodes(body, "utf-8")) is not None:
            # a single-byte charset decodes any bytes, so it cannot be refuted; valid multibyte
            # UTF-8 is almost never an accident, and "charset=iso-8859-1" is a server default
            return as_utf8, "utf-8"
        return text, str(http_codec)
    for start, codec in _XML_NO_BOM:
        if body.startswith(start):
            return body.decode(codec, "replace"), codec
    declared = _XML_DECL.match(body[:512])
    declared_codec = _codec(declared.group(2).decode("ascii")) if declared else None
    if declared_codec and declared_codec.startswith(("utf-16", "utf-32")):
        declared_codec = "utf-8"  # an ASCII-readable declaration cannot be in UTF-16/32
    for label in (declared_codec, http_codec, "utf-8"):
        if (text := _decodes(body, label)) is not None:
            return text, str(label)
    guess = _guess(body)
    return body.decode(guess, "replace"), guess


def _guess(body: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:SNIFF_BYTES * 4]).best()
    codec = _codec(best.encoding) if best is not None else None
    if codec is None or codec in _WESTERN_GUESSES:
        return "cp1252"
    return codec


def to_utf8(body: bytes, content_type: str | None = None) -> bytes:
    """``body`` re-encoded as UTF-8 (see :func:`xml_text`), its XML declaration saying so.

    Every parser after this one reads plain UTF-8, so the charset is decided once, here, with the
    HTTP header in view; feedparser and lxml would otherwise each guess again without it.
    """
    declared = _XML_DECL.match(body[:512])
    wide_label = declared is not None and declared.group(2).lower().startswith((b"utf-16", b"utf-32", b"ucs"))
    if body.isascii() and not body.startswith((b"<\x00", b"\x00")) and not wide_label:
        return body  # ASCII is UTF-8 whatever the label says (the common case, and the fast one)
    text, _codec_used = xml_text(body, content_type)
    text = _XML_DECL_TEXT.sub(lambda m: m.group(1) + "utf-8" + m.group(3), text, count=1)
    return text.encode("utf-8")


def safe_xml_parser(*, recover: bool = True) -> etree.XMLParser:
    """An lxml parser that never expands entities, loads DTDs, touches the network or grows huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(body: bytes, *, recover: bool = True) -> tuple[etree._Element, str | None]:
    """A safely parsed tree of ``body`` (DOCTYPE removed first) and the first error recovered from.

    With ``recover`` a truncated document still gives what was complete; the caller decides whether
    that is usable. Nothing readable at all is :class:`ParseError` ``malformed``.
    """
    parser = safe_xml_parser(recover=recover)
    try:
        root = etree.fromstring(strip_doctype(to_utf8(body)), parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}", reason="malformed") from exc
    if root is None:
        raise ParseError("no XML element could be read", reason="malformed")
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    return root, (errors[0].message if errors else None)


def local(tag: object) -> str:
    """Local name of an lxml tag (namespace dropped); '' for comments and processing instructions."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def looks_like_feed(body: bytes, content_type: str | None = None) -> bool:
    """True when ``body`` is RSS, Atom, JSON Feed or a sitemap, whatever the server called it."""
    try:
        body = gunzip(body)
    except ParseError:
        return False
    return sniff(body, content_type) in ("rss", "json", "sitemap") or looks_like_text_sitemap(body)


# sitemaps.org: a text sitemap is UTF-8, one URL per line, nothing else; the first line must be one.
# Its bytes are searched no further than a URL's longest length, plus a line end.
_TEXT_SITEMAP_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*https?://[^\s<>\"]+[ \t]*(\r?\n|\Z)", re.IGNORECASE)
_TEXT_SITEMAP_HEAD = MAX_URL_CHARS + 2


def looks_like_text_sitemap(body: bytes) -> bool:
    """A plain-text sitemap: the document's first line is one http(s) URL and nothing else."""
    return _TEXT_SITEMAP_START.match(body[:_TEXT_SITEMAP_HEAD]) is not None
