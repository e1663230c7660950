"""The fetcher: one polite, size- and time-capped, SSRF-guarded GET, as bytes and decoded text.

Every outcome other than a usable answer is a typed exception from :mod:`newsdesk.errors` with a
stable ``reason`` (``fetch.timeout``, ``fetch.too_large``, …), and every request made or refused is
reported once to the ``observer`` as a :class:`FetchRecord`, so the fetch log sees everything.

Order of checks for each hop (the first request and each redirect), cheapest and safest first:
URL shape → address check (before any socket) → robots.txt → politeness slot → request with a
wall-clock deadline → status → Content-Length and Content-Type (before the body) → capped body.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

import httpx

from newsdesk.errors import (
    FetchGone,
    FetchRejected,
    FetchRetry,
    NotModified,
    RobotsDisallowed,
    StageError,
)
from newsdesk.fetch.body import ACCEPT_ENCODING, read_body
from newsdesk.fetch.challenge import CHALLENGE_SNIFF_BYTES, CHALLENGE_STATUSES, is_challenge
from newsdesk.fetch.decode import decode_body
from newsdesk.fetch.politeness import HostLimiter
from newsdesk.fetch.robots import ROBOTS_MAX_BYTES, RobotsCache
from newsdesk.fetch.safety import check_host, guarded_transport, parse_url
from newsdesk.fetch.schedule import freshness_lifetime
from newsdesk.models import MAX_URL_CHARS, FetchRecord, FetchResult
from newsdesk.settings import Settings

log = logging.getLogger(__name__)

KINDS = ("feed", "page", "robots")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# why: a hostile Retry-After must not park a feed for years; a day is also the feed backoff cap
MAX_RETRY_AFTER = 86_400.0
_DRAIN_BYTES = 64 * 1024  # why: reading this much is cheaper than a new connection (TCP+TLS handshakes)
_DNS_TIMEOUT = 5.0  # why: resolution normally takes milliseconds; also bounded by the connect timeout

_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")

Observer = Callable[[FetchRecord], None]


@dataclass
class _Trace:
    """What one fetch learned so far, so a record can be written however it ends."""

    status: int | None = None
    bytes: int = 0
    # Seconds spent in requests (every hop), not waiting for the host's politeness slot or robots.txt:
    # the fetch log's duration says how slow the server was, not how long our queue was.
    network: float = 0.0


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def raise_for_status(status: int, headers: httpx.Headers, url: str, head: bytes = b"") -> None:
    """Turn a non-2xx final status into its typed outcome; ``head`` is the start of an error body,
    which tells a bot wall's challenge page (``bot_wall``) from a plain refusal."""
    if 200 <= status < 300:
        return
    where = f"{url} answered {status}"
    if status == 304:
        raise NotModified(f"{url} not modified", etag=headers.get("etag"),
                          last_modified=headers.get("last-modified"), freshness=freshness_of(headers))
    if is_challenge(status, headers, head):
        challenge = f"{where} with a bot-protection challenge page instead of the content"
        if status == 403:
            raise FetchRejected(challenge, reason="bot_wall")
        raise FetchRetry(challenge, reason="bot_wall", retry_after=parse_retry_after(headers.get("retry-after")))
    if status == 429:
        raise FetchRetry(
            where, reason="rate_limited", retry_after=parse_retry_after(headers.get("retry-after"))
        )
    if status == 503:
        raise FetchRetry(
            where, reason="unavailable", retry_after=parse_retry_after(headers.get("retry-after"))
        )
    if 500 <= status < 600:
        raise FetchRetry(where, reason="http_5xx", retry_after=parse_retry_after(headers.get("retry-after")))
    if status == 404:
        raise FetchGone(where, reason="not_found")
    if status == 410:
        raise FetchGone(where, reason="gone")
    raise FetchRejected(where, reason=f"http_{status}")


