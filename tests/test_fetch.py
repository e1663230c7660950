"""The fetcher end to end against a real HTTP origin on 127.0.0.1: statuses, bodies, limits, redirects.

Robots, politeness and address-safety cases are in test_fetch_polite.py; charset and classifier unit
tests in test_fetch_decode.py and test_fetch_safety.py.
"""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import brotli
import pytest

from newsdesk.errors import FetchGone, FetchRejected, FetchRetry, NotModified, StageError
from newsdesk.fetch import Fetcher, fetch_sync, parse_retry_after
from newsdesk.fetch.body import PIECE
from newsdesk.models import FetchRecord, FetchResult
from newsdesk.settings import Settings
from tests.support.origin import Origin, RequestInfo, Response, endless

RUSSIAN = (
    "Москва. В понедельник правительство объявило о новых мерах поддержки малого бизнеса. "
    "По словам министра, программа начнёт работать уже в следующем месяце и охватит все регионы страны."
)


def make_settings(**overrides: Any) -> Settings:
    """Fast, loopback-friendly settings; robots off unless a test turns it on."""
    values: dict[str, Any] = {
        "fetch_allow_private_networks": True,
        "fetch_per_host_delay": 0.0,
        "fetch_respect_robots": False,
        "fetch_timeout": 5.0,
        "fetch_connect_timeout": 2.0,
        "fetch_read_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


def run_fetches(settings: Settings, *calls: tuple[str, dict[str, Any]]) -> list[FetchResult | StageError]:
    """Run fetches one after another on one Fetcher; each gives a result or the outcome raised."""
    out: list[FetchResult | StageError] = []

    async def go() -> None:
        async with Fetcher(settings) as fetcher:
            for url, kw in calls:
                try:
                    out.append(await fetcher.fetch(url, **kw))
                except StageError as exc:
                    out.append(exc)

    asyncio.run(go())
    return out


def outcome_of(url: str, settings: Settings | None = None, **kw: Any) -> StageError:
    with pytest.raises(StageError) as info:
        fetch_sync(url, settings or make_settings(), **kw)
    return info.value


# ---------------------------------------------------------------- bodies and charsets


def test_plain_fetch_returns_body_text_and_validators(origin: Origin) -> None:
    url = origin.route(
        "/a.html",
        "<p>héllo</p>",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"},
    )
    result = fetch_sync(url, make_settings())
    assert result.status == 200
    assert result.text == "<p>héllo</p>"
    assert result.encoding == "utf-8"
    assert result.body == "<p>héllo</p>".encode()
    assert result.final_url == url and result.url == url and result.redirects == ()
    assert result.etag == '"v1"' and result.last_modified == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert result.content_type == "text/html; charset=utf-8"
    sent = origin.requests[0].headers
    assert sent["user-agent"] == make_settings().user_agent
    assert "gzip" in sent["accept-encoding"] and "br" in sent["accept-encoding"]


def test_charset_from_http_header(origin: Origin) -> None:
    url = origin.route("/h", RUSSIAN.encode("cp1251"), content_type="text/html; charset=windows-1251")
    result = fetch_sync(url, make_settings())
    assert result.text == RUSSIAN and result.encoding == "cp1251"


def test_charset_from_meta_tags(origin: Origin) -> None:
    meta = f'<html><head><meta charset="windows-1251"></head><body>{RUSSIAN}</body></html>'
    equiv = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
        f"</head><body>{RUSSIAN}</body></html>"
    )
    a = origin.route("/meta", meta.encode("cp1251"), content_type="text/html")
    b = origin.route("/equiv", equiv.encode("koi8-r"), content_type="text/html")
    first, second = run_fetches(make_settings(), (a, {}), (b, {}))
    assert isinstance(first, FetchResult) and isinstance(second, FetchResult)
    assert first.text == meta and first.encoding == "cp1251"
    assert second.text == equiv and second.encoding == "koi8-r"


def test_undeclared_cp1251_is_detected(origin: Origin) -> None:
    url = origin.route("/none", f"<p>{RUSSIAN}</p>".encode("cp1251"), content_type="text/html")
    result = fetch_sync(url, make_settings())
    assert result.text == f"<p>{RUSSIAN}</p>" and result.encoding == "cp1251"


