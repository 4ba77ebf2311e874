# Two commands: `make run` serves the app on SQLite with demo users; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000
HOST ?= 127.0.0.1
# The app builds its external links (e-mails, receipts) from the port it is served on.
export PORT HOST

.PHONY: run serve test bench bench-pytest lint setup install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The modeler bundle (bpmn-js, its properties panel, bpmnlint's rules) is built, never committed.
MODELER_BUNDLE := app/processes/static/modeler/modeler.js
$(MODELER_BUNDLE): node_modules/.installed .bpmnlintrc $(wildcard app/processes/assets/*)
	node app/processes/assets/build.mjs

install: $(VENV)/.installed node_modules/.installed $(MODELER_BUNDLE)

setup: install
	$(FLASK) setup --demo

# The timer worker runs beside the server and stops with it.
run: setup
	$(FLASK) timers run-due --every 60 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production on one machine: gunicorn (gunicorn.conf.py) on PostgreSQL, rate limits in Redis,
# TIMER_WORKERS continuous timer workers beside it; all stop together. Needs APP_ENV=production
# settings: SECRET_KEY, IDENTITY_KEYS, IDENTITY_HMAC_KEY, DATABASE_URL, REDIS_URL.
TIMER_WORKERS ?= 1
serve: install
	@test -n "$$DATABASE_URL" && test -n "$$REDIS_URL" || \
	  { echo "make serve: set DATABASE_URL (PostgreSQL) and REDIS_URL (README: Dari satu mesin ke beberapa worker)"; exit 2; }
	APP_ENV=production $(FLASK) setup
	APP_ENV=production; export APP_ENV; pids=""; \
	for n in $$(seq $(TIMER_WORKERS)); do $(FLASK) timers run-due --every 30 --limit 200 & pids="$$pids $$!"; done; \
	while sleep 60; do $(FLASK) outbox send >/dev/null; done & pids="$$pids $$!"; \
	trap 'kill $$pids 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) HOST=$(HOST) $(VENV)/bin/gunicorn -c gunicorn.conf.py

test: install
	$(PY) -m pytest --ignore=tests/benchmarks

# One table (machine, date, commit) printed and written to docs/benchmarks.md; not part of
# `make test`. Short by default; the full run: BENCH_CASES=100000 BENCH_LOAD_SECONDS=180.
BENCH_CASES ?= 2000
BENCH_LOAD_SECONDS ?= 20
bench: install
	BENCH_CASES=$(BENCH_CASES) BENCH_LOAD_SECONDS=$(BENCH_LOAD_SECONDS) $(PY) -m tests.benchmarks.run

bench-pytest: install
	$(PY) -m pytest tests/benchmarks --benchmark-only --benchmark-columns=min,median,mean,max,ops,rounds

# bandit: each accepted finding carries `# nosec B<id> # why` on its own line.
lint: install
	$(VENV)/bin/ruff check app tests
	$(VENV)/bin/mypy app
	$(VENV)/bin/bandit -q -r app

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache app/processes/static/modeler
