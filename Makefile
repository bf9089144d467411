# The two commands the README promises: `make demo` and `make test`.
# Both create .venv and install everything they need on their own.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AGENTS ?= 300
SEED ?= 7

.PHONY: demo test lint typecheck unit lab-tests ansible-lint bench clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Main job on the lab
demo: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/homeshift demo --agents $(AGENTS) --seed $(SEED)

## Everything CI checks: lint, types, ansible-lint, tests
test: $(STAMP) lint typecheck ansible-lint
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests plugins benchmarks
	$(BIN)/ruff format --check src tests plugins benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

ansible-lint: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/ansible-lint -q roles playbooks

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .lab .pytest_cache .mypy_cache .ruff_cache
