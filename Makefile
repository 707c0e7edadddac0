# The two commands of the README: `make run` and `make test`.
# Packages are compiled to bytecode at install: the machines here run with
# PYTHONDONTWRITEBYTECODE=1, so every process start would compile them again.
# Python 3.12 is taken from pyenv when present (these machines), else from PATH.
PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12))
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run install messages demo test lint ci clean bench bench-admin bench-ingest bench-broadcast

run: install demo ## Install, migrate, seed the demo and start web, worker, sender, beat (+ bot).
	@procs="web worker sender beat"; \
	if $(MANAGE) runbot --check >/dev/null 2>&1; then procs="$$procs bot"; \
	else echo "TELEGRAM_BOT_TOKEN is not set: the bot is not started."; fi; \
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho -f Procfile.dev start $$procs

install: $(BIN)/.installed .env messages

$(BIN)/.installed: pyproject.toml uv.lock
	@test -n "$(PYTHON)" || { echo "Python 3.12 is required (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install -q "uv==0.13.9"; }
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --quiet --compile-bytecode --python $(BIN)/python
	@touch $@

# A local .env with a fresh secret key, made once; it is never committed.
.env:
	@$(PYTHON) -c "import secrets; print(f'DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\nDJANGO_DEBUG=true')" > .env
	@echo "Wrote .env with a new DJANGO_SECRET_KEY (see .env.example for the rest)."

messages: $(BIN)/.installed
	@$(BIN)/pybabel -q compile -d locale -D django

demo: install
	@mkdir -p var/celery/queue var/celery/processed
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) seed_demo

test: install ## Run the test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

ci: lint test

clean:
	rm -rf $(VENV) var static

bench-admin: install ## Changelists and dashboard at 1M reports (PostgreSQL: BENCH_DATABASE_URL).
	$(BIN)/python -m bench.admin

bench-ingest: install ## 1,000 photos through the bot, with a restart mid-burst.
	$(BIN)/python -m bench.ingest

bench-broadcast: install ## 2,000-recipient mailing at 25 and 30 msg/s against the fake Bot API (needs PostgreSQL + Redis).
	$(BIN)/python -m bench.broadcast

bench: install ## Every benchmark (PostgreSQL + Redis), then one summary table.
	$(BIN)/python -m bench
