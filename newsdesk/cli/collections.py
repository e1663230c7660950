"""``newsdesk collections …``: group sources by country, by language or by hand.

A thin shell over :mod:`newsdesk.store.collections`. Filtering the site's lists, search, charts
and feeds by collection is the next step of issue 13; today collections are kept and listed.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import click

from newsdesk.cli.base import app, handle_errors, main, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _session(ctx: click.Context) -> AbstractContextManager[Session]:
    from newsdesk.store.db import engine_for, session_scope

    return session_scope(engine_for(app(ctx).db_url))


def _rule(kind: str, value: str | None) -> str:
    return "by hand" if kind == "manual" else f"every source with {kind} {value}"


@main.group("collections")
def collections_group() -> None:
    """Collections of sources (by country, by language or by hand) to limit lists, search and feeds."""


@collections_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def list_(ctx: click.Context, as_json: bool) -> None:
    """List the collections with their rule and how many sources each holds now."""
    from newsdesk.store import collections

    with _session(ctx) as session:
        rows = collections.list_collections(session)
    if as_json:
        print_json([r.as_dict() for r in rows])
        return
    if not rows:
        click.echo("no collections yet: newsdesk collections add --name NAME [--by country=RU]")
    for r in rows:
        click.echo(f"{r.id:>4}  {r.slug}  {r.name}  ({_rule(r.kind, r.value)}; {r.sources} sources)")


@collections_group.command("show")
@click.argument("collection")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def show(ctx: click.Context, collection: str, as_json: bool) -> None:
    """Show COLLECTION (id or slug) and the sources it holds now."""
    from newsdesk.store import collections

    with _session(ctx) as session:
        found = collections.require_collection(session, collection)
        info = collections.collection_info(session, found)
        sources = [{"id": s.id, "name": s.name, **collections.source_metadata(s)}
                   for s in collections.members(session, found)]
    if as_json:
        print_json({**info.as_dict(), "members": sources})
        return
    click.echo(f"{info.id} {info.slug}: {info.name} ({_rule(info.kind, info.value)})")
    if info.description:
        click.echo(f"  {info.description}")
    for s in sources:
        click.echo(f"  {s['id']:>4}  {s['name']}  [{s['lang'] or '?'}/{s['country'] or '?'}]")
    click.echo(f"{len(sources)} sources")


@collections_group.command("add")
@click.option("--name", required=True, help="The collection's name, as pages show it.")
@click.option("--slug", help="Its short name (letters, digits, hyphens); default: made from the name.")
@click.option("--by", "by", metavar="RULE",
              help="country=RU or language=ru: every source with that value, now and later; "
                   "manual (default): the sources you add.")
@click.option("--description", help="A line saying what the collection is for.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def add(ctx: click.Context, name: str, slug: str | None, by: str | None, description: str | None,
        as_json: bool) -> None:
    """Make a collection."""
    from newsdesk.store import collections

    with _session(ctx) as session:
        info = collections.collection_info(session, collections.add_collection(
            session, name=name, slug=slug, by=by, description=description))
    if as_json:
        print_json(info.as_dict())
        return
    click.echo(f"collection {info.id} {info.slug}: {info.name} ({_rule(info.kind, info.value)}; "
               f"{info.sources} sources)")


@collections_group.command("remove")
@click.argument("collection")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def remove(ctx: click.Context, collection: str, as_json: bool) -> None:
    """Delete COLLECTION (id or slug); its sources stay."""
    from newsdesk.store import collections

    with _session(ctx) as session:
        gone = collections.remove_collection(session, collection)
        out = {"id": gone.id, "slug": gone.slug, "removed": True}
    if as_json:
        print_json(out)
        return
    click.echo(f"removed collection {out['id']} {out['slug']}")


def _membership(ctx: click.Context, collection: str, source_id: int, as_json: bool, adding: bool) -> None:
    from newsdesk.store import collections

    with _session(ctx) as session:
        change = collections.add_source_to if adding else collections.remove_source_from
        found = change(session, collection, source_id)
        info = collections.collection_info(session, found)
    if as_json:
        print_json({**info.as_dict(), "source_id": source_id, "added" if adding else "removed": True})
        return
    verb = "added to" if adding else "removed from"
    click.echo(f"source {source_id} {verb} {info.slug} ({info.sources} sources)")


@collections_group.command("add-source")
@click.argument("collection")
@click.argument("source_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def add_source(ctx: click.Context, collection: str, source_id: int, as_json: bool) -> None:
    """Put source SOURCE_ID in the manual COLLECTION."""
    _membership(ctx, collection, source_id, as_json, adding=True)


@collections_group.command("remove-source")
@click.argument("collection")
@click.argument("source_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def remove_source(ctx: click.Context, collection: str, source_id: int, as_json: bool) -> None:
    """Take source SOURCE_ID out of the manual COLLECTION."""
    _membership(ctx, collection, source_id, as_json, adding=False)
