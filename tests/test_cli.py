"""The CLI as a user drives it: human output, --json, exit codes, OPML, export and import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsdesk.cli import main
from tests.support.origin import Origin
from tests.support.pages import article_page, rss, unique_paragraphs


def cli(db_url: str, *args: str) -> Result:
    env = {"NEWSDESK_DATABASE_URL": db_url, "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS": "true",
           "NEWSDESK_FETCH_PER_HOST_DELAY": "0", "NEWSDESK_EXTRACT_WORKERS": "1"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def outlet(origin: Origin) -> Origin:
    for i in range(3):
        origin.route(f"/n/{i}", article_page(f"Harbour story {i}", unique_paragraphs(200 + i),
                                             canonical=origin.url(f"/n/{i}")))
    origin.route("/feed.xml", rss([{"title": f"S{i}", "link": origin.url(f"/n/{i}"), "guid": str(i)}
                                   for i in range(3)], title="Harbour Test"), content_type="application/rss+xml")
    return origin


def test_follow_crawl_list_export(db_url: str, outlet: Origin, tmp_path: Path) -> None:
    added = cli(db_url, "sources", "add", outlet.url("/feed.xml"), "--lang", "en")
    assert added.exit_code == 0 and "Harbour Test" in added.output

    again = cli(db_url, "sources", "add", outlet.url("/feed.xml"))
    assert again.exit_code == 2 and "already followed" in again.output

    crawled = cli(db_url, "crawl", "--json")
    assert crawled.exit_code == 0, crawled.output
    report = json.loads(crawled.output)
    assert report["articles_stored"] == 3 and report["outcomes"]["store.stored"] == 3

    listed = json.loads(cli(db_url, "sources", "list", "--json").output)
    assert listed[0]["articles"] == 3 and listed[0]["lang"] == "en"
    assert listed[0]["feeds"][0]["status"] == "active"
    human = cli(db_url, "sources", "list").output
    assert "Harbour Test" in human and "3 articles" in human

    out = tmp_path / "export.jsonl"
    assert cli(db_url, "export", "--format", "jsonl", "--out", str(out)).exit_code == 0
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(lines) == 3
    for field in ("url", "canonical_url", "title", "text", "html", "authors", "published_at", "lang", "source",
                  "cited_sources", "teaser", "translations"):
        assert field in lines[0], field
    assert lines[0]["source"] == "Harbour Test" and lines[0]["title"].startswith("Harbour story")

    # the export imports into a fresh database as the same articles; importing twice adds nothing
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    cli(fresh, "db", "upgrade")
    imported = cli(fresh, "import", str(out), "--json")
    assert json.loads(imported.output)["stored"] == 3
    assert json.loads(cli(fresh, "import", str(out), "--json").output)["duplicates"] == 3


def test_opml_round_trip_and_remove(db_url: str, outlet: Origin, tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        f'<outline text="News"><outline type="rss" text="Harbour" xmlUrl="{outlet.url("/feed.xml")}"/>'
        '<outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/></outline></body></opml>', "utf-8")
    result = cli(db_url, "sources", "import-opml", str(opml))
    assert result.exit_code == 0 and "imported 1 feeds" in result.output  # javascript: never becomes a feed
    exported = cli(db_url, "sources", "export-opml").output
    assert outlet.url("/feed.xml") in exported and "<opml" in exported
    assert cli(db_url, "sources", "remove", "1").exit_code == 0
    assert cli(db_url, "sources", "remove", "1").exit_code == 2  # no such source: bad usage
    unknown = cli(db_url, "crawl", "--source", "1")  # not an empty pass that looks like success
    assert unknown.exit_code == 2 and "no source with id 1" in unknown.output
    assert "no sources yet" in cli(db_url, "sources", "list").output


def test_fetch_url_extract_and_bad_usage(db_url: str, outlet: Origin, tmp_path: Path) -> None:
    fetched = cli(db_url, "fetch-url", outlet.url("/n/1") + "?utm_source=x")
    assert fetched.exit_code == 0, fetched.output
    assert "stored 1 articles" in fetched.output
    again = cli(db_url, "fetch-url", outlet.url("/n/1"))
    assert "1 duplicates" in again.output

    page = tmp_path / "page.html"
    page.write_text(article_page("Saved page", unique_paragraphs(300)), "utf-8")
    extracted = json.loads(cli(db_url, "extract", str(page), "--json", "--url", "http://example.org/a").output)
    assert extracted["title"] == "Saved page" and "Report number 300" in extracted["text"]

    assert cli(db_url, "fetch-url", "ftp://example.org/x").exit_code == 2
    assert cli(db_url, "extract", str(tmp_path / "missing.html")).exit_code == 2
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"title": "Not a page", "text": "An export line."}) + "\n", "utf-8")
    not_a_page = cli(db_url, "extract", str(export))
    assert not_a_page.exit_code == 2 and "is JSON, not a web page" in not_a_page.output
    feed_file = tmp_path / "feed.xml"
    feed_file.write_text(rss([{"title": "t", "link": "https://example.org/x"}]), "utf-8")
    assert "is a feed, not a web page" in cli(db_url, "extract", str(feed_file)).output
    assert cli(db_url, "crawl", "--bogus").exit_code == 2
    broken = cli(db_url, "fetch-url", outlet.url("/missing"))
    assert broken.exit_code == 1 and "not_found" in broken.output
    log = json.loads(cli(db_url, "fetch-log", "--errors", "--json").output)
    assert [(r["status"], r["outcome"]) for r in log if r["url"].endswith("/missing")] == [(404, "fetch.not_found")]
    assert "fetch.not_found" in cli(db_url, "fetch-log").output


def test_import_folder_and_warc(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(2):
        (folder / f"{i}.html").write_text(
            article_page(f"Saved {i}", unique_paragraphs(400 + i), canonical=f"https://example.org/s/{i}"), "utf-8")
    (folder / "junk.html").write_text("<html><body></body></html>", "utf-8")
    result = cli(db_url, "import", str(folder), "--json")
    data = json.loads(result.output)
    assert data["stored"] == 2 and data["failed"] == 1
    assert result.exit_code == 1  # partial failure, listed

    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    warc = tmp_path / "crawl.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        body = article_page("From WARC", unique_paragraphs(500)).encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://example.org/w/1", "response",
                                                      payload=BytesIO(body), http_headers=headers))
    assert json.loads(cli(db_url, "import", str(warc), "--json").output)["stored"] == 1


def test_database_is_created_on_first_use_and_bad_urls_are_explained(tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    result = cli(fresh, "sources", "list")
    assert result.exit_code == 0 and "no sources yet" in result.output
    assert (tmp_path / "newsdesk.db").exists() and "creating a new one" in result.stderr
    # a missing folder is a mistyped path, never created (tests/test_cli_errors.py)
    assert cli(f"sqlite:///{tmp_path / 'new' / 'newsdesk.db'}", "sources", "list").exit_code == 2
    assert not (tmp_path / "new").exists()
    bogus = cli("bogus://nowhere", "sources", "list")
    assert bogus.exit_code == 2 and "no driver for bogus" in bogus.output
    unreachable = cli("postgresql+psycopg://postgres@127.0.0.1:1/none", "sources", "list")
    assert unreachable.exit_code == 1 and "cannot open database" in unreachable.output
