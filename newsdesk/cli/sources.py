"""``newsdesk sources …``: follow, list, health, remove, OPML in and out."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from newsdesk.cli.base import app, handle_errors, main, open_output, print_json
from newsdesk.errors import UsageError
from newsdesk.pipeline import extraction, follow
from newsdesk.store.collections import state_media_word

if TYPE_CHECKING:
    from newsdesk.store.health import HealthView


@main.group("sources")
def sources_group() -> None:
    """Follow news outlets: feeds, home pages, sitemaps, single articles, OPML."""


@sources_group.command("add")
@click.argument("url")
@click.option("--name", help="Name of the outlet (default: the feed's title).")
@click.option("--lang", help="Language of the outlet (ISO 639-1, e.g. en, ru).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def add(ctx: click.Context, url: str, name: str | None, lang: str | None, as_json: bool) -> None:
    """Follow URL: a feed, a home page (feeds are discovered), a sitemap or one article."""
    result = follow.follow(app(ctx).settings, url, name=name, lang=lang)
    if as_json:
        print_json(result.__dict__)
        return
    if result.article_queued:
        click.echo(f"source {result.source_id} ({result.name}): no feed found; article queued: {result.article_queued}")
        return
    for feed in result.feeds:
        click.echo(f"source {result.source_id} ({result.name}): following {feed['kind']} {feed['url']}")
    for other in result.other_feeds:
        click.echo(f"  also found: {other}  (add it with: newsdesk sources add {other})")


@sources_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def list_(ctx: click.Context, as_json: bool) -> None:
    """List followed sources with each feed's status, last error and next check."""
    rows = follow.list_sources(app(ctx).settings)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("no sources yet: newsdesk sources add URL")
    for row in rows:
        click.echo(f"{row['id']:>4}  {row['name']}  [{row['lang'] or '?'}/{row['country'] or '?'}]  "
                   f"{row['articles']} articles  {row['home_url'] or ''}")
        if row["ownership"] or row["state_media"] is not None:
            state = {"yes": "state media", "no": "not state media", "unknown": "state media unknown"}[
                state_media_word(row["state_media"])]  # type: ignore[arg-type]
            click.echo(f"      owner: {row['ownership'] or 'unknown'}; {state}")
        for feed in row["feeds"]:  # type: ignore[attr-defined]
            when = feed["next_check_at"].strftime("%Y-%m-%d %H:%M UTC") if feed["next_check_at"] else "now"
            line = f"      feed {feed['id']} {feed['kind']:<7} {feed['status']:<8} next {when}  {feed['url']}"
            click.echo(line)
            if feed["last_error"]:
                click.echo(f"        last error ({feed['consecutive_failures']} in a row): {feed['last_error']}")


@sources_group.command("health")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def health(ctx: click.Context, as_json: bool) -> None:
    """Show each feed's health: last success, last error in plain words, recent failures, articles a
    day, next check, push or poll (failing feeds first)."""
    from newsdesk.clock import system_clock
    from newsdesk.store.db import engine_for, session_scope
    from newsdesk.store.health import feed_health

    with session_scope(engine_for(app(ctx).db_url)) as session:
        view = feed_health(session, system_clock())
    if as_json:
        print_json(view.as_dict())
        return
    if not view.feeds:
        click.echo("no feeds yet: newsdesk sources add URL")
        return
    app(ctx).console.print(health_table(view))
    click.echo(f"{len(view.feeds)} feeds, {view.failing} failing")


def health_table(view: HealthView) -> Table:
    """The health view as a table; cells are plain Text (why: URLs and server messages can hold
    square brackets, which rich would read as markup)."""
    from newsdesk.store.health import LONG_DAYS, RECENT_CHECKS, SHORT_DAYS

    table = Table(show_lines=True)
    for title in ("Feed", "Status", "Last success", "Last error",
                  f"Failed (last {RECENT_CHECKS}, in a row)", f"Per day ({SHORT_DAYS}d/{LONG_DAYS}d)", "Next check"):
        table.add_column(title, overflow="fold")
    for f in view.feeds:
        error = Text("none") if f.failure is None else Text(f.failure.words, style="red" if not f.failure.local
                                                          else "yellow")
        if f.failure is not None and f.last_error:
            error.append(f"\n{f.last_error}", style="dim")
        elif f.note:
            error.append(f"\n{f.note}", style="dim")
        table.add_row(
            Text(f"{f.feed_id} {f.source_name}\n{f.url}"),
            Text(f"{f.status}\n{f.mode}"),
            Text(_when(f.last_success_at, "never")),
            error,
            Text(f"{f.recent_failures}/{f.recent_checks}, {f.consecutive_failures}"),
            Text(f"{f.per_day_short:g} / {f.per_day_long:g}"),
            Text(_when(f.next_check_at, "next crawl" if f.status in ("active", "failing") else "not scheduled")),
        )
    return table


def _when(value: datetime | None, otherwise: str) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else otherwise


@sources_group.command("remove")
@click.argument("source_id", type=int)
@click.pass_context
@handle_errors
def remove(ctx: click.Context, source_id: int) -> None:
    """Stop following a source (its stored articles stay)."""
    name = follow.remove_source(app(ctx).settings, source_id)
    click.echo(f"removed source {source_id} ({name})")


