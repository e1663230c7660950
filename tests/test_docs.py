"""Docs that cannot rot: the CLI reference and the settings reference are generated and compared."""

from __future__ import annotations

from newsdesk.cli.reference import cli_reference
from tests.conftest import ROOT


def test_cli_reference_is_current() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert doc == cli_reference(), "docs/cli.md is stale: run newsdesk cli-reference > docs/cli.md"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    first_block = readme.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block
