"""``newsdesk translate …``: install and list local models, translate stored articles."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime

import click

from newsdesk.cli.base import EXIT_PARTIAL, app, handle_errors, main, print_json
from newsdesk.errors import ConfigError, UsageError, plain_message
from newsdesk.translate.models import InstalledModel


@main.group("translate")
def translate_group() -> None:
    """Machine translation: local models and translating stored articles."""


@translate_group.command("install")
@click.argument("pair", required=False)
@click.option("--from", "path", type=click.Path(exists=True), help="Install an .argosmodel file or a model folder.")
@click.option("--pair", "pair_option", help="Language pair of a folder without metadata (e.g. ru-en).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def install_cmd(ctx: click.Context, pair: str | None, path: str | None, pair_option: str | None, as_json: bool) -> None:
    """Install a local model: download PAIR (e.g. ru-en) from the Argos index, or --from PATH."""
    from newsdesk.translate.packages import install_from_index, install_from_path

    settings = app(ctx).settings
    if path:
        model = install_from_path(settings.translate_models_dir, path, pair=pair_option or pair)
    elif pair:
        click.echo(f"downloading the {pair} model from {settings.translate_package_index_url} …", err=True)
        model = install_from_index(settings.translate_models_dir, pair, index_url=settings.translate_package_index_url)
    else:
        raise UsageError("translate: give a language pair (ru-en) or --from PATH")
    if as_json:
        print_json(model)
        return
    click.echo(f"installed {model.pair}: {model.name} {model.version} ({model.kind}) in {model.path}")
    if settings.translate_engine != "local":
        click.echo("to use it: set NEWSDESK_TRANSLATE_ENGINE=local")


@translate_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Show the installed local models."""
    from newsdesk.translate.packages import list_installed

    settings = app(ctx).settings
    models = list_installed(settings.translate_models_dir)
    if as_json:
        print_json([_row(model) for model in models])
        return
    if not models:
        click.echo(f"no local translation models in {settings.translate_models_dir}")
        click.echo("install one: newsdesk translate install ru-en   (or --from FILE.argosmodel)")
        return
    for model in models:
        size = f"{model.size_bytes / 1e6:.1f} MB"
        click.echo(f"{model.pair:<8} {model.name:<40} {model.version:<8} {model.kind:<8} {size:>10}  {model.path}")


def _row(model: InstalledModel) -> dict[str, object]:
    return {**asdict(model), "pair": model.pair}


