"""A LibreTranslate-compatible HTTP API (self-hosted or remote) as a translation engine.

``POST {url}/translate`` with JSON ``{"q": [...], "source", "target", "format": "text",
"api_key"}``; the answer's ``translatedText`` is a list for a list (a string for a single text).
Texts go in batches capped by count and characters; each request has connect and read timeouts
and is retried a few times on connection errors, timeouts, 429 and 5xx (``Retry-After``
honoured, capped). Anything else, or an answer of the wrong shape, raises ``TranslationFailed``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from newsdesk.errors import TranslationFailed

# why: LibreTranslate's default --char-limit is 5000 per request on public instances; self-hosted
# ones are usually unlimited, so stay under it and let the count cap keep batches small.
MAX_BATCH_CHARS = 4500
MAX_BATCH = 32  # why: one article's sentences and phrases in one request, no single huge POST
MAX_RESPONSE_BYTES = 8_000_000  # why: a translation is a few times its source; more is garbage
RETRY_AFTER_CAP = 30.0  # why: never let a server's Retry-After hold a crawl for long


class LibreTranslateTranslator:
    """Translate through a LibreTranslate-compatible API."""

    max_batch = MAX_BATCH

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retries: int = 2,  # why: rides out a restart or a short overload; longer outages are job retries
        backoff: float = 0.5,  # why: 0.5 s then 1 s: short enough not to stall a crawl
        transport: httpx.BaseTransport | None = None,
        languages: set[tuple[str, str]] | None = None,
    ) -> None:
        if not url or urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"translate: LibreTranslate URL must be http(s): {url!r}")
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.retries = retries
        self.backoff = backoff
        self.name = f"libretranslate:{urlsplit(self.url).netloc}"
        self.languages = languages
        self.requests = 0
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json"},
        )

    def close(self) -> None:
        self._client.close()

    def describe(self, source: str, target: str) -> str:
        return f"LibreTranslate ({urlsplit(self.url).netloc})"

    def supports(self, source: str, target: str) -> bool:
        if self.languages is None:
            return source != target
        return (source, target) in self.languages

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        out: list[str] = []
        for batch in _batches(texts):
            out.extend(self._request(batch, source, target))
        return out

    def _request(self, texts: list[str], source: str, target: str) -> list[str]:
        payload: dict[str, Any] = {"q": texts, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            try:
                response = self._client.post(f"{self.url}/translate", json=payload)
            except httpx.TimeoutException as exc:
                if attempt > self.retries:
                    raise TranslationFailed(f"{self.name} timed out: {exc!r}", reason="timeout") from exc
                self._sleep(attempt, None)
                continue
            except httpx.HTTPError as exc:
                if attempt > self.retries:
                    raise TranslationFailed(f"{self.name} unreachable: {exc!r}", reason="engine_down") from exc
                self._sleep(attempt, None)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt > self.retries:
                    raise TranslationFailed(
                        f"{self.name} answered HTTP {response.status_code}", reason=f"http_{response.status_code}"
                    )
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            return self._parse(response, len(texts))

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff * 2 ** (attempt - 1)
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = max(delay, float(retry_after))
        time.sleep(min(delay, RETRY_AFTER_CAP))

    def _parse(self, response: httpx.Response, count: int) -> list[str]:
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise TranslationFailed(f"{self.name} answer too large", reason="bad_response")
        try:
            data = response.json()
        except ValueError as exc:
            raise TranslationFailed(
                f"{self.name} answered HTTP {response.status_code} with non-JSON", reason="bad_response"
            ) from exc
        if response.status_code != 200:
            error = data.get("error") if isinstance(data, dict) else None
            reason = "auth" if response.status_code in (401, 403) else f"http_{response.status_code}"
            raise TranslationFailed(f"{self.name} answered HTTP {response.status_code}: {error}"[:300], reason=reason)
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(translated, str) and count == 1:
            return [translated]
        if not isinstance(translated, list):
            raise TranslationFailed(f"{self.name} answer has no translatedText list", reason="bad_response")
        if len(translated) != count:
            raise TranslationFailed(
                f"{self.name} returned {len(translated)} translations for {count} texts", reason="wrong_count"
            )
        if not all(isinstance(x, str) for x in translated):
            raise TranslationFailed(f"{self.name} returned non-text translations", reason="bad_response")
        return list(translated)


def _batches(texts: Sequence[str]) -> list[list[str]]:
    batches: list[list[str]] = []
    current: list[str] = []
    chars = 0
    for text in texts:
        if current and (len(current) >= MAX_BATCH or chars + len(text) > MAX_BATCH_CHARS):
            batches.append(current)
            current, chars = [], 0
        current.append(text)
        chars += len(text)
    if current:
        batches.append(current)
    return batches
