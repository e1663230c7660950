"""A real HTTP origin on 127.0.0.1 for tests: routes are set by code, requests are recorded.

Each route answers with a fixed response or a handler callable; handlers can stall, trickle bytes,
redirect or count requests, so fetch tests see real sockets, real headers and real timing. A
response can also stream its body from an iterable (``stream=``, sent chunked), e.g. ``endless()``.
Stalls and streams end when the origin stops, so a test never waits on a server thread.
"""

from __future__ import annotations

import gzip
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Response:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before the answer starts
    trickle: float = 0.0  # seconds between single bytes of the body (0: send at once)
    gzip: bool = False
    # The body as chunks, sent with Transfer-Encoding: chunked (no Content-Length unless given in
    # ``headers``); a callable is called per request, so a generator can be served more than once.
    stream: Iterable[bytes] | Callable[[], Iterable[bytes]] | None = None


def endless(chunk: bytes = b"x" * 65536) -> Callable[[], Iterator[bytes]]:
    """A ``stream`` that never ends (until the client hangs up or the origin stops)."""

    def chunks() -> Iterator[bytes]:
        while True:
            yield chunk

    return chunks


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    at: float
    peer: tuple[str, int] | None = None  # client address and port: one port per reused connection


Handler = Callable[["RequestInfo"], Response]


@dataclass
class RequestInfo:
    path: str
    headers: dict[str, str]
    count: int  # how many times this path was asked for, this one included


PAUSE_SLICE = 0.02  # why: a stopping server gives up a delayed answer within 20 ms


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up (timeouts, size caps: what fetch tests provoke) are not errors here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def _peer(address: object) -> tuple[str, int] | None:
    if isinstance(address, tuple) and len(address) >= 2:
        return str(address[0]), int(address[1])
    return None


class Origin:
    """``origin.route("/feed.xml", Response(...))``; ``origin.url("/feed.xml")``; ``origin.requests``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Response | Handler] = {}
        self.requests: list[Request] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        origin = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                origin._serve(self)

        self.server = _QuietServer((host, 0), _Handler)
        self.server.daemon_threads = True
        host_, port_ = self.server.server_address[:2]
        self.host: str = host_.decode() if isinstance(host_, bytes) else str(host_)
        self.port: int = int(port_)
        # why 0.05 s: shutdown() waits up to one poll interval; the default 0.5 s adds that to every test
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> Origin:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes stalled and streaming handlers
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Origin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, response: Response | Handler | str | bytes, **kwargs: Any) -> str:
        if isinstance(response, (str, bytes)):
            response = Response(response, **kwargs)
        self.routes[path] = response
        return self.url(path)

    def hits(self, path: str) -> int:
        with self._lock:
            return self._counts.get(path, 0)

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds`` unless the server is stopping (True then: give up the answer).

        Short sleeps rather than ``Event.wait(seconds)``: under libfaketime (CI's shifted-clock
        runs) a timed wait on a lock is given the shifted clock's deadline, so it returned at once
        with the clock behind and slept for the whole shift with it ahead.
        """
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(left, PAUSE_SLICE))
        return True

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self._counts[path] = self._counts.get(path, 0) + 1
            count = self._counts[path]
            self.requests.append(
                Request(handler.command, path, headers, time.monotonic(), _peer(handler.client_address))
            )
        route = self.routes.get(path) or self.routes.get(path.split("?")[0])
        if route is None:
            response = Response(b"not found", status=404, content_type="text/plain")
        elif callable(route):
            response = route(RequestInfo(path, headers, count))
        else:
            response = route
        body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
        if response.gzip:
            body = gzip.compress(body)
        try:
            if response.delay and self._pause(response.delay):
                return
            handler.send_response(response.status)
            handler.send_header("Content-Type", response.content_type)
            if response.gzip:
                handler.send_header("Content-Encoding", "gzip")
            for key, value in response.headers.items():
                handler.send_header(key, value)
            chunked = response.stream is not None and "Content-Length" not in response.headers
            if chunked:
                handler.send_header("Transfer-Encoding", "chunked")
            elif "Content-Length" not in response.headers:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if handler.command == "HEAD" or response.status == 304:
                return
            if response.stream is not None:
                self._send_stream(handler, response, chunked)
            elif response.trickle:
                for i in range(len(body)):
                    handler.wfile.write(body[i : i + 1])
                    handler.wfile.flush()
                    if self._pause(response.trickle):
                        return
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            handler.close_connection = True

    def _send_stream(self, handler: BaseHTTPRequestHandler, response: Response, chunked: bool) -> None:
        source = response.stream
        chunks = source() if callable(source) else source
        assert chunks is not None
        for chunk in chunks:
            if self._stopping.is_set():
                handler.close_connection = True
                return
            if not chunk:
                continue
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if response.trickle and self._pause(response.trickle):
                return
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()
