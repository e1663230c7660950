"""A LibreTranslate-compatible ``POST /translate`` on 127.0.0.1, backed by the dictionary engine.

It speaks the real API for plain text (``q`` a string or a list, ``source``, ``target``,
``format``, ``api_key``; ``translatedText`` a string or a list; ``{"error": …}`` with 400/403),
and can misbehave on demand: ``mode`` = ``ok``, ``slow`` (answers after ``delay`` seconds),
``empty`` (empty strings), ``wrong_count`` (one translation short), ``html`` (wraps answers in
tags), ``error500``, ``flaky`` (500 on the first request of each pair, then fine).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from newsdesk.translate.engines.dictionary import DictionaryTranslator


class LibreTranslateServer:
    def __init__(self, *, api_key: str | None = None) -> None:
        self.engine = DictionaryTranslator()
        self.api_key = api_key
        self.mode = "ok"
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        self.texts_translated = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = server.answer(self.path, body)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LibreTranslateServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if path.rstrip("/") != "/translate":
            return 404, {"error": "Not Found"}
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {"error": "Invalid request: body is not JSON"}
        with self._lock:
            self.requests.append(payload)
            count = len(self.requests)
        if self.api_key is not None and payload.get("api_key") != self.api_key:
            return 403, {"error": "Invalid API key"}
        q = payload.get("q")
        if not payload.get("source") or not payload.get("target") or q is None:
            return 400, {"error": "Invalid request: missing q, source or target parameter"}
        if payload.get("format", "text") != "text":
            return 400, {"error": "this test server only translates plain text"}
        texts = q if isinstance(q, list) else [q]
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "error500" or (self.mode == "flaky" and count % 2 == 1):
            return 500, {"error": "Internal error"}
        translated = self.engine.translate(texts, payload["source"], payload["target"])
        with self._lock:
            self.texts_translated += len(texts)
        if self.mode == "empty":
            translated = ["" for _ in translated]
        elif self.mode == "wrong_count":
            translated = translated[:-1] if len(translated) > 1 else [*translated, "extra"]
        elif self.mode == "html":
            translated = [f"<p><b>{t}</b></p>" for t in translated]
        return 200, {"translatedText": translated if isinstance(q, list) else translated[0]}