@translate_group.command("remove")
@click.argument("pair")
@click.pass_context
@handle_errors
def remove_cmd(ctx: click.Context, pair: str) -> None:
    """Remove an installed local model."""
    from newsdesk.translate.packages import remove_model

    if not remove_model(app(ctx).settings.translate_models_dir, pair):
        raise UsageError(f"translate: no installed model {pair}")
    click.echo(f"removed {pair}")


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError as exc:
            raise UsageError(f"translate: --since wants a date like 2024-05-08, got {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@translate_group.command("articles")
@click.option("--lang", "source_lang", help="Only articles in this language (e.g. ru).")
@click.option("--to", "targets", multiple=True, help="Target language (default: NEWSDESK_TARGET_LANGUAGES).")
@click.option("--since", help="Only articles stored on or after this date (YYYY-MM-DD or ISO time).")
@click.option("--limit", type=int, help="Translate at most this many articles.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def articles_cmd(
    ctx: click.Context,
    source_lang: str | None,
    targets: tuple[str, ...],
    since: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Translate stored articles that have no translation yet (and retry failed ones that are due)."""
    from newsdesk.pipeline.translate import TranslateReport, translate_pending
    from newsdesk.store.db import engine_for
    from newsdesk.translate.engines import make_translator
    from newsdesk.translate.engines.none import SETUP_HINT

    context = app(ctx)
    settings = context.settings
    translator = make_translator(settings)
    if translator is None:
        raise ConfigError(f"translate: {SETUP_HINT}")
    langs = [t.lower() for t in targets] or settings.target_language_list
    db = engine_for(context.db_url)
    since_at = _parse_since(since)

    def run(on_progress: Callable[[int, int], None] | None = None) -> TranslateReport:
        return translate_pending(
            db,
            translator,
            target_langs=langs,
            source_lang=source_lang.lower() if source_lang else None,
            since=since_at,
            limit=limit,
            batch_articles=settings.translate_batch_articles,
            retry_base=settings.translate_retry_base,
            retry_max=settings.translate_retry_max,
            on_progress=on_progress,
        )

    if as_json:
        report = run()
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("translating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=context.err, transient=True,
        ) as progress:
            task = progress.add_task("translate", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = run(on_progress)
    close = getattr(translator, "close", None)
    if callable(close):
        close()
    if as_json:
        print_json(report.as_dict())
    else:
        click.echo(f"translated {report.done}, failed {report.failed}, rejected {report.rejected}, "
                   f"skipped {report.skipped} (engine {translator.name}, into {', '.join(langs)})")
        if report.rejected:
            click.echo(f"rejected for good: the engine cannot translate {report.rejected} article(s) "
                       "(an unsupported language pair; not retried until the engine supports it)")
        if report.reopened:
            click.echo(f"{report.reopened} rejected job(s) taken up again: the engine now supports their pair")
        if report.stopped:
            click.echo(f"stopped early: the engine is unavailable ({report.stopped}); the rest is retried later")
        for error in report.outcomes.errors[:10]:
            click.echo(f"  {plain_message(error)}", err=True)
    if report.failed or report.rejected:
        sys.exit(EXIT_PARTIAL)


@translate_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def status_cmd(ctx: click.Context, as_json: bool) -> None:
    """Show translation jobs by state, and the latest failures with their errors and next attempt."""
    from newsdesk.store import translations as store
    from newsdesk.store.db import engine_for, session_scope

    context = app(ctx)
    with session_scope(engine_for(context.db_url)) as session:
        counts = store.job_counts(session)
        failures = [
            {
                "article_id": job.article_id,
                "lang": job.lang,
                "status": job.status,
                "attempts": job.attempts,
                "next_attempt_at": job.next_attempt_at,
                "error": job.last_error,
            }
            for job in store.recent_failures(session)
        ]
    if as_json:
        print_json({"engine": context.settings.translate_engine, "jobs": counts, "failures": failures})
        return
    states = ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "no jobs yet"
    click.echo(f"engine {context.settings.translate_engine}; jobs: {states}")
    for failure in failures:
        when = failure["next_attempt_at"]
        if failure["status"] == store.REJECTED:
            next_at = "rejected, not retried"
        else:
            next_at = "next " + (when.isoformat(timespec="minutes") if isinstance(when, datetime) else "now")
        click.echo(
            f"  article {failure['article_id']} → {failure['lang']}: {failure['attempts']} attempt(s), "
            f"{next_at}: {plain_message(str(failure['error'] or ''))}"
        )


@translate_group.command("text")
@click.argument("text")
@click.option("--from", "source", required=True, help="Language of TEXT (e.g. ru).")
@click.option("--to", "target", default=None, help="Target language (default: the first target language).")
@click.option("--html", "is_html", is_flag=True, help="TEXT is an HTML fragment; keep its markup.")
@click.pass_context
@handle_errors
def text_cmd(ctx: click.Context, text: str, source: str, target: str | None, is_html: bool) -> None:
    """Translate TEXT with the configured engine (a quick check of the set-up)."""
    from newsdesk.translate import ArticleContent, NoCache, translate_article_content
    from newsdesk.translate.engines import make_translator
    from newsdesk.translate.engines.none import SETUP_HINT

    settings = app(ctx).settings
    translator = make_translator(settings)
    if translator is None:
        raise ConfigError(f"translate: {SETUP_HINT}")
    target = target or settings.target_language_list[0]
    content = ArticleContent(title=None, html=text) if is_html else ArticleContent(title=text, html="")
    result = translate_article_content(translator, NoCache(), content, source=source, target=target)
    click.echo(result.html if is_html else result.title)
