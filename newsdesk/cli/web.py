"""``newsdesk serve`` and ``newsdesk admin …``: run the reader site, manage its administrators."""

from __future__ import annotations

import click

from newsdesk.cli.base import app, handle_errors, main, print_json
from newsdesk.settings import redact_url

# why: one worker already serves cached pages at thousands of requests/s; more use more cores
DEFAULT_WORKERS = 1


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (one per core for the most throughput).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.pass_context
@handle_errors
def serve(ctx: click.Context, host: str, port: int, workers: int, log_level: str) -> None:
    """Serve the reader site, its feeds and the JSON API."""
    settings = app(ctx).settings
    click.echo(f"reader site: http://{host}:{port}/  (database {redact_url(settings.database_url)}; Ctrl-C to stop)")
    from newsdesk.web.server import run_server

    run_server(settings, host=host, port=port, workers=workers, log_level=log_level)


@main.group("admin")
def admin_group() -> None:
    """Administrators of the reader site, and site maintenance."""


@admin_group.command("create-user")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--replace", is_flag=True, help="Set a new password when the user exists (ending their sessions).")
@click.pass_context
@handle_errors
def create_user(ctx: click.Context, username: str, password_stdin: bool, replace: bool) -> None:
    """Create an admin who can moderate comments and manage sources (the same as ``users add --admin``)."""
    from newsdesk.cli.users import add_user

    add_user(ctx, username, admin=True, password_stdin=password_stdin, replace=replace)


@admin_group.command("delete-user")
@click.argument("username")
@click.pass_context
@handle_errors
def delete_user(ctx: click.Context, username: str) -> None:
    """Remove a user (as ``users delete``); their sessions end at once (a logged-in browser is logged out)."""
    from newsdesk.cli.users import remove_user

    remove_user(ctx, username)
    click.echo(f"admin user {username.strip()!r} deleted")


@admin_group.command("reindex-search")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def reindex_search(ctx: click.Context, as_json: bool) -> None:
    """Rebuild the full-text index of every article and translation."""
    from newsdesk.store.db import engine_for, session_scope, upgrade
    from newsdesk.store.search import reindex_all

    url = app(ctx).db_url
    upgrade(url)
    with session_scope(engine_for(url)) as session:
        count = reindex_all(session)
    if as_json:
        print_json({"indexed": count})
    else:
        click.echo(f"indexed {count} articles")
