"""The extraction pool's processes end with the crawl that started them.

The pool's workers are forked by a fork server, itself started by the crawl process. When the
crawl dies without closing the pool (SIGKILL, the OOM killer), nothing tells them: each worker
waits on its task queue for ever, and the fork server, which stays up while any process it forked
holds its "alive" pipe, stays with them (and would fork a worker asked for just before the crawl
died). So:

- the fork server (``guard_fork_server``, run by ``pipeline/warm.py``, which it preloads) watches
  its parent, the crawl, and exits once it is gone; it also refuses to fork once it is gone;
- each worker (``guard_worker``, its initializer) asks Linux to kill it when its parent, the fork
  server, ends (``PR_SET_PDEATHSIG``), and watches its parent too, where that is not available.

Why the fork server has no death signal of its own: ``PR_SET_PDEATHSIG`` fires when the parent
*thread* ends, and the crawl starts the fork server from a short-lived executor thread.
Only the standard library is imported here (this module is loaded by every worker).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from typing import Any

# How often a watchdog looks at its parent (why: a getppid() call costs nothing; a quarter of a
# second is how long an orphaned worker may outlive the crawl on a system without PR_SET_PDEATHSIG).
WATCH_INTERVAL = 0.25
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
EXIT_ORPHANED = 70  # why: EX_SOFTWARE from <sysexits.h>; no one reads it, it only names the cause

# Set in the fork server by guard_fork_server (and copied into every process it forks).
_server_pid: int | None = None
_crawl_pid: int | None = None


def die_with_parent(sig: signal.Signals = signal.SIGKILL) -> bool:
    """Ask Linux to send ``sig`` to this process when the thread that forked it ends."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int, interval: float = WATCH_INTERVAL) -> threading.Thread:
    """A daemon thread that ends this process as soon as its parent is no longer ``parent``."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(EXIT_ORPHANED)

    thread = threading.Thread(target=watch, name="newsdesk-parent-watch", daemon=True)
    thread.start()
    return thread


def guard_fork_server(interval: float = WATCH_INTERVAL) -> None:
    """In the fork server: exit once the crawl that started it is gone, and fork nothing after."""
    global _server_pid, _crawl_pid
    _server_pid, _crawl_pid = os.getpid(), os.getppid()
    os.register_at_fork(before=_refuse_orphaned_fork)
    watch_parent(_crawl_pid, interval)


def _refuse_orphaned_fork() -> None:
    # the hook is inherited by every forked worker: it acts in the fork server only
    if os.getpid() == _server_pid and os.getppid() != _crawl_pid:
        os._exit(EXIT_ORPHANED)


def guard_worker() -> None:
    """In a worker: end with the fork server that forked it (and so with the crawl)."""
    parent = os.getppid()
    die_with_parent()
    # why check after asking: a parent that died before the request would never signal
    if os.getppid() != parent or (_server_pid is not None and parent != _server_pid):
        os._exit(EXIT_ORPHANED)
    watch_parent(parent)


def init_worker(embedder: str = "none", reprints: Any = None) -> None:
    """The pool's initializer: guard the worker's lifetime, then warm it up (with the story
    embedder the pool runs, loaded once for the worker's life)."""
    guard_worker()
    from newsdesk.pipeline.prepare import warm_up

    warm_up(embedder, reprints)
