"""Run ``newsdesk serve`` in a real subprocess on a free loopback port, for browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_site(db_url: str, cwd: Path, *, args: tuple[str, ...] = (), **env: str) -> Iterator[str]:
    """Yield the base URL of the site serving ``db_url``; the server is stopped afterwards.
    ``args``: more ``serve`` options, such as ``("--workers", "2")``."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--db", db_url, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", *args],
        env=dict(os.environ, **env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30  # why: first start compiles and migrates; generous on a busy CI box
        while time.monotonic() < deadline:
            if process.poll() is not None:
                out = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"newsdesk serve exited: {out}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
