"""``newsdesk stories …``: the story layer from the command line, over the same functions as the site.

``rebuild`` clusters the stored articles again (the pipeline's enrichment stages); ``list`` gives
the most recently updated stories (``--top``: ranked as the front page ranks them), ``show ID`` one
story's coverage: timeline with reprints folded, first report, split by language and country,
blindspot, from the same view data as its page. Human text by default, JSON with ``--json``.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
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
def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "undated"


def _langs(lang: str | None, settings: object) -> list[str]:
    """The headline language: ``--lang``, else the site's default reader language."""
    if lang:
        return [] if lang == "original" else [lang.lower()]
    targets = getattr(settings, "target_language_list", [])
    return targets[:1]


@stories_group.command("list")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True, help="Stories to list.")
@click.option("--top", is_flag=True, help="Rank as the front page does (outlets, languages, recency).")
@click.option("--lang", help="Headlines in this language where one exists (default: the site's first "
                             "target language; 'original' for the first article's title).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def list_(ctx: click.Context, limit: int, top: bool, lang: str | None, as_json: bool) -> None:
    """List stories, most recently updated first (--top: the top stories)."""
    from newsdesk.clock import system_clock
    from newsdesk.store import story_queries
    from newsdesk.store.db import engine_for, session_scope
    from newsdesk.web.views import coverage_line

    settings = app(ctx).settings
    ranking = story_queries.Ranking.from_settings(settings)
    langs = _langs(lang, settings)
    with session_scope(engine_for(settings.database_url)) as session:
        if top:
            cards = story_queries.top_stories(session, now=system_clock(), ranking=ranking, langs=langs, limit=limit)
        else:
            cards, _ = story_queries.stories_after(session, ranking=ranking, limit=limit, langs=langs)
    if as_json:
        print_json([asdict(c) for c in cards])
        return
    if not cards:
        click.echo("no stories yet: they are made as articles are stored (or run newsdesk stories rebuild)")
        return
    for c in cards:
        outlets = ", ".join(o.name for o in c.outlets)
        more = f" and {c.outlet_count - len(c.outlets)} more" if c.outlet_count > len(c.outlets) else ""
        mark = f"  [{c.headline_lang}]" if not c.in_reader_lang and c.headline_lang else ""
        click.echo(f"{c.id:>6}  {c.headline}{mark}")
        click.echo(f"        {coverage_line(c)} · updated {_when(c.last_updated)} · {outlets}{more}")


@stories_group.command("show")
@click.argument("story_id", type=int)
@click.option("--lang", help="Headline and translated titles in this language where they exist.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def show(ctx: click.Context, story_id: int, lang: str | None, as_json: bool) -> None:
    """Show one story: its timeline, first report, languages and countries."""
    from newsdesk.store import queries, story_queries
    from newsdesk.store.db import engine_for, session_scope
    from newsdesk.web.views import (
        Reader,
        StoryView,
        country_name,
        coverage_line,
        language_name,
        plural,
        story_view,
    )

    settings = app(ctx).settings
    langs = _langs(lang, settings)
    reader = Reader(langs[0] if langs else "original")
    with session_scope(engine_for(settings.database_url)) as session:
        view = story_view(session, story_id, ranking=story_queries.Ranking.from_settings(settings), reader=reader,
                          site_languages=queries.list_languages(session))
        if isinstance(view, story_queries.Merged):
            click.echo(f"story {story_id} was merged into story {view.target}", err=True)
            view = story_view(session, view.target, ranking=story_queries.Ranking.from_settings(settings),
                              reader=reader)
    if view is None or not isinstance(view, StoryView):
        raise UsageError(f"stories: no story {story_id} (newsdesk stories list shows them)")
    d = view.detail
    if as_json:
        print_json(asdict(d))
        return
    c = d.card
    click.echo(f"story {c.id}: {c.headline}" + (f"  [{c.headline_lang}]" if not c.in_reader_lang else ""))
    reprints = f" · {plural(c.reprint_count, 'reprint')}" if c.reprint_count else ""
    click.echo(f"{coverage_line(c)}{reprints} · first seen {_when(c.first_seen)} · updated {_when(c.last_updated)}")
    if d.first_reported_by:
        click.echo(f"first reported by {d.first_reported_by.name}, {_when(d.first_reported_at)}")
    if view.blindspot_line:
        click.echo(view.blindspot_line)
    click.echo("by language: " + ", ".join(f"{language_name(x.lang)} {plural(x.outlets, 'outlet')}"
                                           for x in d.by_language))
    click.echo("by country: " + ", ".join(f"{country_name(x.country)} {plural(x.outlets, 'outlet')}"
                                          for x in d.by_country))
    click.echo("timeline:")
    for item in d.items:
        outlet = item.source.name if item.source else "unknown outlet"
        click.echo(f"  {_when(item.at)}  {outlet} [{item.lang or '?'}]  {item.title}  (article {item.article_id})")
        if item.translated_title:
            click.echo(f"      {item.translated_lang}: {item.translated_title}")
        for r in item.reprints:
            click.echo(f"      reprinted by {r.source.name if r.source else 'an unknown outlet'}, {_when(r.at)}"
                       f"  (article {r.article_id})")
    if d.truncated:
        click.echo(f"  … the first {len(d.items)} reports; the counts cover every one")
