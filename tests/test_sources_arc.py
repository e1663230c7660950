"""ARC v1 files (the Internet Archive's format before WARC; warcio's and pywb's ``example.arc``) and
what the archive reader drops, counted with a reason, in the import report.

The ARC files are written here byte by byte, in the layout of warcio's ``test/data/example.arc``:
a ``filedesc://`` version block, then for each capture a header line ``URL IP date type length``,
the HTTP response, and a newline; ``.arc.gz`` gzips each record as a member of its own.
"""

from __future__ import annotations

import gzip
import json
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.cli import main
from newsdesk.sources import ArchiveReader
from tests.support.pages import article_page, unique_paragraphs

DATE = "20140216050221"


def arc_record(url: str, ctype: str, payload: bytes, date: str = DATE) -> bytes:
    return f"{url} 93.184.216.34 {date} {ctype} {len(payload)}\n".encode() + payload + b"\n"


def arc_header(name: str) -> bytes:
    body = b"1 0 Internet Archive\nURL IP-address Archive-date Content-type Archive-length\n"
    return f"filedesc://{name} 127.0.0.1 {DATE} text/plain {len(body)}\n".encode() + body + b"\n"


def http(status: str, ctype: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def arc_records() -> list[bytes]:
    page = article_page("An archived story", unique_paragraphs(8)).encode()
    return [
        arc_record("http://arc.example/2014/story", "text/html", http("200 OK", "text/html; charset=utf-8", page)),
        arc_record("http://arc.example/logo.png", "image/png", http("200 OK", "image/png", b"\x89PNG\r\n")),
        arc_record("http://arc.example/gone", "text/html", http("404 Not Found", "text/html", b"<html>no</html>")),
    ]


def write_arc(path: Path, *, gzipped: bool, tail: bytes = b"") -> None:
    records = [arc_header(path.name), *arc_records()]
    if gzipped:
        path.write_bytes(b"".join(gzip.compress(r) for r in records) + tail)
    else:
        path.write_bytes(b"".join(records) + tail)


@pytest.mark.parametrize(("name", "gzipped"), [("example.arc", False), ("example.arc.gz", True)])
def test_arc_records_are_read_as_pages(tmp_path: Path, name: str, gzipped: bool) -> None:
    path = tmp_path / name
    write_arc(path, gzipped=gzipped)
    reader = ArchiveReader(path)
    pages = list(reader)
    assert [p.url for p in pages] == ["http://arc.example/2014/story"]
    assert "An archived story" in pages[0].html
    assert pages[0].fetched_at is not None and pages[0].fetched_at.isoformat() == "2014-02-16T05:02:21+00:00"
    assert [reason for reason, _ in reader.dropped] == ["not_html", "http_status"]


def test_a_bad_arc_record_is_counted_not_hidden(tmp_path: Path) -> None:
    path = tmp_path / "broken.arc"
    write_arc(path, gzipped=False, tail=b"http://arc.example/x 1.2.3.4 2014 text/html notanumber\n<html>")
    reader = ArchiveReader(path)
    assert [p.url for p in reader] == ["http://arc.example/2014/story"]
    assert [reason for reason, _ in reader.dropped] == ["not_html", "http_status", "corrupt"]
    assert "bad header block in http://arc.example/x" in reader.dropped[-1][1]


def write_warc_with_revisit(path: Path) -> None:
    page = article_page("A WARC story", unique_paragraphs(8)).encode()
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://w.example/s", "response", payload=BytesIO(page),
                                                      http_headers=headers))
        revisit = writer.create_revisit_record("https://w.example/s", digest="sha1:AAAA",
                                               refers_to_uri="https://w.example/s", refers_to_date="2024-01-01T00:00:00Z")
        writer.write_record(revisit)
        writer.write_record(writer.create_warc_record("https://w.example/r", "resource", payload=BytesIO(b"x"),
                                                      warc_content_type="text/plain"))


def test_revisits_and_other_records_are_noted(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    write_warc_with_revisit(path)
    reader = ArchiveReader(path)
    assert [p.url for p in reader] == ["https://w.example/s"]
    assert [reason for reason, _ in reader.dropped] == ["revisit", "not_a_page"]


def test_import_of_an_arc_file_stores_its_page_and_reports_the_drops(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "example.arc.gz"
    write_arc(path, gzipped=True)
    runner = CliRunner()
    env = {"NEWSDESK_DATABASE_URL": db_url, "NEWSDESK_EXTRACT_WORKERS": "1"}
    result = runner.invoke(main, ["import", str(path)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "stored 1 articles" in result.output
    assert "skipped 2 archive records (http_status 1, not_html 1)" in result.output
    again = json.loads(runner.invoke(main, ["import", str(path), "--json"], env=env).output)
    assert again["duplicates"] == 1
    assert again["dropped"] == {"not_html": 1, "http_status": 1}
    assert any("logo.png" in line for line in again["dropped_examples"])
