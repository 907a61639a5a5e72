# Two commands matter: `make demo` runs the pipeline end to end on generated sample data,
# `make test` runs the test suite against a real PostgreSQL. Both build .venv on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint lock clean redshift-sql redshift-sql-docs airflow backfill bench

$(STAMP): requirements.txt requirements-dev.txt requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -r requirements-dev.txt -c requirements.lock
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m tools.demo

# The suite runs on PYTEST_WORKERS processes side by side (pytest-xdist): most of its time is
# spent waiting on Airflow, not on the two cores. Tests that share a stack or a module's set-up
# run on one worker (tests/conftest.py, test_group). PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= 3
test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The fast tier, for the inner loop: lint, then every test not marked slow (the operators and
# SQL on PostgreSQL, the COPY stand-in, DAG integrity, the Redshift and AWS checks).
check: $(STAMP) lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: $(STAMP)
	{ echo "# Full resolved dependency set (pip freeze of a venv built from requirements-dev.txt)."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable; } > requirements.lock

clean:
	rm -rf $(VENV) .demo .airflow .pytest_cache .ruff_cache test-artifacts

# Every statement one hourly run sends to Redshift, without connecting to anything: over the
# driver, then over the Data API:
#   make redshift-sql AT=2018-11-15T13:00
redshift-sql: $(STAMP)
	@test -n "$(AT)" || { echo "usage: make redshift-sql AT=2018-11-15T13:00"; exit 2; }
	@$(BIN)/python -m tools.redshift_sql --at "$(AT)"
	@echo
	@$(BIN)/python -m tools.redshift_sql --at "$(AT)" --data-api

# The generated listings in docs/, after a change to the SQL (tests compare them with the tool).
redshift-sql-docs: $(STAMP)
	env -u AIRFLOW_CONN_REDSHIFT -u AIRFLOW_CONN_AWS_DEFAULT $(BIN)/python -m tools.redshift_sql \
	  --at 2018-11-15T13:00 > docs/redshift-statements.sql
	env -u AIRFLOW_CONN_REDSHIFT -u AIRFLOW_CONN_AWS_DEFAULT $(BIN)/python -m tools.redshift_sql \
	  --at 2018-11-15T13:00 --data-api > docs/redshift-data-api-calls.sql

# Airflow 3 with this project's DAG (api-server, scheduler, dag-processor, triggerer) until Ctrl-C.
airflow: $(STAMP)
	$(BIN)/python -m tools.airflow_stack

# Backfill on the running `make airflow` stack and follow it to the end (Ctrl-C leaves it running):
#   make backfill FROM=2018-11-02T10:00 TO=2018-11-02T15:00
backfill: $(STAMP)
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make backfill FROM=2018-11-02T10:00 TO=2018-11-02T15:00"; exit 2; }
	@$(BIN)/python -m tools.backfill "$(FROM)" "$(TO)"

# Benchmark the loader (not part of `make test`): make bench EVENTS=1000000 SONGS=20000
EVENTS ?= 300000
SONGS ?= 2000
bench: $(STAMP)
	$(BIN)/python -m tools.bench --events $(EVENTS) --songs $(SONGS)
