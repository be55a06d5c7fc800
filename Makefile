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

run: setup
	$(VENV)/bin/yikatong keys init
	$(VENV)/bin/yikatong migrate
	$(VENV)/bin/yikatong demo
	$(VENV)/bin/yikatong serve --host $(HOST) --port $(PORT)

test: setup lint
	$(PY) -m pytest -q $(PYTEST_ARGS)

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