def freshness_of(headers: httpx.Headers) -> float | None:
    """How long the answer says it stays fresh (Cache-Control max-age, Expires), in seconds."""
    return freshness_lifetime(headers.get("cache-control"), headers.get("expires"), headers.get("date"),
                              now=time.time())


# Link header values read per answer (why: a feed names a hub and itself; a long list is junk).
MAX_LINKS = 20
_LINK_VALUE = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]*)*)')
_REL_PARAM = re.compile(r'(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))', re.IGNORECASE)


def parse_link_header(values: list[str], base: str) -> tuple[tuple[str, str], ...]:
    """RFC 8288 ``Link`` header values as (rel, absolute URL) pairs, one per relation type named.

    WebSub discovery reads ``rel="hub"`` and ``rel="self"`` from them (https://www.w3.org/TR/websub/#discovery).
    Targets are resolved against ``base``; anything that is not http(s) is dropped.
    """
    pairs: list[tuple[str, str]] = []
    for value in values:
        for match in _LINK_VALUE.finditer(value):
            rel = _REL_PARAM.search(match.group(2) or "")
            if rel is None:
                continue
            try:
                target = urljoin(base, match.group(1).strip())
            except ValueError:
                continue
            if not target.lower().startswith(("http://", "https://")) or len(target) > MAX_URL_CHARS:
                continue
            for name in (rel.group(1) or rel.group(2) or "").lower().split():
                pairs.append((name, target))
            if len(pairs) >= MAX_LINKS:
                return tuple(pairs[:MAX_LINKS])
    return tuple(pairs)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def type_accepted(content_type: str | None, accept_types: tuple[str, ...]) -> bool:
    """Does the media type match one of ``accept_types`` ("text/html", "image/*", "*/*")?

    A missing Content-Type passes: many servers omit it, and the parser after us sniffs anyway.
    """
    kind = media_type(content_type)
    if not kind:
        return True
    for pattern in accept_types:
        pattern = media_type(pattern)
        if pattern in ("*/*", kind) or (pattern.endswith("/*") and kind.startswith(pattern[:-1])):
            return True
    return False


