"""Printed settings never show a password, a misspelled setting is named, and the reference table holds."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from newsdesk.cli import main
from newsdesk.settings import Settings, redact_url, settings_reference, unknown_setting_warnings

DB_URL = "postgresql+psycopg://news:pg-pass-7731@db.example:5432/news"
BROKER_URL = "amqp://worker:amqp-pass-4410@mq.example:5672//"


def test_redact_url_keeps_the_user_and_hides_the_password() -> None:
    assert redact_url(DB_URL) == "postgresql+psycopg://news:***@db.example:5432/news"
    assert redact_url(BROKER_URL) == "amqp://worker:***@mq.example:5672//"
    assert redact_url("redis://:only-pass@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert redact_url("postgresql://db.example/news?user=u&password=qs-secret") == (
        "postgresql://db.example/news?user=u&password=***"
    )


def test_redact_url_leaves_urls_without_credentials_alone() -> None:
    for value in ("sqlite:///newsdesk.db", "redis://127.0.0.1:6379/0", "https://lt.example/api", "not a url"):
        assert redact_url(value) == value


def test_settings_command_redacts_url_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", DB_URL)
    monkeypatch.setenv("NEWSDESK_BROKER_URL", BROKER_URL)
    monkeypatch.setenv("NEWSDESK_LIBRETRANSLATE_URL", "https://key:lt-pass-9911@lt.example/")
    for args in (["settings", "--json"], ["settings"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        for secret in ("pg-pass-7731", "amqp-pass-4410", "lt-pass-9911"):
            assert secret not in result.output, args
    rows = {row["name"]: row for row in json.loads(CliRunner().invoke(main, ["settings", "--json"]).output)}
    assert rows["database_url"]["value"] == "postgresql+psycopg://news:***@db.example:5432/news"
    assert rows["broker_url"]["value"] == "amqp://worker:***@mq.example:5672//"
    assert rows["libretranslate_url"]["value"] == "https://key:***@lt.example/"


def test_db_upgrade_message_redacts_the_password(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # SQLite URLs carry no password; an unreachable server's does: the error names it redacted.
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", "postgresql+psycopg://news:pg-pass-7731@127.0.0.1:1/news")
    result = CliRunner().invoke(main, ["sources", "list"])
    assert result.exit_code != 0
    assert "pg-pass-7731" not in result.output
    assert "news:***@127.0.0.1:1" in result.output


def test_misspelled_environment_variable_names_the_closest_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_FETCH_TIMOUT", "3")
    result = CliRunner().invoke(main, ["settings", "--json"])
    assert result.exit_code == 0, result.output
    assert "variable NEWSDESK_FETCH_TIMOUT is not a setting" in result.stderr
    assert "did you mean NEWSDESK_FETCH_TIMEOUT?" in result.stderr
    assert result.stderr.count("TIMOUT") == 1  # warned once
    assert "TIMOUT" not in result.stdout
    json.loads(result.stdout)  # the warning does not spoil the JSON on stdout


def test_misspelled_settings_file_key_is_warned_about(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "newsdesk.env"
    config.write_text("SITE_NAMME=Typo\nFEED_INTERVAL=60\n", "utf-8")
    monkeypatch.setenv("NEWSDESK_CONFIG", str(config))
    warnings = unknown_setting_warnings(environ={"NEWSDESK_CONFIG": str(config)})
    assert warnings == [
        "settings: settings file key NEWSDESK_SITE_NAMME is not a setting and is ignored; "
        "did you mean NEWSDESK_SITE_NAME?"
    ]


def test_reserved_names_and_settings_are_not_warned_about() -> None:
    environ = {
        "NEWSDESK_TEST_POSTGRES_URL": "postgresql://x", "NEWSDESK_CONFIG": "/nowhere.env",
        "NEWSDESK_FEED_INTERVAL": "60", "PATH": "/bin", "NEWSDESK_ZZQX": "1",
    }
    assert unknown_setting_warnings(environ=environ, file_keys=[]) == [
        "settings: environment variable NEWSDESK_ZZQX is not a setting and is ignored"
    ]


_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


def test_every_row_of_the_reference_table_has_four_cells() -> None:
    rows = [line for line in settings_reference().splitlines() if line.startswith("|")]
    assert len(rows) == len(Settings.model_fields) + 2  # header, rule, one row per setting
    for row in rows:
        cells = _CELL_SEPARATOR.split(row)
        assert cells[0] == "" and cells[-1] == "", row
        assert len(cells) - 2 == 4, row
    assert "| `NEWSDESK_SITE_URL` | str \\| None |" in settings_reference()
