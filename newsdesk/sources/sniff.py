"""Tell what a fetched document is before any parser sees it, and make XML safe to parse.

Servers mislabel content all the time (feeds as ``text/html``, HTML error pages as
``application/rss+xml``), so the body decides and the content type only breaks ties. Hostile XML is
defused here once: gzip is decompressed with a cap, DOCTYPE internal subsets (where entity bombs
live) are removed before feedparser runs, and lxml parsers never resolve entities or touch the network.
"""

from __future__ import annotations

import re
import zlib
from typing import Literal

from lxml import etree

from newsdesk.errors import ParseError

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
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(codec, "ignore").encode("utf-8", "ignore")
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
    lenient fallback), so the declaration goes rather than being interpreted.
    """
    head = body[:SNIFF_BYTES]
    match = _DOCTYPE.search(head)
    if not match:
        return body
    return body[: match.start()] + body[match.end():]


_XML_DECL = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9_.:-]+)([\"'])")


def repair_encoding(body: bytes) -> bytes:
    """``body`` as UTF-8 when its declared encoding (UTF-8 if none) cannot decode it.

    Servers often send windows-1251 or latin-1 bytes under a UTF-8 declaration; decoding them as
    declared would give mojibake or a parse error, so the bytes' real encoding is detected instead.
    UTF-16/32 documents (BOM or NUL bytes) are left to the parsers, which read those themselves.
    """
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        return body
    declared = _XML_DECL.match(body[:512])
    codec = declared.group(2).decode("ascii") if declared else "utf-8"
    try:
        body.decode(codec)
        return body
    except (LookupError, UnicodeDecodeError):
        pass  # detected below
    from charset_normalizer import from_bytes

    best = from_bytes(body[:SNIFF_BYTES * 4]).best()
    if best is None:
        return body
    text = body.decode(best.encoding, "replace").encode("utf-8")
    if declared:
        text = _XML_DECL.sub(lambda m: m.group(1) + b"utf-8" + m.group(3), text, count=1)
    return text


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
        root = etree.fromstring(strip_doctype(repair_encoding(body)), parser)
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
    return sniff(body, content_type) in ("rss", "json", "sitemap")
