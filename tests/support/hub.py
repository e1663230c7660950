"""A real WebSub hub on 127.0.0.1, written from the W3C Recommendation (https://www.w3.org/TR/websub/),
and a real server for the site under test, so the whole subscribe → verify → deliver round runs
over sockets.

The hub side of the spec, as far as Newsdesk meets it:
- §5.1 subscription request: a form POST with ``hub.mode=subscribe``, ``hub.topic``, ``hub.callback``,
  optional ``hub.lease_seconds`` and ``hub.secret``; answered 202 Accepted, then verified apart.
- §5.3 verification of intent: GET ``callback?hub.mode&hub.topic&hub.challenge&hub.lease_seconds``;
  the subscription holds only if the answer is 2xx with the challenge as its body.
- §7/§8 content distribution: POST the topic's content to each verified callback, signed with
  ``X-Hub-Signature: sha256=HMAC(secret, body)`` when a secret was given.
- publishing (outside the spec's normative text, the common convention): ``hub.mode=publish`` with
  ``hub.url``, recorded so tests see the pings.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import uvicorn

# Seconds the hub waits on a subscriber's callback (why: loopback answers in milliseconds; a
# busy CI box gets ample room without a test hanging on a dead callback).
CALLBACK_TIMEOUT = 10.0
MOVED = "/moved/"  # POST /moved/307 or /moved/308: the hub's endpoint, redirected to "/"


@dataclass
class Subscription:
    topic: str
    callback: str
    secret: str | None
    lease_seconds: int


@dataclass
class Verification:
    topic: str
    callback: str
    status: int
    echoed: bool


@dataclass
class HubState:
    requests: list[dict[str, str]] = field(default_factory=list)  # every form POSTed to the hub
    verified: dict[str, Subscription] = field(default_factory=dict)  # by topic
    verifications: list[Verification] = field(default_factory=list)
    pings: list[str] = field(default_factory=list)  # hub.url of each publish


class Hub:
    """``with Hub(lease_seconds=3600) as hub:`` — ``hub.url`` is its endpoint."""

    def __init__(self, *, lease_seconds: int = 3600, sync: bool = False) -> None:
        self.lease_seconds = lease_seconds  # what the hub grants, whatever is asked (spec: hub's choice)
        self.sync = sync  # verify before answering the subscription request (as PubSubHubbub 0.3 hubs may)
        self.state = HubState()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._threads: list[threading.Thread] = []
        hub = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                if self.path.startswith(MOVED):  # websub.rocks 105/106: a redirected hub endpoint
                    self.send_response(int(self.path.removeprefix(MOVED)))
                    self.send_header("Location", "/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = hub._handle(form)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def moved_url(self, status: int) -> str:
        """An address of this hub that answers ``status`` (307, 308) with the real one."""
        return f"{self.url.rstrip('/')}{MOVED}{status}"

    def __enter__(self) -> Hub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(CALLBACK_TIMEOUT)

    # ---------------------------------------------------------------- the hub's side

    def _handle(self, form: dict[str, str]) -> int:
        with self.changed:
            self.state.requests.append(form)
            self.changed.notify_all()
        mode = form.get("hub.mode")
        if mode == "publish" and form.get("hub.url"):
            with self.changed:
                self.state.pings.append(form["hub.url"])
                self.changed.notify_all()
            return 204
        if mode in ("subscribe", "unsubscribe") and form.get("hub.topic") and form.get("hub.callback"):
            if self.sync:
                self._verify_async(form)
                return 202
            thread = threading.Thread(target=self._verify_async, args=(form,), daemon=True)
            self._threads.append(thread)
            thread.start()
            return 202
        return 400

    def _verify_async(self, form: dict[str, str]) -> None:
        topic, callback = form["hub.topic"], form["hub.callback"]
        status, echoed = self.verify(callback, topic, mode=form["hub.mode"])
        with self.changed:
            self.state.verifications.append(Verification(topic, callback, status, echoed))
            if echoed and form["hub.mode"] == "subscribe":
                self.state.verified[topic] = Subscription(topic, callback, form.get("hub.secret"),
                                                          self.lease_seconds)
            self.changed.notify_all()

    def verify(self, callback: str, topic: str, *, mode: str = "subscribe") -> tuple[int, bool]:
        """One verification of intent (§5.3): the callback's status, and whether it echoed."""
        challenge = secrets.token_urlsafe(16)
        query = urlencode({"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge,
                           "hub.lease_seconds": str(self.lease_seconds)})
        answer = httpx.get(callback + ("&" if "?" in callback else "?") + query, timeout=CALLBACK_TIMEOUT)
        return answer.status_code, 200 <= answer.status_code < 300 and answer.text == challenge

    def deliver(self, topic: str, body: bytes, content_type: str = "application/rss+xml", *,
                secret: str | None = None, method: str = "sha256") -> int:
        """Content distribution (§7, §8) to the topic's verified callback; ``secret`` overrides the
        subscriber's (a wrong key makes a bad signature). Returns the callback's status."""
        sub = self.state.verified[topic]
        key = secret if secret is not None else sub.secret
        headers = {"Content-Type": content_type}
        if key is not None:
            digest = hmac.new(key.encode(), body, getattr(hashlib, method)).hexdigest()
            headers["X-Hub-Signature"] = f"{method}={digest}"
        headers["Link"] = f'<{self.url}>; rel="hub", <{topic}>; rel="self"'
        return httpx.post(sub.callback, content=body, headers=headers, timeout=CALLBACK_TIMEOUT).status_code

    def wait_for(self, predicate: Any, timeout: float = CALLBACK_TIMEOUT) -> bool:
        """Wait (bounded) until ``predicate(state)`` holds; woken by every change, no polling."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self.state), timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(app: Any, port: int) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on 127.0.0.1:``port``; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # why: a first start imports and compiles; generous on a busy box
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)  # uvicorn sets ``started`` without a signal to wait on
    try:
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
