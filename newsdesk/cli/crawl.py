"""``newsdesk crawl``, ``fetch-url``, ``import``, ``export`` and ``extract``."""

from __future__ import annotations

import asyncio
import sys
import time
from contextlib import nullcontext
from dataclasses import asdict
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk.cli.base import EXIT_PARTIAL, app, handle_errors, main, open_output, print_json
from newsdesk.errors import NoArticleFound, UsageError
from newsdesk.pipeline import crawl as crawling
from newsdesk.pipeline import ingest
from newsdesk.pipeline import scheduler as scheduling
from newsdesk.pipeline.extraction import Trace, check_rules
from newsdesk.pipeline.report import CrawlReport


class CrawlProgress:
    """A rich progress bar per phase (feeds, entries), on stderr so stdout stays parseable."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, Any] = {}

    def __call__(self, phase: str, advance: int, total: int | None) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(phase, total=total or 0)
        elif total is not None:
            task = self.tasks[phase]
            self.progress.update(task, total=(self.progress.tasks[task].total or 0) + total)
        if advance:
            self.progress.advance(self.tasks[phase], advance)


def make_progress(enabled: bool) -> Progress | nullcontext[None]:
    if not enabled:
        return nullcontext()
    return Progress(TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    transient=True, console=None)


def not_due_note(report: CrawlReport, timezone: str = "UTC") -> str | None:
    """Why a pass checked no feed: "1 feed not due until 21:59 UTC" (None when it checked some)."""
    if report.feeds_checked or not report.feeds_not_due or report.next_due_at is None:
        return None
    try:
        zone: tzinfo = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    when = report.next_due_at.astimezone(zone)
    one = report.feeds_not_due == 1
    return (f"{report.feeds_not_due} {'feed' if one else 'feeds'} not due until {when:%Y-%m-%d %H:%M} "
            f"{when.tzname()}; crawl --force checks {'it' if one else 'them'} now")


def print_report(report: CrawlReport, timezone: str = "UTC") -> None:
    click.echo(
        f"checked {report.feeds_checked} feeds ({report.feeds_not_modified} not modified, "
        f"{report.feeds_failed} failed); queued {report.entries_queued} entries; stored "
        f"{report.articles_stored} articles, {report.duplicates} duplicates, {report.entries_failed} failed, "
        f"{report.entries_retry} to retry"
    )
    note = not_due_note(report, timezone)
    if note:
        click.echo(note)
    if report.failures_local:
        click.echo(f"{report.failures_local} refused by a local setting (not counted against the feed)")
    if report.translation:
        t = report.translation
        click.echo(f"translated {t['done']} articles, {t['failed']} failed (retried later), "
                   f"{t.get('rejected', 0)} rejected (unsupported language pair), {t['skipped']} skipped"
                   + (f"; stopped: {t['stopped']}" if t["stopped"] else ""))
    dropped = {k: v for k, v in report.outcomes.as_dict().items()
               if k not in ("store.stored", "feed.ok", "feed.not_modified", "translate.done")}
    if dropped:
        click.echo("outcomes: " + ", ".join(f"{k}={v}" for k, v in dropped.items()))
    for failure in report.failures[:50]:
        click.echo(f"  {failure['kind']} {failure['url']}: {failure['error']}", err=True)
    if len(report.failures) > 50:
        click.echo(f"  … and {len(report.failures) - 50} more", err=True)


@main.command("crawl")
@click.option("--source", "source_id", type=int, help="Only this source.")
@click.option("--force", is_flag=True,
              help="Check every active or failing feed now, due or not (still a conditional GET: "
              "an unchanged feed answers 304).")
@click.option("--loop", is_flag=True, help="Keep polling: crawl, sleep until the next feed is due, repeat.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def crawl(ctx: click.Context, source_id: int | None, force: bool, loop: bool, as_json: bool) -> None:
    """One pass over due feeds: find new entries, fetch, extract, deduplicate, store."""
    if force and loop:
        raise UsageError("crawl: --force checks every feed once; it does not go with --loop")
    settings = app(ctx).settings
    while True:
        with make_progress(not as_json and sys.stderr.isatty()) as progress:
            bar = CrawlProgress(progress) if progress else None
            if loop:  # the same pass and wait as the site's background scheduler
                report, wait = asyncio.run(scheduling.pass_then_wait(settings, source_id=source_id, progress=bar))
            else:
                report = crawling.crawl(settings, source_id=source_id, progress=bar, force=force)
        if as_json:
            data = report.as_dict()
            data["not_due"] = not_due_note(report, settings.timezone)
            print_json(data)
        else:
            print_report(report, settings.timezone)
        if not loop:
            sys.exit(0 if report.ok else EXIT_PARTIAL)
        click.echo(f"next pass in {wait:.0f} s", err=True)
        time.sleep(wait)


@main.command("fetch-url")
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def fetch_url(ctx: click.Context, url: str, as_json: bool) -> None:
    """Fetch, extract and store one article now."""
    report = ingest.fetch_url(app(ctx).settings, url)
    if as_json:
        print_json(report.as_dict())
    else:
        print_report(report)
    sys.exit(0 if report.ok else EXIT_PARTIAL)


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def import_(ctx: click.Context, path: Path, as_json: bool) -> None:
    """Store the articles of a WARC file, a JSONL file or a folder of saved HTML pages.

    A JSONL line is a saved page (url, html) or an outlet's record: url, title, text or html, lang,
    published_at and source (the outlet's name; optional country), stored under that outlet with
    exactly those values. Newsdesk's own export is such a file. Bad lines are listed, never dropped
    in silence. The stored articles then go through the enrichment stages (reprints, stories).
    """
    with make_progress(not as_json and sys.stderr.isatty()) as progress:
        task = progress.add_task("import", total=None) if progress else None
        report = ingest.import_archive(
            app(ctx).settings, path,
            progress=(lambda n: progress.advance(task, n)) if progress and task is not None else None,
        )
    if as_json:
        print_json(report.as_dict())
    else:
        click.echo(f"stored {report.stored} articles, {report.duplicates} duplicates, {report.failed} failed")
        if report.dropped:
            counts = ", ".join(f"{reason} {n}" for reason, n in sorted(report.dropped.items()))
            click.echo(f"skipped {sum(report.dropped.values())} archive records ({counts})")
            for line in report.dropped_examples[:50]:
                click.echo(f"  {line}", err=True)
        for line in (report.errors or [])[:50]:
            click.echo(f"  {line}", err=True)
    sys.exit(0 if not report.failed else EXIT_PARTIAL)


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default stdout).")
@click.pass_context
@handle_errors
def export(ctx: click.Context, fmt: str, out: Path | None) -> None:
    """Export every stored article, one JSON object a line, with every stored field."""
    settings = app(ctx).settings
    if out:
        with open_output(out) as handle:
            count = ingest.export_jsonl(settings, handle)
        click.echo(f"wrote {count} articles to {out}", err=True)
    else:
        ingest.export_jsonl(settings, sys.stdout)


@main.command("extract")
@click.argument("file_or_url")
@click.option("--url", help="The page's URL, when FILE_OR_URL is a saved file (resolves relative links).")
@click.option("--extraction", "mode", type=click.Choice(["auto", "rules"]), default="auto", show_default=True,
              help="How to find the body: automatic, or the CSS selectors given here (try rules before "
                   "'sources set').")
@click.option("--body-selector", metavar="CSS", help="With --extraction rules: the CSS selector of the body.")
@click.option("--drop-selector", "drop_selectors", metavar="CSS", multiple=True,
              help="With --extraction rules: elements to drop from the body (repeatable).")
@click.option("--explain", is_flag=True, help="Also list which step kept or dropped each block, and why.")
@click.option("--json", "as_json", is_flag=True, help="Print every field as JSON (with --explain: and the steps).")
@click.pass_context
@handle_errors
def extract(ctx: click.Context, file_or_url: str, url: str | None, mode: str, body_selector: str | None,
            drop_selectors: tuple[str, ...], explain: bool, as_json: bool) -> None:
    """Extract an article from a saved page or a URL and print it (nothing is stored)."""
    rules = check_rules(mode, body_selector, drop_selectors)
    trace = Trace() if explain else None
    try:
        article = ingest.extract_one(app(ctx).settings, file_or_url, url, rules=rules, trace=trace)
    except NoArticleFound:
        if trace is None:
            raise
        # why: a page with no article found is when the steps matter most
        if as_json:
            print_json({"explain": trace.as_dicts()})
        else:
            print_trace(trace)
        raise
    if as_json:
        print_json({**asdict(article), "explain": trace.as_dicts()} if trace is not None else asdict(article))
        return
    click.echo(article.title or "(no title)")
    meta = [", ".join(article.authors), article.published_at.isoformat() if article.published_at else "",
            article.lang or "", article.site_name or ""]
    click.echo(" · ".join(m for m in meta if m))
    if article.text_sources:
        click.echo("text from: " + ", ".join(article.text_sources))
    if article.cited_sources:
        click.echo("cites: " + ", ".join(article.cited_sources))
    click.echo()
    click.echo(article.text)
    if trace is not None:
        click.echo()
        print_trace(trace)


def print_trace(trace: Trace) -> None:
    """The steps' decisions as a rich table: verdict, step, block (path), its first words, the reason."""
    table = Table(title="extraction steps", show_lines=False)
    for column in ("verdict", "step", "block", "first words", "reason"):
        table.add_column(column, overflow="fold")
    for step in trace.steps:
        style = "green" if step.verdict == "kept" else "red"
        table.add_row(f"[{style}]{step.verdict}[/{style}]", step.step, escape(step.path), escape(step.words),
                      escape(step.reason))
    Console(width=160 if not sys.stdout.isatty() else None).print(table)
