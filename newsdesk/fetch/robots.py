"""robots.txt rules per host (RFC 9309), read with protego and cached.

The cache does not fetch by itself: the fetcher hands in a ``fetch_text`` coroutine so robots.txt
goes through the same client, politeness, SSRF guard and fetch log as every other request.
What an answer means (RFC 9309 §2.3.1):

- 2xx: parse it (only the first 500 KiB, as the RFC allows);
- 4xx, or a permanent failure (bad redirect, blocked address): no rules, everything allowed;
- 5xx, timeout, network error: the host is treated as fully disallowed *for now* and requests raise
  :class:`FetchRetry`, so a flaky server is not crawled against rules we could not read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from protego import Protego

from newsdesk.errors import FetchRetry, Reject, Retry

ROBOTS_MAX_BYTES = 500 * 1024  # why: RFC 9309 asks parsers to read at least 500 KiB and allows ignoring more
ROBOTS_TTL = 3600.0  # why: rules change rarely; an hour means one robots request per host per hour, far
# below RFC 9309's 24 h ceiling, and an outlet's new rules still take effect the same day
# why: after a 5xx/timeout, ask again in 5 min rather than on every page of the host
ROBOTS_FAILURE_TTL = 300.0
_MAX_HOSTS = 4096  # why: hosts come from hostile feeds; expired entries are dropped past this many


@dataclass(frozen=True, slots=True)
class RobotsPolicy:
    """The rules for one origin; ``parser`` None means "no usable robots.txt: allow all"."""

    parser: Protego | None
    expires_at: float
    failure: Retry | None = None  # set while robots.txt is unreadable (5xx, timeout)

    def allows(self, url: str, user_agent: str) -> bool:
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def sitemaps(self) -> tuple[str, ...]:
        """The file's ``Sitemap:`` URLs as written (RFC 9309 §2.2.4: other records are kept for others)."""
        return tuple(self.parser.sitemaps) if self.parser is not None else ()

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def robots_url(url: httpx.URL) -> str:
    return str(url.copy_with(path="/robots.txt", query=None, fragment=None))


def origin_key(url: httpx.URL) -> str:
    """robots.txt applies per scheme, host and port (RFC 9309 §2.3)."""
    return f"{url.scheme}://{url.host.lower()}:{url.port or (443 if url.scheme == 'https' else 80)}"


class RobotsCache:
    def __init__(
        self,
        fetch_text: Callable[[str], Awaitable[str]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_text = fetch_text
        self._clock = clock
        self._policies: dict[str, RobotsPolicy] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def policy(self, url: httpx.URL) -> RobotsPolicy:
        """The current policy for the URL's origin; raises :class:`FetchRetry` while it is unreadable."""
        key = origin_key(url)
        policy = self._fresh(key)
        if policy is None:
            lock = self._locks.setdefault(key, asyncio.Lock())
            async with lock:  # concurrent first requests to a host read robots.txt once
                policy = self._fresh(key) or await self._load(key, url)
            self._locks.pop(key, None)
        if policy.failure is not None:
            raise _unreadable(key, policy.failure, retry_after=max(0.0, policy.expires_at - self._clock()))
        return policy

    def _fresh(self, key: str) -> RobotsPolicy | None:
        policy = self._policies.get(key)
        return policy if policy is not None and policy.expires_at > self._clock() else None

    async def _load(self, key: str, url: httpx.URL) -> RobotsPolicy:
        now = self._clock()
        try:
            text = await self._fetch_text(robots_url(url))
        except Retry as exc:
            policy = RobotsPolicy(None, now + ROBOTS_FAILURE_TTL, failure=exc)
        except Reject:
            policy = RobotsPolicy(None, now + ROBOTS_TTL)
        else:
            policy = RobotsPolicy(Protego.parse(text), now + ROBOTS_TTL)
        if len(self._policies) >= _MAX_HOSTS:
            for old_key in [k for k, p in self._policies.items() if p.expires_at <= now]:
                del self._policies[old_key]
        self._policies[key] = policy
        return policy


def _unreadable(key: str, failure: Retry, *, retry_after: float) -> FetchRetry:
    """Why a host is not crawled for now, in the words of the real cause: a host that refuses
    connections is reported as such (``fetch.connect_error``), not as a robots.txt problem; a
    robots.txt that answered 5xx or timed out is ``fetch.robots_unavailable``."""
    if failure.reason == "connect_error":  # "cannot connect to HOST: connection refused"
        return FetchRetry(failure.detail, reason="connect_error", retry_after=retry_after)
    cause = {"timeout": "it timed out"}.get(failure.reason) or _os_error_words(failure.detail)
    return FetchRetry(f"robots.txt of {key} could not be read ({cause}); the host is not crawled until it can",
                      reason="robots_unavailable", retry_after=retry_after)


def _os_error_words(detail: str) -> str:
    """The end of a network error's message ("[Errno -2] Name or service not known" → its words)."""
    words = detail.rsplit("] ", 1)[-1] if "[Errno" in detail else detail
    return words[:200]
