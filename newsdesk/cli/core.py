"""Core commands: settings and database upgrade."""

from __future__ import annotations

import click

from newsdesk.cli.base import app, handle_errors, main, print_json
from newsdesk.settings import redact_url


@main.command("settings")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--markdown", is_flag=True, help="Print the settings reference (docs/settings.md).")
@click.pass_context
def settings_cmd(ctx: click.Context, as_json: bool, markdown: bool) -> None:
    """Print every setting with its effective value (secrets redacted)."""
    rows = app(ctx).settings.describe()
    if markdown:
        from newsdesk.settings import settings_reference

        click.echo(settings_reference(), nl=False)
        return
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['env']:<40} {row['value']!s:<30} {row['help']}")


@main.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@click.pass_context
@handle_errors
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the database to the newest schema."""
    from newsdesk.store.db import current_revision, upgrade

    url = app(ctx).db_url
    upgrade(url)
    click.echo(f"database {redact_url(url)} at revision {current_revision(url)}")
