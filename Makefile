# Yikatong: `make run` serves the API and PWAs with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint bench migrate demo keys clean

setup: $(STAMP) $(NPM_STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(VENV)/bin/yikatong migrate

# The bank simulator plays the demo banks against the served API in the background (it waits for the
# server, opens the demo cards' accounts and credits the demo payment run); it stops when serve stops.
DATA_DIR ?= $(or $(YIKATONG_DATA_DIR),data)
run: setup
	$(VENV)/bin/yikatong keys init
	$(VENV)/bin/yikatong migrate
	$(VENV)/bin/yikatong demo
	$(VENV)/bin/yikatong bank-sim --base-url http://$(HOST):$(PORT) --tokens-file $(DATA_DIR)/demo-bank-clients.json \
		--books $(DATA_DIR)/demo-bank-books.sqlite --accept-first & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/yikatong serve --host $(HOST) --port $(PORT)

# Tests run in pytest-xdist workers, one per core plus one, up to 8 (TEST_WORKERS=0: in this process), each
# with databases, Redis keys, directories and ports of its own. --dist loadgroup without groups
# hands tests out one at a time in collection order (tests/conftest.py: the longest first, browser
# tests last), which --no-loadscope-reorder keeps if groups appear (docs/testing.md).
# With no PYTEST_ARGS the browser tests run after the rest, one worker per core (a Chromium and
# a server each): with more, their pages starved and timed out (docs/testing.md, "Keeping the run short").
TEST_WORKERS ?= $(shell n=$$(( $$(nproc 2>/dev/null || echo 1) + 1 )); [ $$n -gt 8 ] && n=8; echo $$n)
BROWSER_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 8 ] && n=8; echo $$n)
PYTEST := $(PY) -m pytest -q --dist loadgroup --no-loadscope-reorder
ifeq ($(strip $(PYTEST_ARGS)),)
test: setup lint
	$(PYTEST) -n $(TEST_WORKERS) --durations=25 --ignore=tests/e2e; rest=$$?; \
	$(PYTEST) -n $(BROWSER_WORKERS) --durations=10 tests/e2e; browser=$$?; \
	[ $$rest -eq 0 ] && [ $$browser -eq 0 ]
else
test: setup lint
	$(PYTEST) -n $(TEST_WORKERS) --durations=25 $(PYTEST_ARGS)
endif

# Rules checked by machine (docs/conventions.md), before any test runs: lint and format,
# import contracts (pyproject's [tool.importlinter]) and types (pyproject's [tool.mypy]).
LINTED := backend tests bench keys
lint: setup
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules data test-artifacts
