# Two commands do all the set-up on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
PY := .venv/bin/python
PORT ?= 8000
STAMP := .venv/.installed-stamp

.PHONY: run test install migrate demo browser check bench loadtest

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

## make run: install, then `lims/run.py`: start the database (embedded unless DATABASE_URL), migrate, load the demo
## data, serve on $(PORT) with a Celery worker and beat when REDIS_URL is set; Ctrl-C stops all of it.
run: install
	@$(PY) -m lims.run --port $(PORT)

## Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "Install Debian's chromium (sudo apt-get install chromium) for the browser tests."; fi; \
	fi

## make test: the whole suite, on PostgreSQL (embedded unless DATABASE_URL), with Redis tests when REDIS_URL is set.
test: install browser
	$(PY) -m pytest --create-db -q $(PYTEST_ARGS)

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

## make bench: seed the bench data set of $(BENCH_N) mice in the current database (once; DATABASE_URL picks it) and
## print one JSON line per benchmark (docs/performance.md). The 100,000 / 1,000,000 figures need BENCH_N set.
BENCH_N ?= 10000
bench: migrate
	$(PY) manage.py load_reference
	BENCH_N=$(BENCH_N) $(PY) manage.py bench --n $(BENCH_N)

## make loadtest: gunicorn (2 workers) on a free loopback port, 60 s of 80 % reads / 20 % writes from a second process.
LOAD_SECONDS ?= 60
loadtest: migrate
	$(PY) manage.py load_reference
	BENCH_N=$(BENCH_N) $(PY) manage.py loadtest --seconds $(LOAD_SECONDS) --n $(BENCH_N)
