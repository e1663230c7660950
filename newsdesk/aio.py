"""Running the async stages (fetching) from synchronous code: the CLI, Celery tasks, the demo.

uvloop is used when installed (it is a dependency everywhere but Windows). Why: the crawl's writer
process spends a third of its time in the event loop and socket calls; uvloop makes that cheaper
(docs/decisions/0005-ingest-throughput.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop when it is installed, on the standard loop otherwise."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows, or a trimmed install
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)
