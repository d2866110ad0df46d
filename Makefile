# The two commands of CONTRACT.md §1: `make demo` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test setup lint lock bench bench-county collectstatic clean e2e backup restore

# Python dependencies from the hashed lock file (every package pinned, every file's hash
# checked); re-installed only when the lock or pyproject.toml changes.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --require-hashes -r requirements.lock
	$(PIP) install -q --no-deps -e .
	touch $@

# After changing a pin in pyproject.toml: regenerate requirements.lock (pip-tools, in a
# throwaway venv so the project's venv holds only what the lock says).
LOCK_VENV := .venv-lock
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q pip-tools
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --extra dev --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml
	rm -rf $(LOCK_VENV)

# Front-end assets from npm with the lock file (no CDN).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

# The background worker (imports, big workbooks, rebuild) runs beside the server and stops with it.
demo: setup
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite, browser journeys included (they need Debian's chromium: see .ci/run).
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

e2e: setup
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

# Ruff, then the import-linter contracts of pyproject.toml (layers point one way).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# The province benchmark against the configured database (DATABASE_URL): pages, writes and the
# naive way in one table, on the synthetic province of `seed_scale` (made first if missing; it
# takes minutes on PostgreSQL). BENCH_ARGS passes options, e.g. BENCH_ARGS="--runs 40".
# bench-county: the tree and write costs on a synthetic county (no province needed).
bench: setup
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py seed_scale --if-missing $(SEED_ARGS)
	DEBUG=1 $(PY) manage.py bench_scale $(BENCH_ARGS)

bench-county: setup
	DEBUG=1 $(PY) manage.py bench_tree
	DEBUG=1 $(PY) manage.py bench_writes

# Load run (README, "负载测试 (load)"): locust against gunicorn and PostgreSQL (DATABASE_URL) on
# the seed_scale province; 16 users for 60 s unless LOAD_ARGS says otherwise (e.g. --users 32).
.PHONY: load
load: setup
	$(PY) manage.py load_run $(LOAD_ARGS)

# Backup and restore (README, "备份与恢复"): `make backup` writes the database (pg_dump -Fc, or a
# copy of the SQLite file) and a tar of MEDIA_ROOT into a timestamped folder under BACKUP_DIR
# (default backups/). `make restore FROM=backups/cobuild-…` loads one into a fresh, empty database
# and media folder (default: DATABASE_URL and MEDIA_ROOT; RESTORE_ARGS="--database-url URL
# --media-root DIR --yes"), asking first, then checks every table's row count.
backup: setup
	$(PY) manage.py backup $(BACKUP_ARGS)

restore: setup
	@test -n "$(FROM)" || { echo "用法: make restore FROM=backups/cobuild-YYYYmmdd-HHMMSS [RESTORE_ARGS=...]"; exit 2; }
	$(PY) manage.py restore "$(FROM)" $(RESTORE_ARGS)

clean:
	rm -rf $(VENV) $(LOCK_VENV) node_modules staticfiles