def test_wrong_declared_charset_falls_through_to_detection(origin: Origin) -> None:
    url = origin.route(
        "/wrong", f"<p>{RUSSIAN}</p>".encode("cp1251"), content_type="text/html; charset=utf-8"
    )
    result = fetch_sync(url, make_settings())
    assert result.text == f"<p>{RUSSIAN}</p>" and result.encoding == "cp1251"


def test_xml_declaration_charset_for_feeds(origin: Origin) -> None:
    xml = (
        f'<?xml version="1.0" encoding="windows-1251"?><rss><channel><title>{RUSSIAN}</title></channel></rss>'
    )
    url = origin.route("/feed.xml", xml.encode("cp1251"), content_type="application/rss+xml")
    result = fetch_sync(url, make_settings(), kind="feed")
    assert result.text == xml and result.encoding == "cp1251"


def test_gzip_deflate_and_brotli_bodies_are_decoded(origin: Origin) -> None:
    text = "<p>" + "Новости дня. " * 2000 + "</p>"
    raw = text.encode()
    deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw_deflate = deflater.compress(raw) + deflater.flush()
    urls = [
        origin.route("/gz", Response(text, gzip=True)),
        origin.route("/br", Response(brotli.compress(raw), headers={"Content-Encoding": "br"})),
        origin.route("/zlib", Response(zlib.compress(raw), headers={"Content-Encoding": "deflate"})),
        origin.route("/raw-deflate", Response(raw_deflate, headers={"Content-Encoding": "deflate"})),
        origin.route(
            "/two-members",
            Response(
                gzip.compress(raw[:100]) + gzip.compress(raw[100:]), headers={"Content-Encoding": "gzip"}
            ),
        ),
    ]
    results = run_fetches(make_settings(), *[(u, {}) for u in urls])
    for url, result in zip(urls, results, strict=True):
        assert isinstance(result, FetchResult), (url, result)
        assert result.text == text and result.body == raw, url


def test_corrupt_and_unknown_encodings_are_rejected(origin: Origin) -> None:
    corrupt = origin.route(
        "/corrupt", Response(b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"})
    )
    unknown = origin.route("/zz", Response(b"abc", headers={"Content-Encoding": "x-magic"}))
    assert outcome_of(corrupt).reason == "bad_encoding"
    assert outcome_of(unknown).reason == "unsupported_encoding"


# ---------------------------------------------------------------- size caps


def pack(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=9)
    if encoding == "deflate":
        return zlib.compress(data, 9)
    return brotli.compress(data, quality=5)  # why 5: quality 11 takes seconds on megabytes


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compression_bomb_is_cut_at_the_cap_without_inflating_it(origin: Origin, encoding: str) -> None:
    bomb = pack(encoding, b"\0" * 50_000_000)  # 50 MB of zeros: ~50 KB (gzip) or less on the wire
    url = origin.route("/bomb", Response(bomb, headers={"Content-Encoding": encoding}))
    records: list[FetchRecord] = []
    with pytest.raises(FetchRejected) as info:
        fetch_sync(url, make_settings(fetch_max_bytes=1_000_000), observer=records.append)
    assert info.value.reason == "too_large"
    [record] = records
    assert record.outcome == "fetch.too_large" and record.status == 200
    # Reading stopped within an inflation step or two of the cap: the other 49 MB were never produced.
    assert 1_000_000 < record.bytes <= 1_000_000 + 2 * PIECE


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_large_compressed_bodies_under_the_cap_are_inflated_whole(origin: Origin, encoding: str) -> None:
    raw = b"".join(b"<p>line %d of a long page</p>\n" % i for i in range(100_000))  # ~3 MB
    packed = pack(encoding, raw)
    url = origin.route("/big", Response(packed, headers={"Content-Encoding": encoding}))
    result = fetch_sync(url, make_settings(fetch_max_bytes=5_000_000))
    assert result.body == raw


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "br"])
def test_compressed_bodies_split_into_tiny_chunks(origin: Origin, encoding: str) -> None:
    raw = "".join(f"<p>Абзац {i}: новости дня.</p>" for i in range(2000)).encode()
    if encoding == "raw-deflate":
        squeezer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed, encoding = squeezer.compress(raw) + squeezer.flush(), "deflate"
    else:
        packed = pack(encoding, raw)
    pieces = [packed[i : i + 7] for i in range(0, len(packed), 7)]  # odd boundaries (TCP may merge some)
    url = origin.route("/tiny", Response(stream=lambda: iter(pieces), headers={"Content-Encoding": encoding}))
    assert fetch_sync(url, make_settings()).body == raw


