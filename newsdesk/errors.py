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
``stage.reason`` code).
"""

from __future__ import annotations

import re


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
