"""The root command group and the helpers every command uses (settings, output, exit codes)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from rich.console import Console

from newsdesk.errors import ConfigError, NewsdeskError, UsageError, plain_message
from newsdesk.settings import Settings, load_settings, redact_url, unknown_setting_warnings

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
# Commands that never open the database (so they work before one exists).
NO_DATABASE_COMMANDS = {None, "settings", "extract", "cli-reference", "db"}
# Of those, the ones that never touch the database's location either ("db" creates the file).
NO_LOCATION_COMMANDS = NO_DATABASE_COMMANDS - {"db"}


@dataclass
class AppContext:
    settings: Settings
    console: Console
    err: Console

    @property
    def db_url(self) -> str:
        return self.settings.database_url


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return str(value)


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


def print_json(data: Any) -> None:
    click.echo(dump_json(data))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_url", envvar="NEWSDESK_DATABASE_URL", help="Database URL (default sqlite:///newsdesk.db).")
@click.version_option(package_name="newsdesk")
@click.pass_context
def main(ctx: click.Context, db_url: str | None) -> None:
    """Newsdesk: follow news outlets, extract and store their articles, serve them as a news site."""
    try:
        settings = load_settings(database_url=db_url)
    except Exception as exc:  # pydantic ValidationError and friends: bad settings are bad usage
        raise click.UsageError(f"settings: {exc}") from exc
    if not ctx.resilient_parsing:
        for warning in unknown_setting_warnings():
            click.echo(f"warning: {warning}", err=True)
    ctx.obj = AppContext(settings=settings, console=Console(), err=Console(stderr=True))
    if ctx.invoked_subcommand not in NO_LOCATION_COMMANDS and not ctx.resilient_parsing:
        try:
            new_file = new_sqlite_file(settings.database_url)
        except UsageError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        if new_file is not None:
            click.echo(f"no database at {new_file}: creating a new one", err=True)
    if ctx.invoked_subcommand not in NO_DATABASE_COMMANDS and not ctx.resilient_parsing:
        from newsdesk.store.db import ensure_schema

        try:
            ensure_schema(settings.database_url)
        except NewsdeskError as exc:
            raise click.UsageError(plain_message(exc)) from exc
        except Exception as exc:  # a database that cannot be reached is the user's to fix
            raise click.ClickException(f"cannot open database {redact_url(settings.database_url)}: "
                                     f"{_redacted_error(exc, settings.database_url)}") from exc


def _redacted_error(exc: Exception, url: str) -> str:
    """The driver's message, without the database password should the driver quote the URL."""
    message = str(exc)
    return message.replace(url, redact_url(url)) if url else message


def new_sqlite_file(url: str) -> Path | None:
    """The SQLite file that opening ``url`` would create (None: it exists, or not SQLite).

    Why the CLI checks first: SQLite makes a missing file without a word, so a mistyped ``--db``
    would silently start an empty database; a missing folder is never made for it (a typo in a
    folder name is far likelier than a wish for new folders), it is reported instead.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # opening the database reports the bad URL
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") \
            or str(parsed.query.get("uri", "")).lower() == "true":
        return None
    path = Path(parsed.database).expanduser()
    if path.exists():
        return None
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"the folder {folder} of the database {path} does not exist (check --db or "
                         "NEWSDESK_DATABASE_URL; no folder is created)")
    return path


def open_output(path: Path) -> IO[str]:
    """Open ``--out`` FILE for writing, with a plain error (exit 2) instead of a traceback."""
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: the folder {path.parent} does not exist")
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def handle_errors(fn: F) -> F:
    """Turn Newsdesk errors into a one-line message and the documented exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (UsageError, ConfigError) as exc:
            click.echo(f"error: {plain_message(exc)}", err=True)
            sys.exit(EXIT_USAGE)
        except NewsdeskError as exc:
            click.echo(f"error: {plain_message(exc)}", err=True)
            sys.exit(EXIT_PARTIAL)

    return wrapper  # type: ignore[return-value]


def app(ctx: click.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj
