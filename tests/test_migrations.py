"""The migrations build exactly the schema the code declares, on both backends, and step back.

A column added to ``store/schema.py`` without its migration (or the other way round) works in
tests that call ``create_all`` and fails on a user's upgraded database; this compares the two.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from newsdesk.store.db import alembic_config, engine_for, upgrade
from newsdesk.store.schema import Base


def _differences(url: str) -> list[object]:
    engine = engine_for(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    return [d for d in diff if not _made_outside_the_declared_schema(d)]


def _made_outside_the_declared_schema(diff: object) -> bool:
    """Alembic's own version table and the full-text index, which the search migration makes by
    raw DDL per backend (SQLite's FTS5 tables, PostgreSQL's generated ``tsv`` column and its index)."""
    if not isinstance(diff, tuple):
        return False
    kind = diff[0]
    if kind == "remove_table":
        return bool(diff[1].name == "alembic_version" or diff[1].name.startswith("search_fts"))
    if kind == "remove_index":
        return bool(diff[1].name == "ix_search_docs_tsv")
    if kind == "remove_column":
        return bool(diff[2] == "search_docs" and diff[3].name == "tsv")
    return False


def test_migrated_schema_matches_the_declared_one(db_url: str) -> None:
    assert _differences(db_url) == []


def test_the_latest_migration_steps_down_and_up_again(db_url: str) -> None:
    from alembic import command

    engine = engine_for(db_url)
    config = alembic_config(db_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    assert _tables_with_site_change_triggers(db_url) >= {"articles", "comments", "sources", "translations"}
    upgrade(db_url)
    assert _differences(db_url) == []
    assert _tables_with_site_change_triggers(db_url) >= set(PAGE_CACHE_WATCHED)


PAGE_CACHE_WATCHED = ("articles", "comments", "sources", "translations", "stories")


def _tables_with_site_change_triggers(url: str) -> set[str]:
    from sqlalchemy import text

    with engine_for(url).connect() as connection:
        if connection.dialect.name == "postgresql":
            rows = connection.execute(text(
                "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE 'site_change_%'"))
        else:
            rows = connection.execute(text(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'site_change_%'"))
        return {row[0] for row in rows}


def test_every_table_shown_on_pages_keeps_its_page_cache_trigger(db_url: str) -> None:
    """A batch ALTER on SQLite copies a table without its triggers: the page cache then never
    hears of new articles (this happened once, in 0009)."""
    assert _tables_with_site_change_triggers(db_url) >= set(PAGE_CACHE_WATCHED)
