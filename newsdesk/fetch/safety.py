"""Which URLs the fetcher may request: http(s) only, and never an internal address (SSRF guard).

Every URL Newsdesk fetches comes from a user or from a feed someone else wrote, so a URL (or any
redirect hop) must not reach the host's own services, the cloud metadata endpoint or the LAN. The
check runs twice: before a request is sent (:func:`check_host`, so a refusal never opens a socket),
and again inside the connection layer (:class:`GuardedBackend`) on the addresses actually dialled, so
a DNS answer that changes between the two lookups (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from newsdesk.errors import BlockedAddress, FetchRejected, FetchRetry

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOW_SETTING = "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS"
MAX_URL_LENGTH = 8192  # why: longer URLs are hostile or broken; servers commonly refuse past 8 KiB too
_NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_CHECKS = (
    ("loopback", "is_loopback"),
    ("unspecified", "is_unspecified"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("private", "is_private"),
    ("reserved", "is_reserved"),
)


def parse_url(url: str) -> httpx.URL:
    """The URL as httpx reads it, or ``FetchRejected(reason="bad_url")`` when it is not fetchable."""
    if not isinstance(url, str):
        raise FetchRejected(f"not a URL: {url!r}", reason="bad_url")
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise FetchRejected("empty or overlong URL", reason="bad_url")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise FetchRejected(f"URL contains spaces or control characters: {url[:200]!r}", reason="bad_url")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchRejected(f"invalid URL {url[:200]!r}: {exc}", reason="bad_url") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchRejected(f"only http and https URLs are fetched, not {url[:200]!r}", reason="bad_url")
    if not parsed.host:
        raise FetchRejected(f"URL has no host: {url[:200]!r}", reason="bad_url")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise FetchRejected(f"URL has an impossible port: {url[:200]!r}", reason="bad_url")
    return parsed


def _translated_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address merely stands for (IPv4-mapped, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in _NAT64_PREFIXES):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _tunnelled_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 endpoint a tunnelling address (6to4, Teredo client) leads to, if any."""
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def blocked_reason(address: str | IPAddress) -> str | None:
    """Why an address must not be fetched ("loopback", "private", …), or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    if isinstance(ip, ipaddress.IPv6Address):
        translated = _translated_ipv4(ip)
        if translated is not None:  # the packet goes to this IPv4 address: judge that address alone
            return blocked_reason(translated)
        tunnelled = _tunnelled_ipv4(ip)
        reason = blocked_reason(tunnelled) if tunnelled is not None else None
        if reason:
            return reason
    for name, attribute in _CHECKS:
        if getattr(ip, attribute):
            return name
    if not ip.is_global:  # e.g. 100.64.0.0/10 (carrier-grade NAT), 192.0.0.0/24
        return "non-global"
    return None


def _refuse(host: str, address: str, reason: str) -> BlockedAddress:
    return BlockedAddress(
        f"{host} resolves to {address} ({reason} address); refused to prevent requests to internal "
        f"services. Set {ALLOW_SETTING}=true to allow private networks."
    )


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Raise :class:`BlockedAddress` when any of the addresses is not public."""
    for address in addresses:
        reason = blocked_reason(address)
        if reason:
            raise _refuse(host, address, reason)


async def resolve(host: str, port: int, timeout: float) -> list[str]:
    """The addresses a host name resolves to (an IP literal resolves to itself, without DNS)."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return [host]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise FetchRetry(f"resolving {host} timed out", reason="dns") from None
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise FetchRetry(f"cannot resolve {host}: {exc}", reason="dns") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchRetry(f"{host} has no addresses", reason="dns")
    return addresses


async def check_host(url: httpx.URL, timeout: float) -> None:
    """Resolve the URL's host and refuse it when any address is internal (call before any request)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    check_addresses(url.host, await resolve(url.host, port, timeout))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """A network backend that dials only public addresses it has checked itself.

    httpcore asks the backend to connect to a host name; this backend resolves it, refuses when any
    address is internal, and dials the checked address, so the address used is the address checked.
    TLS still verifies the original host name (httpcore passes it as SNI separately).
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend, resolve_timeout: float) -> None:
        self._inner = inner
        self._resolve_timeout = resolve_timeout

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port, self._resolve_timeout)
        check_addresses(host, addresses)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise _refuse(path, path, "unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(
    transport: httpx.AsyncHTTPTransport, resolve_timeout: float
) -> httpx.AsyncHTTPTransport:
    """Put a :class:`GuardedBackend` under an httpx transport's connection pool.

    httpx does not expose the backend, so this reaches into the pool it built; if a future httpx
    changes that, the pre-request :func:`check_host` still guards every request.
    """
    pool = getattr(transport, "_pool", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and hasattr(pool, "_network_backend"):
        pool._network_backend = GuardedBackend(pool._network_backend, resolve_timeout)
    return transport
