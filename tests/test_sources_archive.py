"""Archives: WARC files written here with warcio, JSONL exports and folders of saved pages."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.errors import ParseError
from newsdesk.sources import ArchiveReader, read_archive

ARTICLE = "<html><head><title>Story</title></head><body><article><p>Paragraph one.</p></article></body></html>"


def _response(writer: WARCWriter, url: str, body: bytes, *, status: str = "200 OK",
              ctype: str = "text/html; charset=utf-8", date: str = "2024-04-30T10:20:30Z") -> None:
    http = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                       warc_headers_dict={"WARC-Date": date})
    writer.write_record(record)


def _write_warc(path: Path, *, gzip_records: bool) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzip_records)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        request = writer.create_warc_record("https://w.example/a", "request", payload=BytesIO(b""),
                                            http_headers=StatusAndHeaders("GET /a HTTP/1.1", [("Host", "w.example")],
                                                                          is_http_request=True))
        writer.write_record(request)
        _response(writer, "https://w.example/a", ARTICLE.encode())
        _response(writer, "https://w.example/b", "<html><body><p>Ça va, très bien</p></body></html>".encode("latin-1"),
                  ctype="text/html; charset=ISO-8859-1", date="2024-04-30T11:00:00Z")
        _response(writer, "https://w.example/logo.png", b"\x89PNG\r\n", ctype="image/png")
        _response(writer, "https://w.example/missing", b"<html>404</html>", status="404 Not Found")
        _response(writer, "https://w.example/c", "<html><head><meta charset='windows-1251'></head><body>Привет</body></html>"
                  .encode("windows-1251"), ctype="text/html")


@pytest.mark.parametrize(("name", "gzip_records"), [("crawl.warc.gz", True), ("crawl.warc", False)])
def test_warc_html_responses_only(tmp_path: Path, name: str, gzip_records: bool) -> None:
    path = tmp_path / name
    _write_warc(path, gzip_records=gzip_records)
    reader = ArchiveReader(path)
    pages = list(reader)
    assert [p.url for p in pages] == ["https://w.example/a", "https://w.example/b", "https://w.example/c"]
    assert pages[0].html == ARTICLE
    assert pages[0].fetched_at == datetime(2024, 4, 30, 10, 20, 30, tzinfo=UTC)
    assert "Ça va, très bien" in pages[1].html
    assert "Привет" in pages[2].html  # charset from <meta> when the header has none
    assert [reason for reason, _ in reader.dropped] == ["not_html", "http_status"]


@pytest.mark.parametrize(("name", "gzip_records"), [("whole.warc.gz", True), ("whole.warc", False)])
def test_truncated_warc_keeps_what_came_before(tmp_path: Path, name: str, gzip_records: bool) -> None:
    """Wherever the file is cut, the pages before the cut are kept and the break is reported.

    The records carry random ids and today's date, so the file's length varies between runs;
    the test walks cut points over the whole file instead of trusting one.
    """
    whole = tmp_path / name
    _write_warc(whole, gzip_records=gzip_records)
    data = whole.read_bytes()
    every = [p.url for p in ArchiveReader(whole)]
    broken = tmp_path / name.replace("whole", "broken")
    kept_first = False
    # up to the last member's trailer: cutting its size field's zero high byte and gluing on
    # "\x00garbage" puts the same byte back, a whole file followed by junk
    for cut in range(len(data) // 10, len(data) - 8, max(1, len(data) // 400)):
        broken.write_bytes(data[:cut] + b"\x00garbage" * 10)
        reader = ArchiveReader(broken)
        urls = [p.url for p in reader]
        assert urls == every[: len(urls)], cut
        assert len(urls) < len(every), cut
        assert any(reason == "corrupt" for reason, _ in reader.dropped), cut
        kept_first = kept_first or bool(urls)
    assert kept_first


@pytest.mark.parametrize(("name", "gzip_records"), [("padded.warc.gz", True), ("padded.warc", False)])
def test_blank_padding_after_the_last_record_is_no_break(tmp_path: Path, name: str, gzip_records: bool) -> None:
    path = tmp_path / name
    _write_warc(path, gzip_records=gzip_records)
    path.write_bytes(path.read_bytes() + b"\r\n\r\n")
    reader = ArchiveReader(path)
    assert [p.url for p in reader] == ["https://w.example/a", "https://w.example/b", "https://w.example/c"]
    assert [reason for reason, _ in reader.dropped] == ["not_html", "http_status"]


def test_warc_record_damaged_in_place_is_dropped_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc"
    _write_warc(path, gzip_records=False)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Paragraph one.", b"Paragraph 0ne."))  # same length, wrong digest
    reader = ArchiveReader(path)
    assert [p.url for p in reader] == ["https://w.example/b", "https://w.example/c"]
    assert ("corrupt", "crawl.warc: digest mismatch in https://w.example/a") in reader.dropped


def _jsonl_lines() -> list[bytes]:
    export = {
        "url": "https://j.example/story",
        "html": ARTICLE,
        "title": "Story",
        "text": "Paragraph one.",
        "authors": ["A. Writer"],
        "published_at": "2024-04-29T08:00:00+00:00",
        "fetched_at": "2024-04-30T09:00:00Z",
    }
    return [
        json.dumps(export).encode(),
        b"",
        b"{not json",
        b'["a", "list"]',
        json.dumps({"url": "https://j.example/no-html"}).encode(),
        json.dumps({"html": "<p>x</p>"}).encode(),
        json.dumps({"url": "https://j.example/plain", "html": "<p>Plain</p>"}, ensure_ascii=False).encode(),
    ]


@pytest.mark.parametrize("name", ["export.jsonl", "export.jsonl.gz"])
def test_jsonl_keeps_export_fields_and_skips_bad_lines(tmp_path: Path, name: str) -> None:
    data = b"\n".join(_jsonl_lines()) + b"\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    reader = ArchiveReader(path)
    pages = list(reader)
    assert [p.url for p in pages] == ["https://j.example/story", "https://j.example/plain"]
    story = pages[0]
    assert story.html == ARTICLE
    assert story.fetched_at == datetime(2024, 4, 30, 9, tzinfo=UTC)
    assert story.fields["title"] == "Story"
    assert story.fields["authors"] == ["A. Writer"]
    assert story.fields["published_at"] == "2024-04-29T08:00:00+00:00"
    assert pages[1].fetched_at is None
    assert reader.dropped == [
        ("bad_json", reader.dropped[0][1]),
        ("bad_json", "line 4: not an object"),
        ("missing_field", "line 5: html"),
        ("missing_field", "line 6: url"),
    ]
    assert reader.dropped[0][1].startswith("line 3:")


def test_folder_of_html_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_text(
        '<html><head><link rel="canonical" href="https://f.example/a-canonical"></head><body>A</body></html>'
    )
    (tmp_path / "b.HTM").write_bytes(
        '<html><head><meta charset="iso-8859-1"><meta property="og:url" content="https://f.example/b"></head>'
        "<body>Grüße</body></html>".encode("latin-1")
    )
    (tmp_path / "sub" / "c.html").write_text("<html><body>No canonical; relative <link rel=canonical href=/x></body></html>")
    (tmp_path / "empty.html").write_text("  ")
    (tmp_path / "notes.txt").write_text("not a page")
    reader = ArchiveReader(tmp_path)
    pages = {p.url: p for p in reader}
    c_uri = (tmp_path / "sub" / "c.html").resolve().as_uri()
    assert set(pages) == {"https://f.example/a-canonical", "https://f.example/b", c_uri}
    assert "Grüße" in pages["https://f.example/b"].html
    assert c_uri.startswith("file://")
    assert reader.dropped == [("empty", str(tmp_path / "empty.html"))]


def test_whole_file_problems_raise(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as err:
        list(read_archive(tmp_path / "nope.warc"))
    assert err.value.reason == "not_found"
    other = tmp_path / "data.csv"
    other.write_text("a,b")
    with pytest.raises(ParseError) as err:
        read_archive(other)
    assert err.value.reason == "unknown_format"


def test_read_archive_is_the_plain_iterator(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"url": "https://one.example/", "html": "<p>1</p>"}) + "\n")
    assert [p.url for p in read_archive(path)] == ["https://one.example/"]


def test_truncated_jsonl_gz_keeps_complete_lines(tmp_path: Path) -> None:
    lines = [json.dumps({"url": f"https://t.example/{i}", "html": f"<p>{i} " + "x" * 2000 + "</p>"}) for i in range(50)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    reader = ArchiveReader(path)
    pages = list(reader)
    assert pages, "the lines before the cut are read"
    assert all(p.url == f"https://t.example/{i}" for i, p in enumerate(pages))
    assert len(pages) < 50
    assert any(reason in ("corrupt", "bad_json") for reason, _ in reader.dropped)
