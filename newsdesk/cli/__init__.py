"""The ``newsdesk`` command: a thin shell over pipeline and store functions.

Each command parses its options, calls one pipeline or store function and prints the result:
human text by default, JSON with ``--json``. Exit codes: 0 success, 1 partial failure (errors
listed), 2 bad usage.
"""

from __future__ import annotations

import sys

from newsdesk.cli.base import main

# Each module adds its commands to ``main`` when imported.
from newsdesk.cli import core as _core  # noqa: E402,F401

__all__ = ["main", "run"]


def run() -> None:  # pragma: no cover - console entry for python -m
    sys.exit(main())
