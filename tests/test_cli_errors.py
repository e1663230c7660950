"""Bad paths and failed fetches as a user meets them at the CLI: plain words, documented exit codes,
no traceback, nothing created by mistake."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from newsdesk.cli import main
from tests.test_cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_export_into_a_missing_folder_is_a_clear_error(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "export.jsonl"
    result = cli(db_url, "export", "--out", str(target))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"the folder {target.parent} does not exist" in result.stderr
    assert not target.parent.exists()


def test_export_opml_into_a_missing_folder_is_a_clear_error(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "subs.opml"
    result = cli(db_url, "sources", "export-opml", "--out", str(target))
    assert result.exit_code == 2, result.output
    assert f"cannot write {target}: the folder {target.parent} does not exist" in result.stderr
    assert not target.parent.exists()


def test_a_mistyped_db_folder_creates_nothing(tmp_path: Path) -> None:
    wrong = tmp_path / "typo-folder" / "deeper" / "newsdesk.db"
    for args in (["sources", "list"], ["db", "upgrade"], ["crawl"]):
        result = run("--db", f"sqlite:///{wrong}", *args)
        assert result.exit_code == 2, (args, result.output)
        assert f"the folder {wrong.parent} of the database {wrong} does not exist" in result.stderr
        assert not (tmp_path / "typo-folder").exists()


def test_a_new_database_file_is_announced_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    first = run("--db", f"sqlite:///{path}", "sources", "list")
    assert first.exit_code == 0, first.output
    assert f"no database at {path}: creating a new one" in first.stderr
    assert "no sources yet" in first.stdout and path.exists()
    second = run("--db", f"sqlite:///{path}", "sources", "list")
    assert second.exit_code == 0 and "creating" not in second.stderr
