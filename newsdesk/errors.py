"""The outcome tree of every pipeline stage.

A stage either returns data or raises one of these. The pipeline turns each into a counted
outcome (``stage``/``reason``) and decides what happens next, so no item is dropped silently::

    NewsdeskError
    ├── ConfigError            bad settings or a missing optional extra (with an install hint)
    ├── UsageError             bad input from a user (CLI/API), reported with exit code 2
    └── StageError             raised by a stage about one item (``stage``, ``reason``)
        ├── Skip               nothing wrong, nothing to do (not modified, duplicate, not an article)
        ├── Retry              transient; try again later (timeouts, 5xx, 429; ``retry_after``)
        └── Reject             permanent for this item (404/410, too big, blocked address, unparseable,
            │                  a language pair the translation engine cannot do)
            └── Gone           the resource is gone for good (410, or 404 repeatedly); feeds are marked so

Messages are prefixed with the stage (``fetch: …``) so a log line says where it came from; what a
person reads (the CLI's errors, a feed's last error in the admin) goes through
:func:`plain_message`, which drops those prefixes, stacked or not (the stage stays in the
``stage.reason`` code). :func:`explain_failure` names a stored failure's kind from that code in
plain words ("connection refused", "robots.txt disallows"), for feed health.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class NewsdeskError(Exception):
    """Base of every error Newsdesk raises on purpose."""


class ConfigError(NewsdeskError):
    """Settings are invalid or an optional extra is not installed."""


class UsageError(NewsdeskError):
    """A user gave bad input (a malformed URL, an unknown id, a missing file)."""


class MissingExtraError(ConfigError):
    """An optional dependency group is needed for this feature."""

    def __init__(self, extra: str, feature: str, module: str) -> None:
        self.extra, self.feature, self.module = extra, feature, module
        super().__init__(
            f"{feature} needs the optional '{extra}' extra (module {module!r} is missing): "
            f"pip install 'newsdesk[{extra}]'"
        )


class StageError(NewsdeskError):
    """An outcome about one item in one stage; ``reason`` is a short stable key used in counters."""

    stage: str = "pipeline"
    default_reason: str = "error"

    def __init__(self, message: str = "", *, stage: str | None = None, reason: str | None = None) -> None:
        if stage:
            self.stage = stage
        self.reason = reason or self.default_reason
        self.detail = message or self.reason
        super().__init__(f"{self.stage}: {self.detail}")

    def __reduce__(self) -> tuple[object, ...]:
        # why: exceptions cross process boundaries (extraction workers, Celery); the default
        # pickling would call __init__ with the formatted message and lose stage and reason.
        return (_rebuild, (type(self), self.detail, self.stage, self.reason, self.__dict__.copy()))


def _rebuild(cls: type[StageError], detail: str, stage: str, reason: str, state: dict[str, object]) -> StageError:
    error = cls.__new__(cls)
    StageError.__init__(error, detail, stage=stage, reason=reason)
    error.__dict__.update(state)
    return error


class Skip(StageError):
    """Nothing to do for this item; not a failure."""

    default_reason = "skipped"


class Retry(StageError):
    """A transient failure: the same item may succeed later."""

    default_reason = "transient"

    def __init__(
        self,
        message: str = "",
        *,
        stage: str | None = None,
        reason: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, stage=stage, reason=reason)
        self.retry_after = retry_after


class Reject(StageError):
    """A permanent failure for this item; recorded with its reason, never retried as is."""

    default_reason = "rejected"


class Gone(Reject):
    """The resource is gone for good (HTTP 410, or 404)."""

    default_reason = "gone"


# Stage-specific names, so callers can catch what they mean and messages carry their stage.
class FetchRetry(Retry):
    stage = "fetch"


class FetchRejected(Reject):
    stage = "fetch"


class FetchGone(Gone):
    stage = "fetch"


class NotModified(Skip):
    """A conditional GET answered 304."""

    stage = "fetch"
    default_reason = "not_modified"

    def __init__(self, message: str = "", *, etag: str | None = None, last_modified: str | None = None,
                 freshness: float | None = None) -> None:
        super().__init__(message)
        # what the 304 carried: new validators replace the stored ones; freshness feeds the schedule
        self.etag, self.last_modified, self.freshness = etag, last_modified, freshness


class BlockedAddress(FetchRejected):
    """A user-given URL resolves to a private, loopback or link-local address."""

    default_reason = "blocked_address"


class RobotsDisallowed(FetchRejected):
    default_reason = "robots_disallowed"


class ParseError(Reject):
    """A feed, sitemap or archive could not be parsed."""

    stage = "parse"
    default_reason = "unparseable"


class NoArticleFound(Reject):
    """Extraction found no article body in a page."""

    stage = "extract"
    default_reason = "no_article"


class Duplicate(Skip):
    """The item is already stored (same URL, canonical URL or content)."""

    stage = "dedup"
    default_reason = "duplicate"


class TranslationFailed(Retry):
    stage = "translate"
    default_reason = "translation_failed"


class TranslationRejected(Reject):
    """The engine cannot translate this language pair at all: the job is recorded once as rejected
    and not retried (it is reopened only when the engine comes to support the pair)."""

    stage = "translate"
    default_reason = "unsupported_pair"


# The stage and command prefixes messages carry ("sources: could not read …: fetch: …").
_PREFIX = re.compile(
    r"(?:^|(?<=: ))(?:pipeline|fetch|parse|extract|dedup|translate|store|sources|opml|import|export|"
    r"fetch-url|settings|demo|admin|comments): "
)


def plain_message(error: BaseException | str) -> str:
    """An error in plain words for a person: the message without its stage prefixes."""
    text = error.detail if isinstance(error, StageError) else str(error)
    return _PREFIX.sub("", text)


# --- failures in plain words (feed health) -------------------------------------------------------
# A feed's stored error is ``describe()``'s "message [stage.reason]"; the health page and
# ``newsdesk sources health`` name its kind from that code, with the message only where the code
# alone cannot tell (a refused connection and a TLS failure are both ``fetch.connect_error``).

_CODE = re.compile(r"\s*\[([a-z_]+\.[a-z0-9_]+)\]\s*$")
_STATUS = re.compile(r"\banswered (\d{3})\b")
_TLS = re.compile(r"\b(?:ssl|tls|certificate|handshake)\b", re.IGNORECASE)
# what the resolver says when httpx resolves the name itself (private networks allowed: no check first)
_DNS = re.compile(r"name or service not known|nodename nor servname|name resolution|getaddrinfo failed"
                  r"|no address associated", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FailureKind:
    """A failure as a person reads it: a stable ``kind`` key, its words, and whether it is caused by
    a local setting rather than by the feed (``local``: the feed itself may be fine)."""

    kind: str
    words: str
    local: bool = False


_BY_CODE: dict[str, tuple[str, str]] = {
    "fetch.dns": ("dns", "DNS failure: the host name does not resolve"),
    "fetch.timeout": ("timeout", "timeout: the server did not answer in time"),
    "fetch.robots_disallowed": ("robots", "robots.txt disallows fetching the feed"),
    "fetch.robots_unavailable": ("robots_unavailable", "robots.txt could not be read"),
    "fetch.not_found": ("gone", "404 not found: the feed is gone"),
    "fetch.gone": ("gone", "410 gone: the feed was removed"),
    "fetch.too_large": ("too_large", "too large: the feed is over the size limit"),
    "parse.too_large": ("too_large", "too large: the feed is over the size limit once decompressed"),
    "parse.html_not_feed": ("not_a_feed", "not a feed: an HTML page where a feed was expected"),
    "parse.unknown_format": ("not_a_feed", "not a feed: neither RSS, Atom, JSON Feed nor a sitemap"),
    "parse.malformed": ("parse_error", "parse error: the feed is not well-formed"),
    "fetch.rate_limited": ("rate_limited", "429 rate limited: the server asks us to slow down"),
    "fetch.unavailable": ("unavailable", "503 unavailable: the server is down or overloaded"),
    "fetch.http_5xx": ("server_error", "server error (5xx)"),
    "fetch.bad_redirect": ("redirect", "bad redirect"),
    "fetch.too_many_redirects": ("redirect", "too many redirects"),
    "fetch.redirect_loop": ("redirect", "redirect loop"),
    "fetch.bad_url": ("bad_url", "not a fetchable URL"),
    "fetch.bad_encoding": ("parse_error", "parse error: a corrupt compressed body"),
    "fetch.unsupported_encoding": ("parse_error", "parse error: an unsupported content encoding"),
}


def split_described(stored: str) -> tuple[str, str | None]:
    """A stored ``describe()`` text as (message, ``stage.reason`` code or None for older rows)."""
    match = _CODE.search(stored)
    if match is None:
        return stored.strip(), None
    return stored[: match.start()].strip(), match.group(1)


def explain_failure(code: str | None, message: str = "") -> FailureKind:
    """The plain words for one failure, from its ``stage.reason`` code (and, where the code alone
    cannot tell, its message). Pure: the CLI's ``sources health`` and the admin page share it."""
    if code in ("fetch.connect_error", "fetch.network_error"):
        if _TLS.search(message):
            return FailureKind("tls", "TLS error: the secure connection failed")
        if _DNS.search(message):
            return FailureKind(*_BY_CODE["fetch.dns"])
        if code == "fetch.connect_error" and "refused" in message.lower():
            return FailureKind("refused", "connection refused: nothing listens at that address")
        return FailureKind("network", "cannot connect: a network error")
    if code == "fetch.blocked_address":
        return FailureKind("private_address", "refused private address: a local setting, not the feed's fault "
                           "(NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS)", local=True)
    if code == "fetch.bot_wall":
        status = _STATUS.search(message)
        return FailureKind("bot_wall", f"{status.group(1) if status else '403'} from a bot wall: "
                           "a challenge page (Cloudflare, captcha) instead of the feed")
    if code in _BY_CODE:
        kind, words = _BY_CODE[code]
        return FailureKind(kind, words)
    if code and code.startswith("fetch.http_"):
        status_code = code.removeprefix("fetch.http_")
        return FailureKind("http", f"HTTP {status_code}: the server refused the request")
    return FailureKind("other", _PREFIX.sub("", message) or (code or "unknown error"))
