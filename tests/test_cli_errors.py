"""Bad paths and failed fetches as a user meets them at the CLI: plain words, documented exit codes,
no traceback, nothing created by mistake."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from newsdesk.cli import main
from newsdesk.errors import FetchGone, FetchRetry, UsageError, plain_message
from newsdesk.models import EntryRef, FeedKind, ParsedFeed
from newsdesk.pipeline import feedstate
from newsdesk.settings import Settings
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Feed
from tests.support.origin import Origin, RequestInfo, Response
from tests.support.pages import article_page, rss, unique_paragraphs
from tests.test_cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_export_into_a_missing_folder_is_a_clear_error(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "export.jsonl"
    result = cli(db_url, "export", "--out", str(target))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"the folder {target.parent} does not exist" in result.stderr
    assert not target.parent.exists()


def test_export_opml_into_a_missing_folder_is_a_clear_error(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "subs.opml"
    result = cli(db_url, "sources", "export-opml", "--out", str(target))
    assert result.exit_code == 2, result.output
    assert f"cannot write {target}: the folder {target.parent} does not exist" in result.stderr
    assert not target.parent.exists()


def test_a_mistyped_db_folder_creates_nothing(tmp_path: Path) -> None:
    wrong = tmp_path / "typo-folder" / "deeper" / "newsdesk.db"
    for args in (["sources", "list"], ["db", "upgrade"], ["crawl"]):
        result = run("--db", f"sqlite:///{wrong}", *args)
        assert result.exit_code == 2, (args, result.output)
        assert f"the folder {wrong.parent} of the database {wrong} does not exist" in result.stderr
        assert not (tmp_path / "typo-folder").exists()


def test_a_new_database_file_is_announced_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    first = run("--db", f"sqlite:///{path}", "sources", "list")
    assert first.exit_code == 0, first.output
    assert f"no database at {path}: creating a new one" in first.stderr
    assert "no sources yet" in first.stdout and path.exists()
    second = run("--db", f"sqlite:///{path}", "sources", "list")
    assert second.exit_code == 0 and "creating" not in second.stderr


def closed_port_url(path: str) -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}{path}"


def make_due(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        for feed in session.scalars(select(Feed)):
            feed.next_check_at = None


def feed_row(db_url: str) -> Feed:
    with session_scope(engine_for(db_url)) as session:
        return session.scalars(select(Feed)).one()


def test_a_refused_connection_is_reported_as_such_in_plain_words(db_url: str) -> None:
    url = closed_port_url("/feed.xml")
    result = cli(db_url, "sources", "add", url)
    assert result.exit_code == 2, result.output
    message = result.stderr
    assert "connection refused" in message and "robots.txt" not in message
    assert message.startswith("error: could not read ") and "sources:" not in message and "fetch:" not in message


def test_a_failing_feed_shows_the_real_cause_without_stage_prefixes(db_url: str, origin: Origin) -> None:
    url = closed_port_url("/feed.xml")
    with session_scope(engine_for(db_url)) as session:
        repo.add_feed(session, repo.add_source(session, name="Gone Quiet"), url=url, kind="rss")
    crawled = cli(db_url, "crawl")
    assert crawled.exit_code == 1
    error = feed_row(db_url).last_error or ""
    assert error == "cannot connect to 127.0.0.1: connection refused [fetch.connect_error]"
    assert error.endswith("[fetch.connect_error]") and "fetch:" not in error and "robots" not in error
    listed = cli(db_url, "sources", "list").output
    assert "connection refused" in listed and "fetch:" not in listed


def test_a_success_after_failures_clears_the_last_error(db_url: str, origin: Origin) -> None:
    state = {"down": False}
    feed = rss([{"title": "One", "link": origin.url("/n/1"), "guid": "1"}])

    def answer(info: RequestInfo) -> Response:
        if state["down"]:
            return Response("busy", status=503)
        if info.headers.get("if-none-match") == '"v1"':
            return Response(b"", status=304, headers={"ETag": '"v1"'})
        return Response(feed, headers={"ETag": '"v1"'}, content_type="application/rss+xml")

    origin.route("/feed.xml", answer)
    origin.route("/n/1", article_page("One", unique_paragraphs(1)))
    assert cli(db_url, "sources", "add", origin.url("/feed.xml")).exit_code == 0
    assert cli(db_url, "crawl").exit_code == 0
    state["down"] = True
    make_due(db_url)
    assert cli(db_url, "crawl").exit_code == 1
    failing = feed_row(db_url)
    assert failing.status == "failing" and "503" in (failing.last_error or "")
    state["down"] = False
    make_due(db_url)
    assert cli(db_url, "crawl").exit_code == 0  # answered 304 Not Modified
    healthy = feed_row(db_url)
    assert healthy.status == "active" and healthy.consecutive_failures == 0 and healthy.last_error is None
    assert "last error" not in cli(db_url, "sources", "list").output


def test_feed_state_functions_clear_the_error_on_every_success() -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    settings = Settings(database_url="sqlite://")
    failed = feedstate.checked_failed(now, settings, FetchRetry("HTTP 503", reason="http_5xx"),
                                      failures_before=2, message="HTTP 503 [fetch.http_5xx]")
    assert (failed.status, failed.consecutive_failures, failed.last_error) == ("failing", 3, "HTTP 503 [fetch.http_5xx]")
    assert failed.success_at is None and failed.next_check_at is not None and failed.next_check_at > now
    not_modified = feedstate.checked_ok(now, settings)
    assert (not_modified.status, not_modified.consecutive_failures, not_modified.last_error) == ("active", 0, None)
    assert not_modified.success_at == now and not_modified.validators is None
    parsed = ParsedFeed(kind=FeedKind.RSS, title="T", entries=(EntryRef(url="https://e.example/1"),))
    new = feedstate.checked_ok(now, settings, parsed, etag='"v2"', current_title="Kept")
    assert new.last_error is None and new.validators == ('"v2"', None) and new.title is None
    empty = feedstate.checked_ok(now, settings, ParsedFeed(kind=FeedKind.RSS), current_title=None)
    assert empty.last_error == feedstate.EMPTY_FEED and empty.status == "active"
    gone = feedstate.checked_failed(now, settings, FetchGone("HTTP 410"), failures_before=0, message="gone")
    assert gone.status == "gone" and gone.next_check_at is None


def test_plain_message_drops_stacked_stage_prefixes() -> None:
    inner = FetchRetry("cannot connect to example.org: connection refused", reason="connect_error")
    outer = UsageError(f"sources: could not read https://example.org/feed: {inner}")
    assert str(outer) == ("sources: could not read https://example.org/feed: fetch: cannot connect to "
                          "example.org: connection refused")
    assert plain_message(outer) == "could not read https://example.org/feed: cannot connect to example.org: " \
                                   "connection refused"
    assert plain_message(inner) == "cannot connect to example.org: connection refused"
    assert plain_message("HTTP 500: parse error at line 3") == "HTTP 500: parse error at line 3"


def test_an_engine_for_a_missing_folder_makes_no_folder(tmp_path: Path) -> None:
    """Workers and the site open the database without the CLI's check: the engine refuses too."""
    from newsdesk.errors import ConfigError
    from newsdesk.store.db import make_engine

    missing = tmp_path / "typo" / "newsdesk.db"
    with pytest.raises(ConfigError, match="does not exist"):
        make_engine(f"sqlite:///{missing}")
    assert not missing.parent.exists()
