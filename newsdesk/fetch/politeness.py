"""How many requests go out at once, and how often one host is asked: a reusable ``HostLimiter``.

A news crawler mostly asks a handful of outlets for many pages, so politeness is per host: at most
``per_host_concurrency`` requests in flight to one host, and request *starts* to one host spaced at
least ``delay`` seconds apart (raised per host by robots.txt ``Crawl-delay``). A global cap bounds
sockets and memory across all hosts.

Order of acquisition matters: a request first takes its host's slot, then waits out the host's
spacing holding the host's start lock, and only then takes a global slot, so a slow or strict host
never parks global slots while it sleeps, and starts to one host happen in the order reserved.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

MAX_HOST_DELAY = 120.0  # why: a hostile robots.txt Crawl-delay of a day must not park a worker for a day
_PRUNE_AT = 4096  # why: hosts come from hostile feeds; forget idle ones rather than grow without bound


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    start_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    delay_floor: float = 0.0
    in_use: int = 0


class HostLimiter:
    """``async with limiter.slot(host): ...`` around each request."""

    def __init__(
        self,
        *,
        concurrency: int,
        per_host_concurrency: int,
        per_host_delay: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._global = asyncio.Semaphore(max(1, concurrency))
        self._per_host = max(1, per_host_concurrency)
        self._delay = max(0.0, per_host_delay)
        self._clock = clock
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        key = host.lower()
        state = self._hosts.get(key)
        if state is None:
            if len(self._hosts) >= _PRUNE_AT:
                self._prune()
            state = self._hosts[key] = _Host(asyncio.Semaphore(self._per_host))
        return state

    def _prune(self) -> None:
        now = self._clock()
        for key, state in list(self._hosts.items()):
            if state.in_use == 0 and state.next_start <= now and not state.delay_floor:
                del self._hosts[key]

    def delay_for(self, host: str) -> float:
        """Seconds between request starts to this host (the setting, or robots' floor when larger)."""
        state = self._hosts.get(host.lower())
        return max(self._delay, state.delay_floor if state else 0.0)

    def set_delay_floor(self, host: str, seconds: float | None) -> None:
        """Raise the spacing for one host (robots.txt ``Crawl-delay``), capped at ``MAX_HOST_DELAY``."""
        state = self._host(host)
        state.delay_floor = min(max(0.0, seconds or 0.0), MAX_HOST_DELAY)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        state = self._host(host)
        state.in_use += 1
        try:
            async with state.semaphore:
                async with state.start_lock:
                    wait = state.next_start - self._clock()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    await self._global.acquire()
                    state.next_start = self._clock() + max(self._delay, state.delay_floor)
                try:
                    yield
                finally:
                    self._global.release()
        finally:
            state.in_use -= 1
