"""Source metadata and collections as a user drives them from the CLI, on both backends."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from newsdesk.cli import main
from newsdesk.store import repo
from newsdesk.store.collections import member_source_ids
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Source


def cli(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"NEWSDESK_DATABASE_URL": db_url}, catch_exceptions=False)


def _sources(db_url: str, *names: str) -> list[int]:
    with session_scope(engine_for(db_url)) as session:
        return [repo.add_source(session, name=name).id for name in names]


def test_source_metadata_is_checked_and_stored(db_url: str) -> None:
    (sid,) = _sources(db_url, "Harbour Gazette")
    done = cli(db_url, "sources", "set", str(sid), "--country", "ru", "--language", "RU",
               "--ownership", "  Gazprom   Media ", "--state-media", "yes", "--json")
    assert done.exit_code == 0, done.output
    with session_scope(engine_for(db_url)) as session:
        row = session.get(Source, sid)
        assert row is not None
        assert (row.country, row.lang, row.ownership, row.state_media) == ("RU", "ru", "Gazprom Media", True)
    listed = json.loads(cli(db_url, "sources", "list", "--json").output)
    assert [(s["country"], s["ownership"], s["state_media"]) for s in listed] == [("RU", "Gazprom Media", True)]
    assert cli(db_url, "sources", "set", str(sid), "--state-media", "unknown").exit_code == 0
    with session_scope(engine_for(db_url)) as session:
        row = session.get(Source, sid)
        assert row is not None and row.state_media is None and row.country == "RU"
    for args, words in ((["--country", "ZZ"], "ISO 3166-1"), (["--country", "Russia"], "ISO 3166-1"),
                        (["--language", "not a language"], "language"), (["--ownership", "x" * 301], "300")):
        bad = cli(db_url, "sources", "set", str(sid), *args)
        assert bad.exit_code == 2 and words in bad.output, (args, bad.output)
    assert cli(db_url, "sources", "set", "999", "--country", "GB").exit_code != 0
    with session_scope(engine_for(db_url)) as session:  # a refused call changed nothing
        row = session.get(Source, sid)
        assert row is not None and (row.country, row.ownership) == ("RU", "Gazprom Media")


def test_collections_by_country_by_language_and_by_hand(db_url: str) -> None:
    ru, gb = _sources(db_url, "Moscow Daily", "London Post")
    assert cli(db_url, "sources", "set", str(ru), "--country", "RU", "--language", "ru").exit_code == 0
    assert cli(db_url, "sources", "set", str(gb), "--country", "GB", "--language", "en").exit_code == 0
    made = cli(db_url, "collections", "add", "--name", "Russian outlets", "--by", "country=RU", "--json")
    assert made.exit_code == 0, made.output
    russian = json.loads(made.output)
    assert russian["kind"] == "country" and russian["value"] == "RU" and russian["slug"] == "russian-outlets"
    assert cli(db_url, "collections", "add", "--name", "English", "--slug", "english",
               "--by", "language=en").exit_code == 0
    assert cli(db_url, "collections", "add", "--name", "Watched", "--slug", "watched").exit_code == 0
    # a source given its country later joins the by-country collection by itself
    (later,) = _sources(db_url, "Kazan Evening")
    assert cli(db_url, "sources", "set", str(later), "--country", "RU").exit_code == 0
    assert cli(db_url, "collections", "add-source", "watched", str(gb)).exit_code == 0
    with session_scope(engine_for(db_url)) as session:
        assert member_source_ids(session, "russian-outlets") == sorted([ru, later])
        assert member_source_ids(session, "english") == [gb]
        assert member_source_ids(session, "watched") == [gb]
        assert member_source_ids(session, "nothing-here") is None
    shown = json.loads(cli(db_url, "collections", "show", "russian-outlets", "--json").output)
    assert sorted(s["id"] for s in shown["members"]) == sorted([ru, later])
    listed = json.loads(cli(db_url, "collections", "list", "--json").output)
    assert {c["slug"]: c["sources"] for c in listed} == {"russian-outlets": 2, "english": 1, "watched": 1}
    # bad input: a clear error each, nothing changed
    for args in (["add", "--name", "Again", "--slug", "watched"], ["add", "--name", "X", "--by", "planet=Mars"],
                 ["add-source", "russian-outlets", str(gb)], ["show", "nope"], ["add-source", "watched", "999"]):
        bad = cli(db_url, "collections", *args)
        assert bad.exit_code != 0 and "error" in bad.output.lower(), (args, bad.output)
    assert cli(db_url, "collections", "remove-source", "watched", str(gb)).exit_code == 0
    assert cli(db_url, "collections", "remove", "watched").exit_code == 0
    with session_scope(engine_for(db_url)) as session:
        assert member_source_ids(session, "watched") is None
        assert session.get(Source, gb) is not None  # removing a collection keeps its sources
