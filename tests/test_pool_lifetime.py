"""The extraction pool's processes never outlive the crawl that started them.

A crawl-like process starts the pool in a subprocess and reports when its workers are up; the
test lists every descendant it has (fork server, workers) from /proc, SIGKILLs the crawl process
alone, then polls /proc, with a bounded deadline, until none of them is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 30.0  # why: an upper bound for a broken run to fail; the workers go within about a second
POLL = 0.05  # why: how often /proc is looked at while waiting (a poll, not a fixed sleep)

CRAWL_LIKE = textwrap.dedent("""
    import asyncio, sys
    from newsdesk.pipeline.pool import POOL_THRESHOLD, ExtractionPool

    async def main() -> None:
        pool = ExtractionPool(2)
        pool.start(POOL_THRESHOLD)
        await pool.prepare("<html><body><article><p>" + "Words of a page. " * 40 + "</p></article></body></html>",
                           "http://example.invalid/a")
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until killed

    asyncio.run(main())
""")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[1], []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """The pids still running (a zombie has exited; whoever adopted it reaps it in its own time)."""
    return {pid for pid in pids if (stat := _stat(pid)) is not None and stat[0] != "Z"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_and_fork_server_exit_when_the_crawl_is_killed() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started: set[int] = set()
    crawl = subprocess.Popen([sys.executable, "-c", CRAWL_LIKE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env=env, cwd=ROOT, text=True)
    try:
        assert crawl.stdout is not None
        assert crawl.stdout.readline().strip() == "ready"
        started = descendants(crawl.pid)
        assert len(started) >= 3, started  # the fork server and two workers (at least)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait()
        deadline = time.monotonic() + DEADLINE
        while alive(started) and time.monotonic() < deadline:
            time.sleep(POLL)
        assert alive(started) == set(), "left running after the crawl was killed"
    finally:
        crawl.kill()
        crawl.wait()
        for pid in alive(started):  # only after a failure: leave nothing behind
            os.kill(pid, signal.SIGKILL)


SERVER_LIKE = textwrap.dedent("""
    import os, sys, time
    from newsdesk.pipeline import lifetime

    lifetime.guard_fork_server(interval=3600)  # the watchdog sleeps: only the fork hook can act
    parent = os.getppid()
    print("guarded", file=sys.stderr, flush=True)
    deadline = time.monotonic() + 30
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(0.01)
    print("forking", flush=True)
    os.fork()
    print("forked", flush=True)
""")

STARTER = textwrap.dedent("""
    import os, subprocess, sys
    server = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stderr=subprocess.PIPE)
    assert server.stderr.readline().strip() == b"guarded"
    os._exit(0)  # the "crawl" dies, leaving the server behind
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_fork_server_forks_nothing_once_the_crawl_is_gone() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    starter = subprocess.run([sys.executable, "-c", STARTER, SERVER_LIKE], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=DEADLINE)
    # the output pipe ends when its last writer, the orphaned server, has exited
    assert starter.returncode == 0, starter.stderr
    assert starter.stdout.splitlines() == ["forking"]