def test_huge_content_length_is_refused_before_reading(origin: Origin) -> None:
    url = origin.route("/huge", Response(b"x" * 1000, headers={"Content-Length": str(10 * 1024**3)}))
    records: list[FetchRecord] = []
    with pytest.raises(FetchRejected) as info:
        fetch_sync(url, make_settings(fetch_max_bytes=1_000_000), observer=records.append)
    assert info.value.reason == "too_large"
    assert records[0].bytes == 0 and records[0].status == 200


def test_endless_streaming_body_is_cut(origin: Origin) -> None:
    url = origin.route("/endless", Response(stream=endless(), content_type="text/plain"))
    records: list[FetchRecord] = []
    with pytest.raises(FetchRejected) as info:
        fetch_sync(url, make_settings(fetch_max_bytes=1_000_000), observer=records.append)
    assert info.value.reason == "too_large"
    assert 1_000_000 < records[0].bytes <= 1_000_000 + PIECE


def test_streamed_body_within_the_cap_is_read_whole(origin: Origin) -> None:
    chunks = [b"<p>part %d</p>" % i for i in range(50)]
    url = origin.route("/chunked", Response(stream=lambda: iter(chunks)))
    assert fetch_sync(url, make_settings()).body == b"".join(chunks)


# ---------------------------------------------------------------- time limits


def test_server_that_never_answers_hits_the_deadline(origin: Origin) -> None:
    url = origin.route("/silent", Response("late", delay=60))
    error = outcome_of(url, make_settings(fetch_timeout=1.0, fetch_read_timeout=30.0))
    assert isinstance(error, FetchRetry) and error.reason == "timeout"


def test_server_that_never_answers_hits_the_read_timeout(origin: Origin) -> None:
    url = origin.route("/silent", Response("late", delay=60))
    error = outcome_of(url, make_settings(fetch_timeout=30.0, fetch_read_timeout=0.5))
    assert isinstance(error, FetchRetry) and error.reason == "timeout"


def test_trickling_server_is_cut_by_the_wall_clock_deadline(origin: Origin) -> None:
    # A byte every 0.1 s never trips the 5 s read timeout; only the 1 s deadline can stop it.
    url = origin.route("/trickle", Response("x" * 200, trickle=0.1))
    records: list[FetchRecord] = []
    started = time.monotonic()
    with pytest.raises(FetchRetry) as info:
        fetch_sync(url, make_settings(fetch_timeout=1.0, fetch_read_timeout=5.0), observer=records.append)
    assert info.value.reason == "timeout"
    assert time.monotonic() - started < 30  # a bound on hanging, not a speed check
    assert records[0].status == 200 and 0 < records[0].bytes < 200


# ---------------------------------------------------------------- statuses


@pytest.mark.parametrize(
    ("status", "error_type", "reason"),
    [
        (404, FetchGone, "not_found"),
        (410, FetchGone, "gone"),
        (500, FetchRetry, "http_5xx"),
        (502, FetchRetry, "http_5xx"),
        (503, FetchRetry, "unavailable"),
        (429, FetchRetry, "rate_limited"),
        (403, FetchRejected, "http_403"),
        (451, FetchRejected, "http_451"),
    ],
)
def test_status_outcomes(origin: Origin, status: int, error_type: type[StageError], reason: str) -> None:
    url = origin.route("/s", Response("no", status=status))
    records: list[FetchRecord] = []
    with pytest.raises(error_type) as info:
        fetch_sync(url, make_settings(), observer=records.append)
    assert info.value.reason == reason
    assert [(r.status, r.outcome) for r in records] == [(status, f"fetch.{reason}")]
    if isinstance(info.value, FetchRetry):
        assert info.value.retry_after is None  # no Retry-After header was sent


def test_retry_after_seconds_and_http_date(origin: Origin) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    a = origin.route("/429", Response("slow down", status=429, headers={"Retry-After": "30"}))
    b = origin.route("/503", Response("maintenance", status=503, headers={"Retry-After": later}))
    first, second = run_fetches(make_settings(), (a, {}), (b, {}))
    assert isinstance(first, FetchRetry) and first.reason == "rate_limited" and first.retry_after == 30
    assert isinstance(second, FetchRetry) and second.reason == "unavailable"
    assert second.retry_after is not None and 100 <= second.retry_after <= 120


def test_parse_retry_after_edge_cases() -> None:
    assert parse_retry_after("0") == 0
    assert parse_retry_after("999999999") == 86_400  # capped: a hostile header cannot park a feed for years
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past
    assert (
        parse_retry_after("soon") is None
        and parse_retry_after(None) is None
        and parse_retry_after("-5") is None
    )


def test_conditional_get_sends_validators_and_304_raises_not_modified(origin: Origin) -> None:
    def handler(info: RequestInfo) -> Response:
        if info.headers.get("if-none-match") == '"v7"':
            return Response(b"", status=304, headers={"ETag": '"v7"'})
        return Response("fresh", headers={"ETag": '"v7"'})

    url = origin.route("/feed", handler)
    records: list[FetchRecord] = []
    first = fetch_sync(url, make_settings(), kind="feed")
    assert first.etag == '"v7"'
    with pytest.raises(NotModified):
        fetch_sync(
            url,
            make_settings(),
            kind="feed",
            etag=first.etag,
            last_modified="Wed, 21 Oct 2026 07:28:00 GMT",
            observer=records.append,
        )
    sent = origin.requests[-1].headers
    assert sent["if-none-match"] == '"v7"'
    assert sent["if-modified-since"] == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert "if-none-match" not in origin.requests[0].headers
    assert [(r.kind, r.status, r.outcome, r.error) for r in records] == [("feed", 304, "not_modified", None)]


# ---------------------------------------------------------------- redirects


def test_redirects_are_followed_and_reported(origin: Origin) -> None:
    origin.route("/old", Response("", status=301, headers={"Location": "/middle"}))
    origin.route("/middle", Response("", status=302, headers={"Location": origin.url("/new#frag")}))
    origin.route("/new", "<p>here</p>")
    result = fetch_sync(origin.url("/old"), make_settings())
    assert result.text == "<p>here</p>"
    assert result.url == origin.url("/old") and result.final_url == origin.url("/new")
    assert result.redirects == (origin.url("/middle"), origin.url("/new"))


def test_redirect_loop_is_detected(origin: Origin) -> None:
    origin.route("/a", Response("", status=302, headers={"Location": "/b"}))
    origin.route("/b", Response("", status=302, headers={"Location": "/a"}))
    error = outcome_of(origin.url("/a"), make_settings(fetch_max_redirects=10))
    assert isinstance(error, FetchRejected) and error.reason == "redirect_loop"
    assert [r.path for r in origin.requests] == ["/a", "/b"]


def test_too_many_redirects(origin: Origin) -> None:
    for i in range(10):
        origin.route(f"/r{i}", Response("", status=307, headers={"Location": f"/r{i + 1}"}))
    error = outcome_of(origin.url("/r0"), make_settings(fetch_max_redirects=3))
    assert isinstance(error, FetchRejected) and error.reason == "too_many_redirects"
    assert [r.path for r in origin.requests] == ["/r0", "/r1", "/r2", "/r3"]


def test_redirect_to_another_scheme_or_without_location(origin: Origin) -> None:
    a = origin.route("/ftp", Response("", status=301, headers={"Location": "ftp://files.example/x"}))
    b = origin.route("/nowhere", Response("", status=302))
    assert outcome_of(a).reason == "bad_url"
    assert outcome_of(b).reason == "bad_redirect"


# ---------------------------------------------------------------- types, URLs, the log


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/doc.pdf", "application/pdf"), ("/pic", "image/png"), ("/movie", "video/mp4")],
)
def test_unwanted_types_are_refused_without_downloading(origin: Origin, path: str, content_type: str) -> None:
    url = origin.route(path, Response(b"%PDF" + b"\0" * 3_000_000, content_type=content_type))
    records: list[FetchRecord] = []
    with pytest.raises(FetchRejected) as info:
        fetch_sync(
            url, make_settings(), accept_types=("text/html", "application/xhtml+xml"), observer=records.append
        )
    assert info.value.reason == "unsupported_type"
    assert records[0].bytes == 0
    assert origin.requests[0].headers["accept"] == "text/html, application/xhtml+xml"


