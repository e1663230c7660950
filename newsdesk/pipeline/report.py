"""What a crawl pass reports, and the fetch log it writes as it goes.

Every feed and entry ends in ``CrawlReport.outcomes`` under a ``stage.reason`` key, so the CLI,
the JSON output and the Celery tasks all say the same thing about what was dropped and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from newsdesk.errors import BlockedAddress, NewsdeskError, Reject, Retry, Skip, StageError, plain_message
from newsdesk.fetch.safety import ALLOW_SETTING
from newsdesk.models import FetchRecord, Outcomes
from newsdesk.store import repo
from newsdesk.store.schema import Feed

# What a feed or page refused by our own address guard says (why: it is a setting to change here,
# not a fault of the feed; see fetch/safety.py)
LOCAL_REFUSAL = "refused: private address ({}); set " + ALLOW_SETTING + " to allow"


def local_refusal(error: BlockedAddress) -> str:
    """"refused: private address (x resolves to 127.0.0.1 (loopback address)); set … to allow"."""
    return LOCAL_REFUSAL.format(error.detail.split(";", 1)[0].strip().rstrip("."))


def describe(error: BaseException) -> str:
    """An error as users see it: plain words, then its stable ``stage.reason`` key."""
    if isinstance(error, StageError):
        return f"{plain_message(error)} [{error.stage}.{error.reason}]"
    return plain_message(error)


@dataclass
class CrawlReport:
    """What one pass did; ``outcomes`` counts every entry and feed by stage and reason."""

    feeds_checked: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    entries_queued: int = 0
    articles_stored: int = 0
    duplicates: int = 0
    entries_failed: int = 0
    entries_retry: int = 0
    outcomes: Outcomes = field(default_factory=Outcomes)
    failures: list[dict[str, str]] = field(default_factory=list)
    new_article_ids: list[int] = field(default_factory=list)
    queued_entry_ids: list[int] = field(default_factory=list)
    translation: dict[str, Any] | None = None  # what the ingest translation did, when an engine is set
    feeds_not_due: int = 0  # checkable feeds left alone because their next check is later
    next_due_at: datetime | None = None  # when the first of them is due
    failures_local: int = 0  # refused by a local setting (a private address), not the feed's fault
    stories: dict[str, Any] | None = None  # what the stories stage did after storing (pipeline/enrichment.py)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, kind: str, url: str, error: BaseException) -> None:
        if len(self.failures) < 500:  # why: the report stays printable; counts stay exact
            self.failures.append({"kind": kind, "url": url, "error": describe(error)})

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeds_checked": self.feeds_checked,
            "feeds_not_modified": self.feeds_not_modified,
            "feeds_failed": self.feeds_failed,
            "entries_queued": self.entries_queued,
            "articles_stored": self.articles_stored,
            "duplicates": self.duplicates,
            "entries_failed": self.entries_failed,
            "entries_retry": self.entries_retry,
            "outcomes": self.outcomes.as_dict(),
            "failures": self.failures,
            "translation": self.translation,
            "feeds_not_due": self.feeds_not_due,
            "next_due_at": self.next_due_at.isoformat() if self.next_due_at else None,
            "failures_local": self.failures_local,
            "stories": self.stories,
        }


class FetchLogBuffer:
    """Collects the fetcher's records; each transaction writes out what was gathered so far."""

    def __init__(self) -> None:
        self.records: list[FetchRecord] = []

    def __call__(self, record: FetchRecord) -> None:
        self.records.append(record)

    def flush(self, session: Any, feed: Feed | None = None) -> list[FetchRecord]:
        """Write the gathered records in ``session``; returns them, for :meth:`restore` should that
        transaction roll back (why: a rolled-back store must not lose the log of its fetches)."""
        records, self.records = self.records, []
        feed_url = feed.url if feed is not None else None
        repo.record_fetches(session, [r for r in records if r.url == feed_url], feed_id=feed.id if feed else None)
        repo.record_fetches(session, [r for r in records if r.url != feed_url])
        return records

    def mark_failed(self, url: str, error: StageError) -> None:
        """A feed whose request went through but whose body failed (not a feed, unparseable): its
        record takes the check's outcome, so the fetch log holds every failed check of the feed
        (why: feed health counts failures from it)."""
        for index in range(len(self.records) - 1, -1, -1):
            record = self.records[index]
            if record.url == url and record.kind == "feed" and record.outcome == "ok":
                self.records[index] = replace(record, outcome=f"{error.stage}.{error.reason}", error=str(error))
                return

    def restore(self, records: list[FetchRecord]) -> None:
        self.records[:0] = records


def as_stage_error(error: Exception) -> StageError:
    """Any failure of one entry as a typed outcome: stage errors as they are, other library
    errors as a rejection, and a bug in a stage as an internal error (the crawl goes on)."""
    if isinstance(error, (Retry, Reject, Skip)):
        return error
    if isinstance(error, NewsdeskError):
        return Reject(str(error), stage="pipeline", reason="error")
    return Reject(f"{type(error).__name__}: {error}", stage="pipeline", reason="internal_error")
