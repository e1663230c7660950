"""``newsdesk users …``: the site's accounts (admins and readers) and their app passwords.

Passwords come from a prompt (asked twice) or, for scripts, one line of standard input
(``--password-stdin``); they are stored only as argon2 hashes. ``admin create-user`` (cli/web.py)
is ``users add --admin`` under its older name.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from newsdesk.cli.base import app, handle_errors, main, print_json


def read_password(password_stdin: bool, prompt: str = "Password") -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))


def add_user(ctx: click.Context, username: str, *, admin: bool, password_stdin: bool, replace: bool) -> None:
    """Create (or with ``replace`` set a new password for) an account; prints what was saved."""
    from newsdesk.store.db import engine_for, session_scope, upgrade
    from newsdesk.store.users import create_user

    password = read_password(password_stdin)
    url = app(ctx).db_url
    upgrade(url)
    with session_scope(engine_for(url)) as session:
        user = create_user(session, username, password, replace=replace, role="admin" if admin else "reader")
        click.echo(f"{user.role} user {user.username!r} saved (id {user.id})")


def remove_user(ctx: click.Context, username: str) -> None:
    """Delete an account (``users delete`` and its older name ``admin delete-user``)."""
    from newsdesk.store.db import engine_for, session_scope, upgrade
    from newsdesk.store.users import delete_user

    url = app(ctx).db_url
    upgrade(url)
    with session_scope(engine_for(url)) as session:
        delete_user(session, username)


@main.group("users")
def users_group() -> None:
    """Accounts: admins (moderate, manage sources) and readers (their own subscriptions and state)."""


@users_group.command("add")
@click.argument("username")
@click.option("--admin", is_flag=True, help="An administrator (default: a reader).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--replace", is_flag=True, help="Set a new password when the user exists (ending their sessions "
              "and app tokens; the role stays).")
@click.pass_context
@handle_errors
def users_add(ctx: click.Context, username: str, admin: bool, password_stdin: bool, replace: bool) -> None:
    """Create an account (password hashed with argon2)."""
    add_user(ctx, username, admin=admin, password_stdin=password_stdin, replace=replace)


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Every account with its role, last login and whether it has an app password."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from newsdesk.store.db import engine_for, ensure_schema
    from newsdesk.store.schema import Subscription
    from newsdesk.store.users import list_users

    url = app(ctx).db_url
    ensure_schema(url)
    with Session(engine_for(url)) as session:
        counts = dict(session.execute(select(Subscription.user_id, func.count()).group_by(Subscription.user_id)).all())
        rows: list[dict[str, Any]] = [{"id": u.id, "username": u.username, "role": u.role, "created_at": u.created_at,
                 "last_login_at": u.last_login_at, "app_password": u.fever_key is not None,
                 "subscriptions": counts.get(u.id, 0)} for u in list_users(session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("no users (add one with: newsdesk users add NAME [--admin])")
    for row in rows:
        last = row["last_login_at"].isoformat(timespec="minutes") if row["last_login_at"] else "never"
        click.echo(f"{row['id']:>4}  {row['username']:<24} {row['role']:<7} {row['subscriptions']:>4} subscriptions"
                   f"  last login {last}{'  app password' if row['app_password'] else ''}")


@users_group.command("delete")
@click.argument("username")
@click.pass_context
@handle_errors
def users_delete(ctx: click.Context, username: str) -> None:
    """Remove an account with its subscriptions, reading state and rules; its sessions and app
    tokens end at once."""
    remove_user(ctx, username)
    click.echo(f"user {username.strip()!r} deleted")


@users_group.command("app-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the app password from standard input (for scripts).")
@click.pass_context
@handle_errors
def users_app_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set the password feed reader apps sign in with: the Fever API's (its key is md5 of
    "username:app password", so never reuse the account password) and, besides the account
    password, the Google Reader API's ClientLogin. A new one replaces the old."""
    from newsdesk.errors import UsageError
    from newsdesk.store.db import engine_for, session_scope, upgrade
    from newsdesk.store.users import find_user, set_app_password

    password = read_password(password_stdin, "App password")
    url = app(ctx).db_url
    upgrade(url)
    with session_scope(engine_for(url)) as session:
        user = find_user(session, username)
        if user is None:
            raise UsageError(f"users: no user {username.strip()!r}")
        set_app_password(session, user.id, password)
    click.echo(f"app password of {username.strip()!r} set (Fever and Google Reader apps)")