def test_accept_types_wildcards_and_parameters(origin: Origin) -> None:
    html = origin.route("/page", Response("<p>x</p>", content_type="TEXT/HTML; charset=UTF-8"))
    png = origin.route("/img", Response(b"\x89PNG", content_type="image/png"))
    first, second = run_fetches(
        make_settings(), (html, {"accept_types": ("text/html",)}), (png, {"accept_types": ("image/*",)})
    )
    assert isinstance(first, FetchResult) and isinstance(second, FetchResult)
    assert first.text == "<p>x</p>" and first.encoding == "utf-8"
    assert second.body == b"\x89PNG" and second.text == "" and second.encoding is None  # no text in a picture


@pytest.mark.parametrize(
    "url",
    [
        "example.com/news",
        "http://exa mple.com/",
        "ftp://example.com/file",
        "",
        "javascript:alert(1)",
        "http:///x",
    ],
)
def test_bad_urls_are_rejected_and_logged(url: str) -> None:
    records: list[FetchRecord] = []
    with pytest.raises(FetchRejected) as info:
        fetch_sync(url, make_settings(), observer=records.append)
    assert info.value.reason == "bad_url"
    assert [(r.url, r.status, r.outcome) for r in records] == [(url, None, "fetch.bad_url")]


def test_observer_gets_one_record_per_request_and_connections_are_reused(origin: Origin) -> None:
    ok = origin.route("/ok", "fine")
    missing = origin.url("/missing")
    origin.route("/moved", Response("", status=301, headers={"Location": "/ok"}))
    records: list[FetchRecord] = []

    async def go() -> None:
        async with Fetcher(make_settings(), observer=records.append) as fetcher:
            await fetcher.fetch(ok)
            with pytest.raises(FetchGone):
                await fetcher.fetch(missing, kind="feed")
            await fetcher.fetch(origin.url("/moved"))
            await fetcher.fetch(ok)

    asyncio.run(go())
    assert [(r.url, r.kind, r.status, r.outcome) for r in records] == [
        (ok, "page", 200, "ok"),
        (missing, "feed", 404, "fetch.not_found"),
        (origin.url("/moved"), "page", 200, "ok"),
        (ok, "page", 200, "ok"),
    ]
    assert records[0].bytes == 4 and records[0].error is None and records[1].error
    ok_peers = {r.peer for r in origin.requests if r.path == "/ok"}
    assert len(ok_peers) == 1  # one kept-alive connection served every /ok request


def test_a_broken_observer_does_not_break_fetching(origin: Origin) -> None:
    def observer(record: FetchRecord) -> None:
        raise RuntimeError("log is down")

    url = origin.route("/x", "ok")
    assert fetch_sync(url, make_settings(), observer=observer).text == "ok"


def test_fetch_refuses_unknown_kind_and_use_outside_context(origin: Origin) -> None:
    url = origin.route("/x", "ok")

    async def go(call: Callable[[Fetcher], Any]) -> None:
        fetcher = Fetcher(make_settings())
        await call(fetcher)

    with pytest.raises(ValueError):
        asyncio.run(go(lambda f: f.fetch(url, kind="video")))
    with pytest.raises(RuntimeError):
        asyncio.run(go(lambda f: f.fetch(url)))


def test_a_fetcher_can_be_reused_under_a_new_event_loop(origin: Origin) -> None:
    # Contention (one slot per host, two requests) makes the limiter's primitives wait on their loop.
    urls = [origin.route(f"/r{i}", "ok") for i in range(2)]
    fetcher = Fetcher(make_settings(fetch_per_host_concurrency=1))

    async def go() -> list[FetchResult]:
        async with fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u) for u in urls)))

    for _ in range(2):
        assert [r.text for r in asyncio.run(go())] == ["ok", "ok"]


def test_a_cancelled_fetch_is_recorded(origin: Origin) -> None:
    url = origin.route("/slow", Response("late", delay=60))
    records: list[FetchRecord] = []

    async def go() -> None:
        async with Fetcher(make_settings(), observer=records.append) as fetcher:
            task = asyncio.create_task(fetcher.fetch(url))
            while not origin.requests:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())
    assert [(r.url, r.outcome) for r in records] == [(url, "fetch.cancelled")]
