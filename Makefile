# MLQA: `make run` to try the site, `make test` to check it. See README.md.
VENV    := .venv
PY      := $(VENV)/bin/python
PYTEST  := $(VENV)/bin/pytest
# The first Python >= 3.12 on PATH (Django 6 needs it); pyenv users get 3.12 from .python-version.
PYTHON  ?= $(shell for p in python3.12 python3.13 python3.14 python3; do \
             if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
             then echo $$p; break; fi; done)
HOST    ?= 127.0.0.1
PORT    ?= 8000
WORKERS ?= 2
THREADS ?= 4
PYTEST_ARGS ?=

.PHONY: install test-tools run serve setup-db test test-sqlite test-postgres test-browser lint format clean

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "MLQA needs Python 3.12 or newer (Django 6). Install it (e.g. 'pyenv install 3.12' or your OS package) and run make again." >&2; \
	  exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# The tests' own tools from npm (package.json): the Nu HTML Checker, run with Java 17+. The site
# needs no Node; without npm the HTML check is skipped with a note (CI requires it).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --ignore-scripts --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the Nu HTML Checker test (tests/test_html_pages.py) will be skipped" >&2; fi

test-tools: node_modules/.installed

# Migrate, load the question bank and the demo accounts. Safe to repeat: nothing is duplicated or lost.
setup-db: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py import_seeds
	DEBUG=1 $(PY) manage.py load_study_plans
	DEBUG=1 $(PY) manage.py create_demo_accounts

# The development server and the task worker (mails, heavy jobs) together: Ctrl+C stops both.
# The worker delivers the mails: they are printed here, by it.
run: setup-db
	@echo "MLQA is starting at http://$(HOST):$(PORT)/ (Ctrl+C to stop). Mails are printed here."
	DEBUG=1 $(PY) -m devtools.together \
	  "$(PY) manage.py runserver $(HOST):$(PORT)" \
	  "$(PY) manage.py db_worker --queue-name=* --interval 1" \
	  "$(PY) manage.py send_scheduled_mail --every 60"

# The production way: collected, fingerprinted static files, DEBUG off, gunicorn with several workers.
# Background work needs the worker and the mail scheduler running beside it, each under your
# process manager (README, *Background work*: a systemd unit each):
#   manage.py db_worker --queue-name=* --no-reload   and   manage.py send_scheduled_mail --every 60
# `make serve` starts them too, in the background of this one command, stopped with it.
# Without REDIS_URL the cache is each process's own memory, right for one process only (a worker
# would serve pages another worker's writes made stale): one worker with threads then.
serve: setup-db
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@if [ -n "$$REDIS_URL" ]; then \
	  web="$(VENV)/bin/gunicorn mlqa.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -"; \
	else \
	  echo "No REDIS_URL: one worker with $(THREADS) threads (set REDIS_URL for $(WORKERS) workers; docs/caching.md)"; \
	  web="$(VENV)/bin/gunicorn mlqa.wsgi --bind $(HOST):$(PORT) --workers 1 --threads $(THREADS) --access-logfile -"; \
	fi; \
	exec $(PY) -m devtools.together "$$web" \
	  "$(PY) manage.py db_worker --queue-name=* --no-reload" \
	  "$(PY) manage.py send_scheduled_mail --every 60"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test-sqlite: install test-tools
	env -u DATABASE_URL -u REDIS_URL $(PYTEST) -m "not browser" -n 2 $(PYTEST_ARGS)

test-postgres: install test-tools
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "test-postgres needs DATABASE_URL=postgres://..." >&2; exit 1;; esac
	$(PYTEST) -m "not browser" -n 2 --create-db $(PYTEST_ARGS)

test-browser: install
	env -u DATABASE_URL $(PYTEST) -m browser $(PYTEST_ARGS)

# Lint, then the whole suite on SQLite, then again on PostgreSQL when DATABASE_URL points at one.
test: lint test-sqlite
	@case "$$DATABASE_URL" in \
	  postgres*) $(MAKE) --no-print-directory test-postgres ;; \
	  *) echo "(PostgreSQL suite skipped: set DATABASE_URL=postgres://... to run it too)" ;; \
	esac

clean:
	rm -rf $(VENV) staticfiles .pytest_cache node_modules
