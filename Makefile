# potrack developer entry points. Everything generated lives in .venv/ and .cache/.
# Needs only python3 (3.11+), Java 17 and Maven; PostgreSQL tests also need the server
# binaries (Debian: apt-get install postgresql) unless POTRACK_TEST_POSTGRES_URL is set.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-pyproject
KAFKA := services/broker/kafka.sh
KAFKA_PORT ?= 9092
PYTEST_ARGS ?=
# The exactly-once path: ingest, the store, the projection runner and tables, the outbox.
STRICT := services/ingest services/store services/workers/outbox.py services/retry.py \
  projections/runner.py projections/tables

.PHONY: venv kafka-fetch kafka-up kafka-down kafka-status pg-check test lint fmt schemas bench chaos run clean

venv: $(STAMP)

# Re-install whenever pyproject.toml changes; the stamp lives in the venv so deleting it resets.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

kafka-fetch:
	@$(KAFKA) fetch

kafka-up: venv
	@$(KAFKA) start

kafka-down:
	@$(KAFKA) stop

kafka-status: venv
	@$(KAFKA) status

# Tests start a throwaway PostgreSQL cluster themselves (see tests/conftest.py); this only
# fails early, with the fix, when neither a URL nor the server binaries are available.
pg-check:
	@if [ -z "$${POTRACK_TEST_POSTGRES_URL:-}" ] && ! command -v pg_ctl >/dev/null \
	  && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
	  && ! docker info >/dev/null 2>&1; then \
	  echo "PostgreSQL server binaries not found: apt-get install postgresql" \
	    "(or set POTRACK_TEST_POSTGRES_URL=postgresql://user:pw@host:port/db)" >&2; \
	  exit 1; \
	fi

# `make test` uses the local broker; an exported POTRACK_TEST_KAFKA_BOOTSTRAP still wins. The
# tests delete the topics they made; the broker stays up for the next run (says so at the end).
test: venv pg-check kafka-up
	@status=0; \
	  POTRACK_TEST_KAFKA_BOOTSTRAP=$${POTRACK_TEST_KAFKA_BOOTSTRAP:-127.0.0.1:$(KAFKA_PORT)} \
	  $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	  echo "potrack: the Kafka broker on 127.0.0.1:$(KAFKA_PORT) stays up for the next" \
	    "make test or make run; make kafka-down stops it"; \
	  exit $$status

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy schemas services projections
	$(BIN)/mypy --strict $(STRICT)
	$(BIN)/potrack schemas --check

fmt: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Generated contract files (JSON Schema, AsyncAPI, OpenAPI); tests fail when they are stale.
schemas: venv
	$(BIN)/potrack schemas

# Benchmarks print Markdown tables (copy them into BENCHMARKS.md); not part of `make test`.
bench: venv pg-check kafka-up
	POTRACK_TEST_KAFKA_BOOTSTRAP=$${POTRACK_TEST_KAFKA_BOOTSTRAP:-127.0.0.1:$(KAFKA_PORT)} \
	  $(BIN)/python -m tests.bench

# Potrack under faults (RELIABILITY.md): its own broker and PostgreSQL cluster, SIGKILLs, a
# broker and a PostgreSQL restart, then end-to-end checks; about 10 minutes, exit 1 on a miss.
# Smaller (about 4 minutes): CHAOS_EVENTS=2000 CHAOS_SECONDS=60 CHAOS_KILLS=6 make chaos.
# Not part of `make test`.
chaos: venv pg-check kafka-fetch
	$(BIN)/python -m tests.chaos

# The whole service in one process on the embedded SQLite store: a month of history is
# back-filled first (so alerts and supplier figures have something to show), then live
# traffic streams in until Ctrl-C.
RUN_RATE ?= 20
# The simulated suppliers' trading partners, so the gateway knows who sends documents.
SIM_PARTNERS := .cache/simulated-partners.toml
SIM_NOTIFY := .cache/simulated-notify.toml
# Deadlines as the defaults, with tolerances for the suppliers' line changes (finance);
# written once: edit it and run again (the projections rebuild under the new policy).
SIM_SLA := .cache/simulated-sla.toml
MAIL_PORT ?= 2525
MAIL_DIR := .cache/mail
# Signs the supplier portal's links (POTRACK_PORTAL_SECRET): made once, random, unless exported.
PORTAL_SECRET := .cache/portal-secret
run: venv kafka-up
	@test -n "$${POTRACK_PORTAL_SECRET:-}" || test -s $(PORTAL_SECRET) || { mkdir -p $(dir $(PORTAL_SECRET)) && \
	  (umask 077; $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))' > $(PORTAL_SECRET)); }
	@$(BIN)/potrack simulate --write-partners $(SIM_PARTNERS)
	@$(BIN)/potrack simulate --write-notify $(SIM_NOTIFY) --mail-port $(MAIL_PORT)
	@test -f $(SIM_SLA) || $(BIN)/potrack simulate --write-sla $(SIM_SLA)  # your edits stay
	@$(BIN)/python -c 'import socket; socket.create_server(("127.0.0.1", $(MAIL_PORT))).close()' \
	  2>/dev/null || { echo "potrack: port $(MAIL_PORT) (the mail sink) is taken: free it or set MAIL_PORT" >&2; exit 2; }
	@echo "potrack: back-filling 30 days of history..."
	@export POTRACK_KAFKA_BOOTSTRAP_SERVERS=$${POTRACK_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}; \
	  export POTRACK_PORTAL_SECRET="$${POTRACK_PORTAL_SECRET:-$$(cat $(PORTAL_SECRET))}"; \
	  $(BIN)/potrack simulate --mode historical --count 6000 --rate 0 --days 30 && \
	  { $(BIN)/potrack simulate --mode live --rate $(RUN_RATE) --count 10000000 & sim=$$!; \
	  mkdir -p $(MAIL_DIR)/new $(MAIL_DIR)/cur $(MAIL_DIR)/tmp; \
	  $(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(MAIL_PORT) \
	    -c aiosmtpd.handlers.Mailbox $(MAIL_DIR) >> .cache/mail-sink.log 2>&1 & sink=$$!; \
	  trap 'kill $$sim $$sink 2>/dev/null' EXIT; \
	  echo "potrack: notifications go to a local mail sink on 127.0.0.1:$(MAIL_PORT);" \
	    "each message is a file in $(MAIL_DIR)/new/"; \
	  echo "potrack: the portal suppliers answer through potrack's /portal/ pages" \
	    "(links signed with POTRACK_PORTAL_SECRET, made once into $(PORTAL_SECRET))"; \
	  POTRACK_PARTNERS_FILE=$(SIM_PARTNERS) POTRACK_NOTIFY_FILE=$(SIM_NOTIFY) \
	    POTRACK_SLA_FILE=$(SIM_SLA) $(BIN)/potrack run; }

clean: kafka-down
	rm -rf .cache .pytest_cache .mypy_cache .ruff_cache test-artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
