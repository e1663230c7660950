"""Pages from archives: WARC files, JSONL exports and folders of saved HTML.

This lets Newsdesk be filled from a crawl made elsewhere (or from its own export) without fetching.
One bad record never stops a file: :class:`ArchiveReader` skips it and appends ``(reason, detail)``
to its ``dropped`` list, which callers read after iterating (``read_archive`` is the shortcut for
callers that only want the pages). Whole-file problems (missing path, unknown kind) raise
:class:`ParseError`.

- ``.warc`` / ``.warc.gz`` / ``.arc`` / ``.arc.gz``: HTML ``response`` records with a 2xx status;
  URL from ``WARC-Target-URI``, ``fetched_at`` from ``WARC-Date`` (ARC v1 records are read as WARC
  by warcio's ``arc2warc``, so they carry both). Every other capture is noted: ``revisit`` (no page
  of its own), ``not_a_page`` (resource, conversion, continuation records), ``not_html``,
  ``http_status``, ``corrupt``; only records that hold no capture are passed over: the file's
  description (``warcinfo``, the ARC file header) and a response's companions (``request``,
  ``metadata``).
- ``.jsonl`` / ``.jsonl.gz`` / ``.ndjson``: one object a line with string ``url`` and ``html`` (or,
  for an outlet's own records, ``text``: ``html`` is then empty); the whole object is kept in
  ``ArchivedPage.fields`` (Newsdesk's export carries title, text, authors,
  ``published_at``…); ``fetched_at`` is read from the object when present.
- a folder: every ``.html``/``.htm`` file below it, in path order; URL from ``<link rel=canonical>``
  or ``og:url``, else the file's ``file://`` URI.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from charset_normalizer import from_bytes

from newsdesk.errors import ParseError
from newsdesk.models import ArchivedPage
from newsdesk.sources.adapter import http_url, parse_datetime

# One page larger than this is not an article (the fetcher's own default cap is of this order).
MAX_PAGE_BYTES = 10 * 1024 * 1024
# A JSONL line holds one page plus its fields; a line longer than this is skipped, not read whole.
MAX_LINE_BYTES = 2 * MAX_PAGE_BYTES
# Head of a page searched for a <meta charset> and for canonical links.
HEAD_BYTES = 64 * 1024

# Record types of WARC 1.0/1.1 and warcio's reading of ARC files: none of them is a page but a response.
_WARC_TYPES = frozenset({"warcinfo", "response", "resource", "request", "metadata", "revisit",
                         "conversion", "continuation", "arc_header"})
# Records that describe the archive file or accompany a response (the request sent, crawler notes):
# no capture is lost by passing them over, and counting them would double every crawl's drop count.
_COMPANION_RECORDS = frozenset({"warcinfo", "arc_header", "request", "metadata"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CANONICAL = re.compile(
    r"""<link\b[^>]*\brel\s*=\s*["']?canonical["']?[^>]*>|<meta\b[^>]*\bproperty\s*=\s*["']og:url["'][^>]*>""",
    re.I,
)
_HREF = re.compile(r"""\b(?:href|content)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def decode_html(body: bytes, charset: str | None = None) -> str:
    """Text of an HTML body: the declared charset, else ``<meta charset>``, else UTF-8, else detected."""
    candidates = [charset] if charset else []
    meta = _META_CHARSET.search(body[:HEAD_BYTES])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for name in candidates:
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(body[:HEAD_BYTES * 4]).best()
    if best is not None:
        return body.decode(best.encoding, "replace")
    return body.decode("utf-8", "replace")


def _gzip_intact_until(path: Path) -> int | None:
    """Byte offset where the file's whole, checksummed gzip members end; None if not gzip.

    Each WARC record is its own gzip member; zlib verifies a member's CRC and length at its end,
    so the first member that fails (or never ends) marks where the trustworthy part stops.
    """
    with path.open("rb") as stream:
        if stream.read(2) != b"\x1f\x8b":
            return None
        stream.seek(0)
        good = 0  # end of the last member that checked out
        chunk_start = 0  # file offset of `chunk`
        chunk = stream.read(1 << 20)
        inflater = zlib.decompressobj(wbits=31)
        while chunk:
            data = chunk
            try:
                while data and not inflater.eof:
                    inflater.decompress(data, 1 << 20)  # output is thrown away, bounded per call
                    data = inflater.unconsumed_tail
            except zlib.error:
                return good
            if inflater.eof:
                rest = inflater.unused_data
                good = chunk_start + len(chunk) - len(rest)
                inflater = zlib.decompressobj(wbits=31)
                if rest:
                    chunk_start, chunk = good, rest
                    continue
            chunk_start += len(chunk)
            chunk = stream.read(1 << 20)
        return good


def _blank_from(stream: BinaryIO, offset: int) -> bool:
    """Whether only blank bytes (tolerated padding) follow ``offset`` to the end of the file."""
    stream.seek(offset)
    tail = stream.read(1 << 16)
    return not tail.strip(b"\r\n\t \x00") and not stream.read(1)


def _digest_failed(record: Any) -> bool:
    """Whether a WARC-Block/Payload-Digest the record carries disagrees with its bytes (read to the end)."""
    checker = getattr(record, "digest_checker", None)
    return checker is not None and any("digest failed" in problem for problem in checker.problems)


def _label(record: Any) -> str:
    """How a damaged record is named in the report: its URL, or its type when it has none."""
    return str(record.rec_headers.get_header("WARC-Target-URI") or record.rec_type)


def _malformed(record: Any) -> bool:
    """Whether the record has no usable length (WARC and ARC both require a decimal one)."""
    if record.length is None:
        return True
    declared = record.rec_headers.get_header("Content-Length")
    return declared is not None and not declared.strip().isdigit()


def _cut_short(record: Any) -> bool:
    """Whether the record's block ended before its declared Content-Length (a cut file)."""
    raw = record.raw_stream
    try:
        while raw.read(64 * 1024):
            pass
    except Exception:  # noqa: BLE001 - a broken compressed tail is a cut too
        return True
    return int(getattr(raw, "limit", 0) or 0) > 0


class ArchiveReader:
    """Iterate the pages of one archive; ``dropped`` lists the records skipped, with reasons."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.dropped: list[tuple[str, str]] = []
        self._broken = False  # a break of the stream was reported (records damaged in place are apart)
        if not self.path.exists():
            raise ParseError(f"no such archive: {self.path}", reason="not_found")
        name = self.path.name.lower()
        if self.path.is_dir():
            self.kind = "folder"
        elif name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")):
            self.kind = "warc"
        elif name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
            self.kind = "jsonl"
        else:
            raise ParseError(f"unknown archive kind: {self.path.name}", reason="unknown_format")

    def __iter__(self) -> Iterator[ArchivedPage]:
        if self.kind == "folder":
            return self._folder()
        if self.kind == "warc":
            return self._warc()
        return self._jsonl()

    # -- WARC ---------------------------------------------------------------------------------
    def _warc(self) -> Iterator[ArchivedPage]:
        from warcio.archiveiterator import ArchiveIterator

        # warcio reads a damaged gzip member on as if nothing happened (it swallows zlib's errors
        # and even decodes appended garbage), so the members are checked first with zlib itself
        intact_until = _gzip_intact_until(self.path)
        with self.path.open("rb") as stream:
            records = ArchiveIterator(stream, arc2warc=True, check_digests=True)  # ARC headers read as WARC ones
            while True:
                try:
                    record = next(records)
                except StopIteration:
                    # warcio stops silently at a cut gzip member or unreadable bytes: whatever
                    # follows the last trustworthy byte must be padding
                    self._end_at(stream, int(getattr(records, "offset", 0) or 0) if intact_until is None else intact_until)
                    if getattr(records, "err_count", 0):
                        self._corrupt("a record's length does not match its bytes")
                    return
                except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on a cut record
                    # (ArchiveLoadFailed, EOFError, zlib errors, even AttributeError on a header
                    # block cut short); a corrupt record breaks the stream: nothing after it can be
                    # found reliably, so what came before is kept and the rest is reported
                    self._corrupt(str(exc))
                    return
                if intact_until is not None and int(getattr(records, "offset", 0) or 0) >= intact_until:
                    self._end_at(stream, intact_until)  # (warcio reads padding as a record of no type)
                    return
                if _malformed(record):
                    # a header block cut short and glued to what followed: no length to trust
                    self._corrupt(f"bad header block in {_label(record)}")
                    return
                page = self._warc_page(record)
                if _cut_short(record):
                    # the file ends inside this record: warcio hands out what is there and stops
                    # without a word, so the short read is the only sign of a truncated archive
                    self._corrupt(f"cut short inside {_label(record)}")
                    return
                if _digest_failed(record):
                    # the bytes are not the ones the crawler wrote (damaged in place): this
                    # record is dropped, the stream itself still holds together
                    self.dropped.append(("corrupt", f"{self.path.name}: digest mismatch in {_label(record)}"[:300]))
                    continue
                if page is not None:
                    yield page

    def _end_at(self, stream: BinaryIO, end: int) -> None:
        """The reading ends at ``end``: anything but padding after it is a break."""
        if not _blank_from(stream, end):
            self._corrupt(f"unreadable or cut data from byte {end}")

    def _corrupt(self, why: str) -> None:
        """Record the break of the archive once (two checks may see the same one; reading stops there)."""
        if not self._broken:
            self._broken = True
            self.dropped.append(("corrupt", f"{self.path.name}: {why}"[:300]))

    def _warc_page(self, record: Any) -> ArchivedPage | None:
        uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")  # WARC 1.0 drafts bracketed it
        if record.rec_type != "response":
            self._not_response(str(record.rec_type), uri)
            return None
        http = record.http_headers
        if http is None:
            self.dropped.append(("not_http", uri[:300]))
            return None
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            self.dropped.append(("http_status", f"{status} {uri}"[:300]))
            return None
        ctype = (http.get_header("Content-Type") or "").lower()
        if ctype and "html" not in ctype:
            self.dropped.append(("not_html", f"{ctype.split(';')[0]} {uri}"[:300]))
            return None
        url = http_url(uri, uri)
        if url is None:
            self.dropped.append(("no_link", uri[:300]))
            return None
        try:
            body = record.content_stream().read(MAX_PAGE_BYTES + 1)
        except Exception as exc:  # warcio raises assorted errors on broken chunking/compression
            self.dropped.append(("corrupt", f"{uri}: {exc}"[:300]))
            return None
        if len(body) > MAX_PAGE_BYTES:
            self.dropped.append(("too_large", uri[:300]))
            return None
        charset = _charset(ctype)
        return ArchivedPage(
            url=url,
            html=decode_html(body, charset),
            fetched_at=parse_datetime(record.rec_headers.get_header("WARC-Date")),
        )

    def _not_response(self, rec_type: str, uri: str) -> None:
        if rec_type not in _WARC_TYPES:  # what a truncated or damaged record reads as
            self.dropped.append(("corrupt", f"record type {rec_type[:40]!r}"))
        elif rec_type == "revisit":
            self.dropped.append(("revisit", f"{uri}: a revisit record points to an earlier capture"[:300]))
        elif rec_type not in _COMPANION_RECORDS:
            self.dropped.append(("not_a_page", f"{rec_type} record {uri}"[:300]))

    # -- JSONL --------------------------------------------------------------------------------
    def _jsonl(self) -> Iterator[ArchivedPage]:
        opener = gzip.open if self.path.name.lower().endswith(".gz") else open
        with opener(self.path, "rb") as stream:
            try:
                yield from self._lines(stream)
            except (OSError, EOFError) as exc:  # truncated gzip: keep what was read
                self.dropped.append(("corrupt", f"{self.path.name}: {exc}"[:300]))

    def _lines(self, stream: io.BufferedIOBase) -> Iterator[ArchivedPage]:
        number = 0
        while True:
            line = stream.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                self.dropped.append(("too_large", f"line {number}"))
                while line and not line.endswith(b"\n"):  # skip the rest of the long line
                    line = stream.readline(MAX_LINE_BYTES)
                continue
            if not line.strip():
                continue
            page = self._json_page(line, number)
            if page is not None:
                yield page

    def _json_page(self, line: bytes, number: int) -> ArchivedPage | None:
        try:
            data = json.loads(line)
        except (ValueError, RecursionError) as exc:
            self.dropped.append(("bad_json", f"line {number}: {exc}"[:300]))
            return None
        if not isinstance(data, dict):
            self.dropped.append(("bad_json", f"line {number}: not an object"))
            return None
        url, html = data.get("url"), data.get("html")
        if not isinstance(url, str) or not url.strip():
            self.dropped.append(("missing_field", f"line {number}: url"))
            return None
        text = data.get("text")
        has_html = isinstance(html, str) and bool(html.strip())
        if not has_html and not (isinstance(text, str) and text.strip()):  # an outlet record may carry text only
            self.dropped.append(("missing_field", f"line {number}: html"))
            return None
        fetched = data.get("fetched_at")
        return ArchivedPage(
            url=url.strip(),
            html=html if isinstance(html, str) and has_html else "",
            fetched_at=parse_datetime(fetched) if isinstance(fetched, str) else None,
            fields=data,
        )

    # -- folder of HTML files -----------------------------------------------------------------
    def _folder(self) -> Iterator[ArchivedPage]:
        files = sorted(p for p in self.path.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file())
        for file in files:
            try:
                size = file.stat().st_size
                if size > MAX_PAGE_BYTES:
                    self.dropped.append(("too_large", str(file)))
                    continue
                body = file.read_bytes()
            except OSError as exc:
                self.dropped.append(("unreadable", f"{file}: {exc}"[:300]))
                continue
            if not body.strip():
                self.dropped.append(("empty", str(file)))
                continue
            html = decode_html(body)
            yield ArchivedPage(url=_canonical(html) or file.resolve().as_uri(), html=html)


def _charset(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type)
    return match.group(1) if match else None


def _canonical(html: str) -> str | None:
    """An absolute http(s) URL from ``<link rel=canonical>`` or ``og:url`` in the page's head."""
    for tag in _CANONICAL.finditer(html[:HEAD_BYTES]):
        href = _HREF.search(tag.group(0))
        if href:
            value = next(g for g in href.groups() if g is not None)
            if value.strip().lower().startswith(("http://", "https://")):
                url = http_url(value, value)
                if url:
                    return url
    return None


def read_archive(path: Path | str) -> Iterator[ArchivedPage]:
    """The pages of an archive; use :class:`ArchiveReader` directly to see what was dropped."""
    return iter(ArchiveReader(path))


__all__ = ["ArchiveReader", "decode_html", "read_archive"]
