"""The Celery app and its tasks. Each task is a few lines around one pipeline function.

``schedule`` (run by beat every ``worker_schedule_interval`` seconds, or once by
``newsdesk workers enqueue``) hands due feeds and queued entries to the queue, and a ``stories``
sweep; ``refresh_feed`` queues a feed's new entries and hands each to ``process_entry``; a stored
article goes on to ``enrich``, the enrichment stages (pipeline/enrichment.py: translation, then
reprints and stories under the database's ``stories`` lease, so one worker at a time clusters and
the others leave the queue to it). Work state lives in the database, so a lost message is found
again by the next ``schedule`` pass once its lease runs out, and an article left unclustered
(``story_id IS NULL``) by the next sweep.
"""

from __future__ import annotations

from typing import Any

from newsdesk.errors import MissingExtraError
from newsdesk.settings import Settings, load_settings

try:
    from celery import Celery
    from celery.signals import worker_process_init
except ModuleNotFoundError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("workers", "Celery workers", "celery") from exc


def settings() -> Settings:
    return load_settings()


def make_app(config: Settings | None = None) -> Celery:
    config = config or settings()
    celery = Celery("newsdesk", broker=config.broker_url)
    celery.conf.update(
        task_default_queue=config.worker_queue,
        task_acks_late=True,  # why: a task killed mid-way is redelivered, and every task is idempotent
        worker_prefetch_multiplier=1,  # why: extraction is slow; don't hoard messages another worker could take
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={"schedule": {"task": "newsdesk.schedule", "schedule": float(config.worker_schedule_interval)}},
    )
    return celery


app = make_app()


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    """Each forked worker process opens its own database connections."""
    from newsdesk.store.db import forget_engines_after_fork

    forget_engines_after_fork()


@app.task(name="newsdesk.schedule")
def schedule() -> dict[str, int]:
    from newsdesk.pipeline.crawl import maintain_subscriptions, schedule_due

    due = schedule_due(settings())
    maintain_subscriptions(settings())  # WebSub subscriptions and renewals, as a crawl pass sends them
    for feed_id in due.feed_ids:
        refresh_feed.delay(feed_id)
    for entry_id in due.entry_ids:
        process_entry.delay(entry_id)
    stories.delay()  # the sweep: whatever is still unclustered (a lost message, a deferred run)
    return {"feeds": len(due.feed_ids), "entries": len(due.entry_ids)}


@app.task(name="newsdesk.refresh_feed")
def refresh_feed(feed_id: int) -> dict[str, Any]:
    from newsdesk.pipeline.crawl import refresh_feed as refresh

    report = refresh(settings(), feed_id)
    for entry_id in report.queued_entry_ids:
        process_entry.delay(entry_id)
    return report.as_dict()


@app.task(name="newsdesk.process_entry")
def process_entry(entry_id: int) -> dict[str, Any]:
    from newsdesk.pipeline.crawl import process_entry as process

    report = process(settings(), entry_id)
    if report.new_article_ids:
        enrich.delay(report.new_article_ids)
    return report.as_dict()


@app.task(name="newsdesk.enrich")
def enrich(article_ids: list[int]) -> dict[str, object]:
    """The enrichment stages after storing: translate these articles, then cluster the queue."""
    from newsdesk.pipeline.enrichment import enrich as run_stages

    return run_stages(settings(), article_ids).as_dict()


@app.task(name="newsdesk.stories")
def stories() -> dict[str, object]:
    """The reprints and stories stages over every article not clustered yet (the periodic sweep)."""
    from newsdesk.pipeline.enrichment import enrich as run_stages

    return run_stages(settings()).as_dict()


# Kept for messages an earlier version queued: new articles now go to ``enrich``.
@app.task(name="newsdesk.translate")
def translate(article_ids: list[int]) -> dict[str, object]:
    from newsdesk.pipeline.translate import translate_new_articles
    from newsdesk.store.db import engine_for

    config = settings()
    return translate_new_articles(engine_for(config.database_url), article_ids, config).as_dict()
