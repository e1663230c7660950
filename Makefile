# Newsdesk: `make demo` and `make test` do all set-up on a fresh machine (they create .venv).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test bench bench-tools lint install install-test browser faketime clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e '.[test]'
	# google-reader (the GReader client library tests/test_greader.py drives) declares Python >= 3.12
	# but runs on 3.11 (no 3.12-only syntax or module); pinned, so a release that needs 3.12 cannot slip in
	$(PIP) install -q --ignore-requires-python 'google-reader==0.0.3'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser faketime

# Browser tests drive Debian's Chromium through Playwright (no browser download).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >/dev/null \
		|| echo "could not install chromium: browser tests will skip (CI fails them)"; \
	fi

# .ci/run repeats the date-sensitive tests under a shifted clock with Debian's faketime (libfaketime).
faketime:
	@if ! command -v faketime >/dev/null; then \
		echo "installing Debian's faketime for the shifted-clock tests"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q faketime) >/dev/null \
		|| echo "could not install faketime: .ci/run will say so and fail"; \
	fi

demo: $(VENV)/.installed
	$(VENV)/bin/newsdesk demo

test: install-test
	$(PY) -m pytest

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check newsdesk tests bench
	$(VENV)/bin/mypy newsdesk

bench: $(VENV)/.installed-test bench-tools
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The web benchmark loads the site with wrk (Debian's package), from a second process.
bench-tools:
	@if ! command -v wrk >/dev/null; then \
		echo "installing Debian's wrk for the web benchmark"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk) >/dev/null \
		|| echo "could not install wrk: bench/web.py will say so and stop"; \
	fi

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
