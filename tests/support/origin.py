"""A real HTTP origin on 127.0.0.1 for tests: routes are set by code, requests are recorded.

Each route answers with a fixed response or a handler callable; handlers can stall, trickle bytes,
redirect or count requests, so fetch tests see real sockets, real headers and real timing.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
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


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    at: float


Handler = Callable[["RequestInfo"], Response]


@dataclass
class RequestInfo:
    path: str
    headers: dict[str, str]
    count: int  # how many times this path was asked for, this one included


class Origin:
    """``origin.route("/feed.xml", Response(...))``; ``origin.url("/feed.xml")``; ``origin.requests``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Response | Handler] = {}
        self.requests: list[Request] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        origin = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                origin._serve(self)

        self.server = ThreadingHTTPServer((host, 0), _Handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Origin:
        self.thread.start()
        return self

    def stop(self) -> None:
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

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self._counts[path] = self._counts.get(path, 0) + 1
            count = self._counts[path]
            self.requests.append(Request(handler.command, path, headers, time.monotonic()))
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
            if response.delay:
                time.sleep(response.delay)
            handler.send_response(response.status)
            handler.send_header("Content-Type", response.content_type)
            if response.gzip:
                handler.send_header("Content-Encoding", "gzip")
            for key, value in response.headers.items():
                handler.send_header(key, value)
            if "Content-Length" not in response.headers:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if handler.command == "HEAD" or response.status == 304:
                return
            if response.trickle:
                for i in range(len(body)):
                    handler.wfile.write(body[i : i + 1])
                    handler.wfile.flush()
                    time.sleep(response.trickle)
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
