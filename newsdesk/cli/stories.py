"""``newsdesk stories``: the story layer from the command line (``rebuild``; ``list`` and ``show``)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from newsdesk.cli.base import app, handle_errors, main, print_json
from newsdesk.cli.crawl import make_progress
from newsdesk.errors import UsageError


@main.group("stories")
def stories_group() -> None:
    """Stories: one event as every outlet and language covered it."""


def _since(value: str | None) -> datetime | None:
    """``--since``: a date (midnight UTC) or an ISO time (UTC unless it gives an offset)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise UsageError(f"stories rebuild: --since {value!r} is not a date (YYYY-MM-DD) or ISO time") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@stories_group.command("rebuild")
@click.option("--since", metavar="DATE", help="Only re-cluster articles from this date (story time) on.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def rebuild(ctx: click.Context, since: str | None, as_json: bool) -> None:
    """Cluster the stored articles into stories again, from scratch or from DATE on.

    Idempotent: the same articles give the same stories with the same ids (a story's id is its
    first article's). Stored embeddings and reprint signatures are reused.
    """
    from newsdesk.pipeline.enrichment import rebuild as run_rebuild

    settings = app(ctx).settings
    with make_progress(not as_json and sys.stderr.isatty()) as progress:
        task = progress.add_task("stories", total=None) if progress else None

        def advance(n: int, total: int | None) -> None:
            if progress is not None and task is not None:
                if total is not None:
                    progress.update(task, total=total)
                progress.advance(task, n)

        report = run_rebuild(settings, since=_since(since), progress=advance)
    if as_json:
        print_json(report.as_dict())
        return
    outcomes = report.outcomes
    click.echo(f"clustered {report.clustered} articles: {outcomes.get('stories', 'created')} stories, "
               f"{outcomes.get('reprints', 'reprint')} reprints")
