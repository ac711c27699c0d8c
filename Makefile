# Two commands do everything on a fresh clone:
#   make start   the bot (with FOLLOWUP_BOT_TOKEN) or, without a token, the offline demo
#   make test    the test suite (SQLite; PostgreSQL too when FOLLOWUP_TEST_POSTGRES_URL is set)
# Both create .venv, install pinned dependencies and migrate the database first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install db start demo demo-auto test lint check bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

db: install
	$(BIN)/followup db upgrade

start: db
	@if [ -n "$$FOLLOWUP_BOT_TOKEN" ]; then $(BIN)/followup run; else $(BIN)/followup demo; fi

demo: db
	$(BIN)/followup demo

demo-auto: db
	$(BIN)/followup demo --auto

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint test

bench: db
	$(BIN)/python -m bench.dispatch_bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
