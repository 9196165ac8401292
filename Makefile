# Relais — make run (install, load the demo, serve) · make test · make lint · make bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench clean

$(BIN)/relais: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/relais

run: install
	$(BIN)/relais migrate --verbosity 0
	@if [ -d demo/documents ]; then $(BIN)/relais demo; \
	else echo "Pas de connaissances de démonstration (demo/documents absent) : base vide."; fi
	$(BIN)/relais serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/retrieval.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
