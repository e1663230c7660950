"""Politeness and safety end to end: robots.txt, per-host spacing and concurrency, the global cap,
and the address guard refusing before any connection. Every server is the loopback origin; the one
"public" host is an httpx MockTransport that answers in memory and never touches the network.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpcore
import httpx
import pytest

from newsdesk.errors import BlockedAddress, FetchRetry, RobotsDisallowed, StageError
from newsdesk.fetch import Fetcher, HostLimiter, fetch_sync
from newsdesk.fetch.robots import ROBOTS_FAILURE_TTL
from newsdesk.fetch.safety import GuardedBackend, guarded_transport
from newsdesk.models import FetchRecord, FetchResult
from newsdesk.settings import Settings
from tests.support.origin import Origin, RequestInfo, Response

# Slack for the one check that still times a whole queue's duration; spacing is measured where the
# client sends (SendTimes), not where the origin's threads happen to receive.
JITTER = 0.05
# Between its politeness slot and the send a request runs only its own few lines (no await in
# between, so no other task): the sends' spacing matches the slots' to well within this.
SEND_SLACK = 0.005


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "fetch_allow_private_networks": True,
        "fetch_per_host_delay": 0.0,
        "fetch_respect_robots": True,
        "fetch_timeout": 5.0,
        "fetch_connect_timeout": 2.0,
    }
    values.update(overrides)
    return Settings(**values)


class SendTimes(httpx.AsyncBaseTransport):
    """The real transport, noting when the client hands it each request (after the politeness slot).

    Spacing is measured here, where the client sends: the origin's receive times add its threads'
    scheduling jitter, which on a busy machine made a correctly spaced client look too fast.
    """

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport(retries=0)
        self.sent: list[tuple[str, float]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.url.path, time.monotonic()))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def gaps(self, prefix: str) -> list[float]:
        """Seconds between consecutive sends of paths starting with ``prefix``."""
        starts = sorted(at for path, at in self.sent if path.startswith(prefix))
        return [b - a for a, b in zip(starts, starts[1:], strict=False)]


def run_many(settings: Settings, urls: list[str], *, concurrent: bool = False,
             transport: httpx.AsyncBaseTransport | None = None, **kw: Any) -> list[Any]:
    """Fetch URLs on one Fetcher (in order, or all at once); results or the outcomes raised."""
    records: list[FetchRecord] = []

    async def one(fetcher: Fetcher, url: str) -> FetchResult | StageError:
        try:
            return await fetcher.fetch(url, **kw)
        except StageError as exc:
            return exc

    async def go() -> list[Any]:
        async with Fetcher(settings, observer=records.append, transport=transport) as fetcher:
            if concurrent:
                return list(await asyncio.gather(*(one(fetcher, u) for u in urls)))
            return [await one(fetcher, u) for u in urls]

    results = asyncio.run(go())
    return [*results, records]


def paths(origin: Origin) -> list[str]:
    return [r.path for r in origin.requests]


# ---------------------------------------------------------------- robots.txt


def test_robots_disallow_refuses_before_requesting_and_is_read_once(origin: Origin) -> None:
    origin.route("/robots.txt", "User-agent: *\nDisallow: /private\n", content_type="text/plain")
    origin.route("/public", "ok")
    origin.route("/private/page", "secret")
    private, public, again, records = run_many(
        make_settings(), [origin.url("/private/page"), origin.url("/public"), origin.url("/public")]
    )
    assert isinstance(private, RobotsDisallowed) and private.reason == "robots_disallowed"
    assert isinstance(public, FetchResult) and isinstance(again, FetchResult)
    assert paths(origin) == ["/robots.txt", "/public", "/public"]  # cached, and /private never asked
    assert [(r.kind, r.status, r.outcome) for r in records] == [
        ("robots", 200, "ok"),
        ("page", None, "fetch.robots_disallowed"),
        ("page", 200, "ok"),
        ("page", 200, "ok"),
    ]


def test_robots_rules_for_our_user_agent_apply(origin: Origin) -> None:
    origin.route("/robots.txt", "User-agent: Newsdesk\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    origin.route("/a", "ok")
    [result, _] = run_many(make_settings(), [origin.url("/a")])
    assert isinstance(result, RobotsDisallowed)
    [result, _] = run_many(make_settings(user_agent="OtherBot/2.0"), [origin.url("/a")])
    assert isinstance(result, FetchResult)


def test_robots_checked_on_every_redirect_hop(origin: Origin) -> None:
    origin.route("/robots.txt", "User-agent: *\nDisallow: /private\n")
    origin.route("/go", Response("", status=302, headers={"Location": "/private/x"}))
    [result, _] = run_many(make_settings(), [origin.url("/go")])
    assert isinstance(result, RobotsDisallowed)
    assert "/private/x" not in paths(origin)


def test_missing_robots_allows_everything(origin: Origin) -> None:
    origin.route("/a", "ok")  # /robots.txt answers the origin's default 404
    [result, records] = run_many(make_settings(), [origin.url("/a")])
    assert isinstance(result, FetchResult)
    assert [(r.kind, r.outcome) for r in records] == [("robots", "fetch.not_found"), ("page", "ok")]


def test_robots_server_error_means_temporarily_disallowed(origin: Origin) -> None:
    origin.route("/robots.txt", Response("oops", status=500))
    origin.route("/a", "ok")
    first, second, records = run_many(make_settings(), [origin.url("/a"), origin.url("/a")])
    for result in (first, second):
        assert isinstance(result, FetchRetry) and result.reason == "robots_unavailable"
        assert result.retry_after is not None and 0 < result.retry_after <= ROBOTS_FAILURE_TTL
    assert paths(origin) == ["/robots.txt"]  # the failure is cached; the page is never asked for
    assert [(r.kind, r.outcome) for r in records] == [
        ("robots", "fetch.http_5xx"),
        ("page", "fetch.robots_unavailable"),
        ("page", "fetch.robots_unavailable"),
    ]


def test_robots_timeout_means_temporarily_disallowed(origin: Origin) -> None:
    origin.route("/robots.txt", Response("User-agent: *\nAllow: /\n", delay=60))
    origin.route("/a", "ok")
    [result, _] = run_many(make_settings(fetch_timeout=0.5), [origin.url("/a")])
    assert isinstance(result, FetchRetry) and result.reason == "robots_unavailable"
    assert "/a" not in paths(origin)


def test_robots_redirect_is_followed(origin: Origin) -> None:
    origin.route("/robots.txt", Response("", status=301, headers={"Location": "/real-robots.txt"}))
    origin.route("/real-robots.txt", "User-agent: *\nDisallow: /\n")
    origin.route("/a", "ok")
    [result, _] = run_many(make_settings(), [origin.url("/a")])
    assert isinstance(result, RobotsDisallowed)


def test_robots_can_be_switched_off(origin: Origin) -> None:
    origin.route("/robots.txt", "User-agent: *\nDisallow: /\n")
    origin.route("/a", "ok")
    [result, _] = run_many(make_settings(fetch_respect_robots=False), [origin.url("/a")])
    assert isinstance(result, FetchResult)
    [result, _] = run_many(make_settings(), [origin.url("/a")], check_robots=False)
    assert isinstance(result, FetchResult)
    assert paths(origin) == ["/a", "/a"]


def test_crawl_delay_is_a_floor_on_host_spacing(origin: Origin) -> None:
    origin.route("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n")
    for i in range(3):
        origin.route(f"/p{i}", "ok")
    sends = SendTimes()
    *results, _ = run_many(
        make_settings(fetch_per_host_delay=0.0, fetch_per_host_concurrency=3),
        [origin.url(f"/p{i}") for i in range(3)],
        concurrent=True,
        transport=sends,
    )
    assert all(isinstance(r, FetchResult) for r in results)
    gaps = sends.gaps("/p")
    assert len(gaps) == 2 and min(gaps) >= 0.3 - SEND_SLACK, gaps


# ---------------------------------------------------------------- spacing and concurrency


def test_per_host_spacing_between_request_starts(origin: Origin) -> None:
    for i in range(4):
        origin.route(f"/s{i}", "ok")
    sends = SendTimes()
    *results, _ = run_many(
        make_settings(fetch_per_host_delay=0.2, fetch_per_host_concurrency=4, fetch_respect_robots=False),
        [origin.url(f"/s{i}") for i in range(4)],
        concurrent=True,
        transport=sends,
    )
    assert all(isinstance(r, FetchResult) for r in results)
    gaps = sends.gaps("/s")
    assert len(gaps) == 3 and min(gaps) >= 0.2 - SEND_SLACK, gaps


class InFlight:
    """An origin handler that holds each request a moment and records the most seen at once."""

    def __init__(self, hold: float = 0.25) -> None:
        self.hold, self.now, self.peak = hold, 0, 0
        self.lock = threading.Lock()

    def __call__(self, info: RequestInfo) -> Response:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(self.hold)
        with self.lock:
            self.now -= 1
        return Response("ok")


@pytest.mark.parametrize("per_host", [1, 3])
def test_per_host_concurrency(origin: Origin, per_host: int) -> None:
    handler = InFlight()
    for i in range(6):
        origin.route(f"/c{i}", handler)
    run_many(
        make_settings(fetch_per_host_concurrency=per_host, fetch_respect_robots=False),
        [origin.url(f"/c{i}") for i in range(6)],
        concurrent=True,
    )
    assert handler.peak <= per_host
    assert handler.peak >= min(per_host, 2)  # overlap really happens when allowed: the probe can see it


@pytest.mark.parametrize("cap", [1, 4])
def test_global_cap_across_hosts(origin: Origin, cap: int) -> None:
    # "localhost" and "127.0.0.1" are two hosts to the limiter, and one server to the test.
    handler = InFlight()
    urls = []
    for i in range(4):
        origin.route(f"/g{i}", handler)
        host = "localhost" if i % 2 else "127.0.0.1"
        urls.append(f"http://{host}:{origin.port}/g{i}")
    run_many(
        make_settings(fetch_concurrency=cap, fetch_per_host_concurrency=2, fetch_respect_robots=False),
        urls,
        concurrent=True,
    )
    assert handler.peak <= cap
    assert handler.peak >= min(cap, 2)  # with room, requests to both hosts overlap


def test_host_limiter_spacing_floor_is_capped_and_per_host() -> None:
    limiter = HostLimiter(concurrency=4, per_host_concurrency=1, per_host_delay=0.5)
    limiter.set_delay_floor("Slow.example", 86_400)
    limiter.set_delay_floor("fast.example", 0.1)
    assert limiter.delay_for("slow.example") == 120.0  # capped: a hostile robots.txt cannot stall a worker
    assert limiter.delay_for("fast.example") == 0.5  # the setting stays the minimum
    assert limiter.delay_for("other.example") == 0.5


def test_host_limiter_global_cap_without_network() -> None:
    async def go() -> int:
        limiter = HostLimiter(concurrency=2, per_host_concurrency=5, per_host_delay=0.0)
        now = peak = 0

        async def task(host: str) -> None:
            nonlocal now, peak
            async with limiter.slot(host):
                now += 1
                peak = max(peak, now)
                await asyncio.sleep(0.02)
                now -= 1

        await asyncio.gather(*(task(f"h{i}.example") for i in range(8)))
        return peak

    assert asyncio.run(go()) == 2


# ---------------------------------------------------------------- address guard


def test_loopback_origin_is_refused_before_any_request(origin: Origin) -> None:
    url = origin.route("/a", "ok")
    records: list[FetchRecord] = []
    settings = make_settings(fetch_allow_private_networks=False)
    for target in (url, f"http://localhost:{origin.port}/a"):
        with pytest.raises(BlockedAddress) as info:
            fetch_sync(target, settings, observer=records.append)
        assert "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS" in str(info.value)
        assert info.value.reason == "blocked_address"
    assert origin.requests == []  # not even robots.txt was asked for
    assert [(r.kind, r.status, r.outcome) for r in records] == [("page", None, "fetch.blocked_address")] * 2


def test_redirect_from_a_public_host_to_loopback_is_refused(origin: Origin) -> None:
    secret = origin.route("/secret", "internal")

    def public_site(request: httpx.Request) -> httpx.Response:  # in memory: no packet leaves
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(302, headers={"Location": secret})

    async def go() -> None:
        settings = make_settings(fetch_allow_private_networks=False)
        async with Fetcher(settings, transport=httpx.MockTransport(public_site)) as fetcher:
            await fetcher.fetch("http://93.184.216.34/story")

    with pytest.raises(BlockedAddress):
        asyncio.run(go())
    assert origin.requests == []


def test_connection_layer_refuses_internal_addresses_itself(origin: Origin) -> None:
    """The guard under httpx checks the addresses it dials, whatever ran before it."""
    origin.route("/a", "ok")

    async def direct() -> None:
        await GuardedBackend(httpcore.AnyIOBackend(), 1.0).connect_tcp("127.0.0.1", origin.port)

    async def through_httpx() -> None:
        transport = guarded_transport(httpx.AsyncHTTPTransport(), 1.0)
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get(f"http://localhost:{origin.port}/a")

    for attempt in (direct, through_httpx):
        with pytest.raises(BlockedAddress):
            asyncio.run(attempt())
    assert origin.requests == []


def test_oversized_robots_is_read_up_to_500_kib(origin: Origin) -> None:
    # RFC 9309 lets crawlers parse only the first 500 KiB; the rest must not turn into a refusal.
    rules = "User-agent: *\nDisallow: /private\n" + "# padding\n" * 100_000  # ~1 MB
    url = origin.route("/robots.txt", rules, content_type="text/plain")
    origin.route("/private/x", "secret")
    result = fetch_sync(url, make_settings(fetch_max_bytes=100), kind="robots")
    assert len(result.body) == 500 * 1024 and result.text.startswith("User-agent: *")
    [blocked, _] = run_many(make_settings(fetch_max_bytes=100), [origin.url("/private/x")])
    assert isinstance(blocked, RobotsDisallowed)


def test_logged_durations_are_request_time_not_queueing(origin: Origin) -> None:
    """Three pages of one host one at a time, 0.3 s apart: the last waits 0.6 s for its slot, but
    the fetch log (and the result) give each request's own time, so a slow queue never reads as a
    slow server."""
    for i in range(3):
        origin.route(f"/q{i}", "ok")
    started = time.monotonic()
    *results, records = run_many(
        make_settings(fetch_per_host_delay=0.3, fetch_per_host_concurrency=1, fetch_respect_robots=False),
        [origin.url(f"/q{i}") for i in range(3)],
        concurrent=True,
    )
    assert time.monotonic() - started >= 0.6 - JITTER  # the queueing did happen
    assert all(isinstance(r, FetchResult) and r.elapsed < 0.25 for r in results), results
    assert len(records) == 3 and all(r.outcome == "ok" and 0 < r.duration < 0.25 for r in records), records
