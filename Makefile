# Two commands: `make run` serves the app on SQLite with demo users; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000
HOST ?= 127.0.0.1
# The app builds its external links (e-mails, receipts) from the port it is served on.
export PORT HOST

.PHONY: run test bench lint setup install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

setup: install
	$(FLASK) setup --demo

# The timer worker runs beside the server and stops with it.
run: setup
	$(FLASK) timers run-due --every 60 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest --ignore=tests/benchmarks

bench: install
	$(PY) -m pytest tests/benchmarks --benchmark-only --benchmark-columns=min,median,mean,max,rounds

# bandit: each accepted finding carries `# nosec B<id> # why` on its own line.
lint: install
	$(VENV)/bin/ruff check app tests
	$(VENV)/bin/mypy app
	$(VENV)/bin/bandit -q -r app

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