def _connect_cause(exc: BaseException) -> str:
    """The real cause of a failed connection, in words (why: httpx says "All connection attempts
    failed" and keeps "refused" in the exception chain, which a user never sees)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        todo.extend([current.__cause__, current.__context__, *getattr(current, "exceptions", ())])
    return str(exc)


async def _error_head(response: httpx.Response) -> bytes:
    """The start of an error body that may be a bot wall's challenge page (read, decoded, up to the
    sniff cap); other error bodies are only drained when short, so the connection can be reused."""
    if response.status_code not in CHALLENGE_STATUSES:
        await _drain_small(response)
        return b""
    try:
        return await read_body(response, CHALLENGE_SNIFF_BYTES, truncate=True, counter=[0])
    except FetchRejected:  # a corrupt compressed error page: no markers to read, the status still counts
        return b""


async def _drain_small(response: httpx.Response) -> None:
    """Read a short redirect or error body so its connection can be reused; leave long ones unread."""
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) <= _DRAIN_BYTES:
        async for _ in response.aiter_raw():
            pass


class Fetcher:
    """``async with Fetcher(settings) as f: result = await f.fetch(url)``; one client, reused connections."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.settings = settings
        self.observer = observer
        self.limiter = self._new_limiter()
        self.robots = RobotsCache(self._fetch_robots_text)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _new_limiter(self) -> HostLimiter:
        return HostLimiter(
            concurrency=self.settings.fetch_concurrency,
            per_host_concurrency=self.settings.fetch_per_host_concurrency,
            per_host_delay=self.settings.fetch_per_host_delay,
        )

    def _build_client(self) -> httpx.AsyncClient:
        s = self.settings
        transport = self._transport
        if transport is None:
            http = httpx.AsyncHTTPTransport(
                trust_env=False,  # a proxy from the environment would sidestep the address guard
                retries=0,  # retries are the scheduler's decision, with backoff and counting
                limits=httpx.Limits(
                    max_connections=s.fetch_concurrency,
                    max_keepalive_connections=s.fetch_concurrency,
                ),
            )
            transport = http if s.fetch_allow_private_networks else guarded_transport(http, _DNS_TIMEOUT)
        return httpx.AsyncClient(
            transport=transport,
            trust_env=False,
            follow_redirects=False,  # followed by hand: each hop gets the address check and robots
            timeout=httpx.Timeout(
                connect=s.fetch_connect_timeout,
                read=s.fetch_read_timeout,
                write=s.fetch_read_timeout,
                pool=s.fetch_timeout,
            ),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )

    async def __aenter__(self) -> Fetcher:
        loop = asyncio.get_running_loop()
        if self._loop is not None and self._loop is not loop:
            # asyncio primitives belong to one loop; a Fetcher reused under a new asyncio.run()
            # gets fresh ones (robots floors come back from the robots cache on the next request).
            self.limiter = self._new_limiter()
        self._loop = loop
        if self._client is None:
            self._client = self._build_client()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # ------------------------------------------------------------------ public

    async def fetch(
        self,
        url: str,
        *,
        kind: str = "page",
        etag: str | None = None,
        last_modified: str | None = None,
        accept_types: tuple[str, ...] | None = None,
        check_robots: bool = True,
    ) -> FetchResult:
        """GET one URL; raise a typed outcome for anything but a usable 2xx answer."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept_types:
            headers["Accept"] = ", ".join(accept_types)
        robots = check_robots and kind != "robots" and self.settings.fetch_respect_robots
        cap = ROBOTS_MAX_BYTES if kind == "robots" else self.settings.fetch_max_bytes
        return await self._observed(
            url, kind, headers, accept_types, robots=robots, cap=cap, truncate=kind == "robots"
        )

    async def post_form(self, url: str, data: dict[str, str]) -> int:
        """POST a form (a WebSub subscription request or publish ping) and return the 2xx status.

        The same address guard and politeness slot as a GET, on every hop; no robots.txt (a hub's
        endpoint is an API the publisher named, not a page). Only 307 and 308 are followed, since
        they keep the method and body (a moved hub, websub.rocks tests 105 and 106); a non-2xx
        answer raises its typed outcome.
        """
        if self._client is None:
            raise RuntimeError("use the Fetcher as 'async with Fetcher(settings) as fetcher:'")
        target = parse_url(url)
        for _ in range(self.settings.fetch_max_redirects + 1):
            response = await self._post_once(target, data)
            location = response.headers.get("location")
            if response.status_code not in (307, 308) or not location:
                raise_for_status(response.status_code, response.headers, str(target))
                return response.status_code
            try:
                target = parse_url(str(target.join(location)))
            except (httpx.InvalidURL, ValueError) as exc:
                raise FetchRejected(f"bad redirect target {location[:200]!r}: {exc}", reason="bad_url") from None
        raise FetchRejected(f"more than {self.settings.fetch_max_redirects} redirects from {url}",
                            reason="too_many_redirects")

    async def _post_once(self, target: httpx.URL, data: dict[str, str]) -> httpx.Response:
        assert self._client is not None
        await self._admit(target, robots=False)
        async with self.limiter.slot(target.host):
            try:
                async with asyncio.timeout(self.settings.fetch_timeout):
                    return await self._client.post(target, data=data)
            except TimeoutError:
                raise FetchRetry(f"{target} took longer than {self.settings.fetch_timeout:g}s",
                                 reason="timeout") from None
            except httpx.TimeoutException as exc:
                raise FetchRetry(f"{target}: {type(exc).__name__}", reason="timeout") from None
            except httpx.ConnectError as exc:
                raise FetchRetry(f"cannot connect to {target.host}: {_connect_cause(exc)}",
                                 reason="connect_error") from None
            except httpx.TransportError as exc:
                raise FetchRetry(f"{target}: {type(exc).__name__}: {exc}", reason="network_error") from None

    # ------------------------------------------------------------------ internals

    def _report(self, record: FetchRecord) -> None:
        if self.observer is None:
            return
        try:
            self.observer(record)
        except Exception:  # a broken log must not break fetching
            log.exception("fetch observer failed for %s", record.url)

    async def _observed(
        self,
        url: str,
        kind: str,
        headers: dict[str, str],
        accept_types: tuple[str, ...] | None,
        *,
        robots: bool,
        cap: int,
        truncate: bool,
    ) -> FetchResult:
        trace = _Trace()
        try:
            result = await self._fetch(
                url, kind, headers, accept_types, trace, robots=robots, cap=cap, truncate=truncate
            )
        except StageError as exc:
            outcome = "not_modified" if isinstance(exc, NotModified) else f"{exc.stage}.{exc.reason}"
            error = None if isinstance(exc, NotModified) else str(exc)
            self._report(
                FetchRecord(url, kind, trace.status, trace.bytes, trace.network, outcome, error)
            )
            raise
        except asyncio.CancelledError:
            self._report(
                FetchRecord(
                    url, kind, trace.status, trace.bytes, trace.network, "fetch.cancelled"
                )
            )
            raise
        except BaseException as exc:  # a bug: still one record, then let it go
            self._report(
                FetchRecord(
                    url, kind, trace.status, trace.bytes, trace.network, "fetch.error", repr(exc)
                )
            )
            raise
        self._report(FetchRecord(url, kind, result.status, len(result.body), trace.network, "ok"))
        return result

    async def _fetch_robots_text(self, url: str) -> str:
        result = await self._observed(
            url, "robots", {}, None, robots=False, cap=ROBOTS_MAX_BYTES, truncate=True
        )
        return result.text

    async def _fetch(
        self,
        url: str,
        kind: str,
        headers: dict[str, str],
        accept_types: tuple[str, ...] | None,
        trace: _Trace,
        *,
        robots: bool,
        cap: int,
        truncate: bool,
    ) -> FetchResult:
        if self._client is None:
            raise RuntimeError("use the Fetcher as 'async with Fetcher(settings) as fetcher:'")
        current = parse_url(url)
        seen = {str(current.copy_with(fragment=None))}
        redirects: list[str] = []
        while True:
            await self._admit(current, robots=robots)
            response, body = await self._exchange(
                current, headers, accept_types, trace, cap=cap, truncate=truncate
            )
            if response.status_code not in REDIRECT_STATUSES:
                break
            location = response.headers.get("location")
            if not location:
                raise FetchRejected(f"{current} redirected without a Location", reason="bad_redirect")
            if len(redirects) >= self.settings.fetch_max_redirects:
                raise FetchRejected(
                    f"more than {self.settings.fetch_max_redirects} redirects from {url}",
                    reason="too_many_redirects",
                )
            try:
                target = current.join(location)
            except (httpx.InvalidURL, ValueError) as exc:
                raise FetchRejected(
                    f"bad redirect target {location[:200]!r}: {exc}", reason="bad_url"
                ) from None
            next_url = parse_url(str(target.copy_with(fragment=None)))
            key = str(next_url)
            if key in seen:
                raise FetchRejected(f"redirect loop at {key}", reason="redirect_loop")
            seen.add(key)
            redirects.append(key)
            current = next_url
        content_type = response.headers.get("content-type", "")
        if media_type(content_type).startswith(_BINARY_PREFIXES):
            text, encoding = "", None  # pictures and media have no text; don't spend detection on them
        else:
            text, encoding = decode_body(body, content_type)
        return FetchResult(
            url=url,
            final_url=str(current),
            status=response.status_code,
            content_type=content_type,
            body=body,
            text=text,
            encoding=encoding,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            elapsed=trace.network,
            redirects=tuple(redirects),
            freshness=freshness_of(response.headers),
            links=parse_link_header(response.headers.get_list("link"), str(current)),
        )

    async def _admit(self, url: httpx.URL, *, robots: bool) -> None:
        """Refuse a hop before any request to it: internal address, then robots.txt."""
        if not self.settings.fetch_allow_private_networks:
            await check_host(url, min(_DNS_TIMEOUT, self.settings.fetch_connect_timeout))
        if robots:
            policy = await self.robots.policy(url)
            if not policy.allows(str(url), self.settings.user_agent):
                raise RobotsDisallowed(f"robots.txt of {url.host} disallows {url}")
            self.limiter.set_delay_floor(url.host, policy.crawl_delay(self.settings.user_agent))

    async def _exchange(
        self,
        url: httpx.URL,
        headers: dict[str, str],
        accept_types: tuple[str, ...] | None,
        trace: _Trace,
        *,
        cap: int,
        truncate: bool,
    ) -> tuple[httpx.Response, bytes]:
        """One request under the host's politeness slot and a wall-clock deadline.

        Returns a redirect with an empty body (unread), a 2xx with its body read under the cap;
        raises for the rest.
        """
        assert self._client is not None
        request = self._client.build_request("GET", url, headers=headers)
        body = b""
        async with self.limiter.slot(url.host):
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.settings.fetch_timeout):
                    response = await self._client.send(request, stream=True)
                    try:
                        trace.status = response.status_code
                        head = b""
                        if not 200 <= response.status_code < 300:
                            head = await _error_head(response)
                        if response.status_code not in REDIRECT_STATUSES:
                            raise_for_status(response.status_code, response.headers, str(url), head)
                            self._check_headers(response, accept_types, cap=cap, truncate=truncate)
                            counter = [0]
                            try:
                                body = await read_body(response, cap, truncate=truncate, counter=counter)
                            finally:
                                trace.bytes = counter[0]
                    finally:
                        await response.aclose()
            except TimeoutError:
                raise FetchRetry(
                    f"{url} took longer than {self.settings.fetch_timeout:g}s", reason="timeout"
                ) from None
            except httpx.TimeoutException as exc:
                raise FetchRetry(f"{url}: {type(exc).__name__}", reason="timeout") from None
            except httpx.ConnectError as exc:
                raise FetchRetry(f"cannot connect to {url.host}: {_connect_cause(exc)}", reason="connect_error") from None
            except httpx.TransportError as exc:
                raise FetchRetry(f"{url}: {type(exc).__name__}: {exc}", reason="network_error") from None
            finally:
                trace.network += time.monotonic() - started
        return response, body

    def _check_headers(
        self, response: httpx.Response, accept_types: tuple[str, ...] | None, *, cap: int, truncate: bool
    ) -> None:
        """Refuse by headers alone, before reading a byte of the body."""
        content_type = response.headers.get("content-type")
        if accept_types and not type_accepted(content_type, accept_types):
            raise FetchRejected(
                f"{response.url} is {media_type(content_type)}, not one of {', '.join(accept_types)}",
                reason="unsupported_type",
            )
        length = response.headers.get("content-length", "").strip()
        if not truncate and length.isdigit() and int(length) > cap:
            raise FetchRejected(
                f"{response.url} announces {length} bytes, over the {cap} limit", reason="too_large"
            )


def fetch_sync(url: str, settings: Settings, **kw: Any) -> FetchResult:
    """One fetch from synchronous code (CLI one-offs); ``kw`` are :meth:`Fetcher.fetch` options.

    ``observer`` and ``transport`` are passed to the :class:`Fetcher`. Not for use inside a running
    event loop: there, use a ``Fetcher`` directly.
    """
    observer = kw.pop("observer", None)
    transport = kw.pop("transport", None)

    async def one() -> FetchResult:
        async with Fetcher(settings, transport=transport, observer=observer) as fetcher:
            return await fetcher.fetch(url, **kw)

    return asyncio.run(one())
