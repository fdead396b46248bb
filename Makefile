# serviceeval: `make run` starts the demo, `make test` runs every check.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Coverage of the whole suite, with the floor of pyproject.toml ([tool.coverage.report]);
# a run narrowed by PYTEST_ARGS measures nothing.
COV ?= $(if $(strip $(PYTEST_ARGS)),,--cov --cov-report=term:skip-covered)

.PHONY: run test setup lint messages system-deps system-deps-run system-deps-bench clean bench

$(VENV)/.installed: requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	touch $@

setup: $(VENV)/.installed messages

messages: $(VENV)/.installed
	$(BIN)/python scripts/i18n.py compile

system-deps-run:
	bash scripts/system-deps.sh run

system-deps:
	bash scripts/system-deps.sh test

system-deps-bench:
	bash scripts/system-deps.sh bench

run: setup system-deps-run
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py demo_data
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "serviceeval: http://$(HOST):$(PORT)/"
	@# The background worker (mail, link checks) and the reminders loop run beside
	@# the server and stop with it.
	trap 'kill 0' EXIT INT TERM; \
	$(BIN)/python manage.py db_worker > var/worker.log 2>&1 & \
	$(BIN)/python manage.py send_reminders --every 600 > var/reminders.log 2>&1 & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=src $(BIN)/lint-imports

test: setup system-deps lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/i18n.py check
	$(BIN)/python -m pytest $(COV) $(PYTEST_ARGS)

bench: setup system-deps-bench
	$(BIN)/python bench/results.py

clean:
	rm -rf $(VENV) var/serviceeval.sqlite3 var/staticfiles
