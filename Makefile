# Dailies: the commands a newcomer runs. `make demo` and `make test` are the two in the README.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# The suite runs on PostgreSQL and Redis; both may be overridden.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dailies
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0
DEMO_ADDR ?= 127.0.0.1:8000
# `make stack` runs on local PostgreSQL and Redis (the cache takes the broker's database number + 1).
STACK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dailies
STACK_BROKER_URL ?= redis://127.0.0.1:6379/0
STACK_ENV = DJANGO_DEBUG=1 DATABASE_URL=$${DATABASE_URL:-$(STACK_DATABASE_URL)} \
  CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(STACK_BROKER_URL)}

.PHONY: install demo demo-data stack worker beat test run services browser compose bench load lint migrate clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,stack]'
	@touch $(STAMP)

migrate: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput

# The data every demo starts with: the database (created on PostgreSQL when missing), the curated
# registry and the bundled sample. Safe to repeat.
demo-data: install
	DJANGO_DEBUG=1 $(PY) -m config.ensure_database
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py load_curated
	@if [ -f ingest/management/commands/ingest_demo.py ]; then DJANGO_DEBUG=1 $(PY) manage.py ingest_demo; fi

demo: demo-data
	@if [ -n "$$CELERY_BROKER_URL" ]; then echo "CELERY_BROKER_URL is set: 'Submit a URL', 'poll now' and feed polls wait for a worker and beat ('make worker' and 'make beat' beside this, or 'make stack' instead)."; fi
	@echo "Dailies is serving on http://$(DEMO_ADDR)/ (admin: make a user with '$${DATABASE_URL:+DATABASE_URL=$$DATABASE_URL }DJANGO_DEBUG=1 $(PY) manage.py createsuperuser')"
	@if [ -z "$$EMAIL_HOST" ]; then echo "No SMTP server set (EMAIL_HOST): alerts and sign-in links are written as files to var/mail/"; fi
	DJANGO_DEBUG=1 ALERTS_SITE_URL=$${ALERTS_SITE_URL:-http://$(DEMO_ADDR)} $(PY) manage.py runserver --noreload $(DEMO_ADDR)

# Web, a Celery worker and beat together (Procfile, run by honcho) on local PostgreSQL and Redis, with
# the demo's data; logs interleaved, each line prefixed; one Ctrl-C stops all three.
stack: install
	@$(STACK_ENV) $(MAKE) --no-print-directory demo-data
	@$(STACK_ENV) sh -c 'echo "Dailies is serving on http://$(DEMO_ADDR)/ with a worker and beat. Admin: make a user with" \
	  "DATABASE_URL=$$DATABASE_URL DJANGO_DEBUG=1 $(PY) manage.py createsuperuser"'
	$(STACK_ENV) DEMO_ADDR=$(DEMO_ADDR) PY=$(PY) ALERTS_SITE_URL=$${ALERTS_SITE_URL:-http://$(DEMO_ADDR)} \
	  $(BIN)/honcho start --no-colour -f Procfile

# A worker or beat alone, on the same settings as `make stack` (for a `make demo` or `make run` beside them).
worker: install
	$(STACK_ENV) $(PY) -m celery -A config worker -Q ingest,default --loglevel INFO --concurrency 2

beat: install
	@mkdir -p var
	$(STACK_ENV) $(PY) -m celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule

run: install
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(DEMO_ADDR)

# Start PostgreSQL and Redis when they are installed and down; say so in one line when PostgreSQL is absent.
services:
	@command -v pg_ctlcluster >/dev/null || { echo "PostgreSQL is not installed: make test needs it (apt-get install postgresql)."; exit 1; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start on 127.0.0.1:5432."; exit 1; }
	@if command -v redis-server >/dev/null; then \
	  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { mkdir -p /var/lib/redis /var/log/redis; \
	  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log; }; \
	  for i in $$(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done; \
	else echo "Redis is not installed: tests that need a broker will fail."; fi

# Debian's Chromium for the browser tests (tests/e2e launch /usr/bin/chromium); never a browser download.
# Waits for a dpkg lock held by another apt run rather than giving up at once.
APT := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300
browser:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests"; \
	  ($(APT) update -qq && $(APT) install -y -qq chromium >/dev/null) || echo "Could not install chromium: browser tests will skip."; }

# Debian's docker-compose only to validate docker-compose.yml (tests/test_project.py); no Docker engine runs here.
compose:
	@command -v docker-compose >/dev/null || { echo "Installing Debian's docker-compose to validate docker-compose.yml"; \
	  ($(APT) update -qq && $(APT) install -y -qq docker-compose >/dev/null) || echo "Could not install docker-compose: the compose checks will skip."; }

test: install services browser compose
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) DAILIES_TESTING=1 \
	  $(BIN)/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# Speed against floors measured in the same run (docs/benchmarks.md). bench/web.py fills the PostgreSQL
# database dailies_bench once (BENCH_EVENTS, a million by default) and reuses it; BENCH_ARGS shortens a run.
BENCH_EVENTS ?= 1000000
bench: install services
	@command -v wrk >/dev/null || { (apt-get install -y -qq wrk >/dev/null 2>&1) || echo "wrk unavailable: bench/web.py uses its Python load generator"; }
	$(PY) bench/web.py --events $(BENCH_EVENTS) $(BENCH_ARGS)
	@if [ -f bench/ingest.py ]; then $(PY) bench/ingest.py; fi
	@if [ -f bench/link.py ]; then $(PY) bench/link.py; fi
	@if [ -f bench/alerts.py ]; then $(PY) bench/alerts.py; fi
	@if [ -f bench/ingest_quality.py ]; then $(PY) bench/ingest_quality.py; fi

# Load (bench/load.py): 50 clients for 60 s against gunicorn while a worker ingests, on a throwaway
# database and a private Redis; exits non-zero on any error. LOAD_ARGS="--duration 20" shortens it.
load: install services
	$(PY) bench/load.py $(LOAD_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
