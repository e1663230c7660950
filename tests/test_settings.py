"""The settings table is the single source of truth: documented, overridable, validated."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from newsdesk.cli import main
from newsdesk.settings import ENV_PREFIX, Settings, load_settings, settings_reference
from tests.conftest import ROOT


def test_every_setting_is_documented_and_the_reference_is_current() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text("utf-8")
    for name, info in Settings.model_fields.items():
        assert f"`{ENV_PREFIX}{name.upper()}`" in doc, f"{name} missing from docs/settings.md"
        assert info.description, f"{name} has no help text"
    assert doc == settings_reference(), "docs/settings.md is stale: run newsdesk settings --markdown > docs/settings.md"


def test_environment_file_and_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "newsdesk.env"
    config.write_text("# comment\nNEWSDESK_FEED_INTERVAL=60\nsite_name = 'From file'\n", "utf-8")
    monkeypatch.setenv("NEWSDESK_CONFIG", str(config))
    monkeypatch.setenv("NEWSDESK_SITE_NAME", "From env")
    settings = load_settings(database_url="sqlite:///x.db")
    assert settings.feed_interval == 60  # from the file
    assert settings.site_name == "From env"  # the environment beats the file
    assert settings.database_url == "sqlite:///x.db"  # explicit override beats both


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(translate_engine="babelfish")
    with pytest.raises(ValidationError):
        Settings(fetch_timeout="soon")  # type: ignore[arg-type]


def test_settings_command_redacts_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_SECRET_KEY", "hunter2-very-secret")
    result = CliRunner().invoke(main, ["settings", "--json"])
    assert result.exit_code == 0, result.output
    assert "hunter2-very-secret" not in result.output
    assert "NEWSDESK_SECRET_KEY" in result.output


def test_bad_setting_in_environment_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_FEED_INTERVAL", "often")
    result = CliRunner().invoke(main, ["settings"])
    assert result.exit_code == 2
    assert "feed_interval" in result.output
