"""The ``newsdesk`` command: a thin shell over pipeline and store functions.

Each command parses its options, calls one pipeline or store function and prints the result:
human text by default, JSON with ``--json``. Exit codes: 0 success, 1 partial failure (errors
listed), 2 bad usage.
"""

from __future__ import annotations

import sys

# Each module adds its commands to ``main`` when imported.
from newsdesk.cli import collections as _collections  # noqa: E402,F401
from newsdesk.cli import core as _core  # noqa: F401
from newsdesk.cli import crawl as _crawl  # noqa: F401
from newsdesk.cli import demo as _demo  # noqa: F401
from newsdesk.cli import reference as _reference  # noqa: F401
from newsdesk.cli import sources as _sources  # noqa: F401
from newsdesk.cli import stories as _stories  # noqa: F401
from newsdesk.cli import translate as _translate  # noqa: F401
from newsdesk.cli import users as _users  # noqa: F401
from newsdesk.cli import web as _web  # noqa: F401
from newsdesk.cli import workers as _workers  # noqa: F401
from newsdesk.cli.base import main

__all__ = ["main", "run"]


def run() -> None:  # pragma: no cover - console entry for python -m
    sys.exit(main())
