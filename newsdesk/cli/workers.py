"""``newsdesk workers …``: run Celery workers (with the scheduler), or hand due work to them once."""

from __future__ import annotations

import os

import click

from newsdesk.cli.base import app, handle_errors, main, print_json


@main.group("workers")
def workers_group() -> None:
    """Scale out with Celery workers (pip install 'newsdesk[workers]'; broker: NEWSDESK_BROKER_URL)."""


@workers_group.command("run")
@click.option("--concurrency", default=2, show_default=True, help="Worker processes.")
@click.option("--beat/--no-beat", default=True, show_default=True,
              help="Also run the scheduler that hands due feeds to the workers (run it in one worker only).")
@click.pass_context
@handle_errors
def run(ctx: click.Context, concurrency: int, beat: bool) -> None:
    """Run a worker that crawls, extracts, stores and translates from the queue."""
    os.environ["NEWSDESK_DATABASE_URL"] = app(ctx).settings.database_url  # tasks read the environment
    from newsdesk.workers.tasks import app as celery

    argv = ["worker", f"--concurrency={concurrency}", "--loglevel=INFO", "-Q", app(ctx).settings.worker_queue]
    celery.worker_main([*argv, "--beat"] if beat else argv)


@workers_group.command("enqueue")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def enqueue(ctx: click.Context, as_json: bool) -> None:
    """Hand the due feeds and queued entries to the workers once (what the scheduler does)."""
    os.environ["NEWSDESK_DATABASE_URL"] = app(ctx).settings.database_url
    from newsdesk.workers.tasks import schedule

    counts = schedule()
    if as_json:
        print_json(counts)
    else:
        click.echo(f"handed {counts['feeds']} feeds and {counts['entries']} entries to the workers")