@sources_group.command("set")
@click.argument("source_id", type=int)
@click.option("--extraction", "mode", type=click.Choice(["auto", "feed", "rules"]),
              help="Where article bodies come from: auto (automatic full-text extraction), feed (the feed "
                   "entry's own content) or rules (the CSS selectors below). Default: unchanged.")
@click.option("--body-selector", metavar="CSS", help="For rules: the CSS selector of the article body.")
@click.option("--drop-selector", "drop_selectors", metavar="CSS", multiple=True,
              help="For rules: elements to drop from the body (repeatable; replaces the stored list).")
@click.option("--no-drop-selectors", is_flag=True, help="Forget the stored drop selectors.")
@click.option("--country", metavar="CODE", help="Where the outlet publishes from: ISO 3166-1 alpha-2 (RU, GB); "
                                                "empty to forget.")
@click.option("--language", metavar="CODE", help="The outlet's language (ru, en, pt-br); empty to forget.")
@click.option("--ownership", metavar="TEXT", help="Who owns the outlet (free text, at most 300 characters).")
@click.option("--state-media", type=click.Choice(["yes", "no", "unknown"]), help="Whether it is state media.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def set_(ctx: click.Context, source_id: int, mode: str | None, body_selector: str | None,
         drop_selectors: tuple[str, ...], no_drop_selectors: bool, country: str | None, language: str | None,
         ownership: str | None, state_media: str | None, as_json: bool) -> None:
    """Set a source's metadata (country, language, ownership, state media) or how its articles are
    extracted; everything is checked before anything is saved."""
    from newsdesk.store import collections
    from newsdesk.store.db import engine_for, session_scope

    settings = app(ctx).settings
    if no_drop_selectors and drop_selectors:
        raise UsageError("sources set: give --drop-selector or --no-drop-selectors, not both")
    given = {k: v for k, v in (("country", country), ("lang", language), ("ownership", ownership),
                               ("state_media", state_media)) if v is not None}
    for check, key in ((collections.clean_country, "country"), (collections.clean_language, "lang"),
                       (collections.clean_ownership, "ownership")):
        if key in given:
            check(given[key])  # bad metadata refused before the extraction rules are touched
    touches_extraction = mode is not None or body_selector is not None or bool(drop_selectors) or no_drop_selectors
    if not given and not touches_extraction:
        raise UsageError("sources set: nothing to set (see newsdesk sources set --help)")
    out: dict[str, object] = {"id": source_id}
    line = f"source {source_id}:"
    if touches_extraction or not given:
        current = extraction.get_extraction(settings, source_id)
        drops = () if no_drop_selectors else (drop_selectors or current.drop_selectors)
        rules = extraction.set_extraction(settings, source_id, mode or current.mode,
                                          body_selector if body_selector is not None else current.body_selector,
                                          drops)
        out.update({"extraction": rules.mode, "body_selector": rules.body_selector,
                    "drop_selectors": list(rules.drop_selectors)})
        line += f" extraction {rules.mode}"
        if rules.body_selector:
            line += f", body {rules.body_selector!r}"
        if rules.drop_selectors:
            line += ", dropping " + ", ".join(repr(css) for css in rules.drop_selectors)
    if given:
        with session_scope(engine_for(app(ctx).db_url)) as session:
            source = collections.set_source_metadata(session, source_id, **given)
            meta = collections.source_metadata(source)
        out.update(meta)
        line += (" country " + (meta["country"] or "?") + ", language " + (meta["lang"] or "?")
                 + ", ownership " + (meta["ownership"] or "?")
                 + ", state media " + collections.state_media_word(meta["state_media"]))
    if as_json:
        print_json(out)
        return
    click.echo(line)


@sources_group.command("import-opml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def import_opml(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Follow every feed listed in an OPML file."""
    added, skipped = follow.import_opml(app(ctx).settings, file)
    if as_json:
        print_json({"added": [a.__dict__ for a in added], "skipped": skipped})
        return
    click.echo(f"imported {len(added)} feeds, skipped {len(skipped)}")
    for line in skipped:
        click.echo(f"  skipped {line}")


@sources_group.command("export-opml")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default stdout).")
@click.pass_context
@handle_errors
def export_opml(ctx: click.Context, out: Path | None) -> None:
    """Write every followed feed as OPML."""
    text = follow.export_opml(app(ctx).settings)
    if out:
        with open_output(out) as handle:
            handle.write(text)
        click.echo(f"wrote {out}", err=True)
    else:
        sys.stdout.write(text)


@main.command("fetch-log")
@click.option("--errors", "errors_only", is_flag=True, help="Only requests that failed or were refused.")
@click.option("--feed", "feed_id", type=int, help="Only this feed's requests.")
@click.option("--limit", default=50, show_default=True, help="How many of the newest rows.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def fetch_log(ctx: click.Context, errors_only: bool, feed_id: int | None, limit: int, as_json: bool) -> None:
    """Show the newest requests with status, size, duration and outcome (the reason of each failure)."""
    rows = follow.fetch_log(app(ctx).settings, limit=limit, errors_only=errors_only, feed_id=feed_id)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        status = r["status"] if r["status"] is not None else "---"
        click.echo(f"{r['at']:%Y-%m-%d %H:%M:%S} {status} {r['kind']:<6} {r['outcome']:<24} "  # type: ignore[str-format]
                   f"{r['bytes']:>9} B {r['duration_ms']:>6} ms  {r['url']}")
        if r["error"]:
            click.echo(f"    {r['error']}")
