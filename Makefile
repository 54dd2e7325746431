# TuneMantra Analytics: the targets are the user's interface (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
VAR ?= $(CURDIR)/var
SEED ?= 42
ROWS ?= 250000
EXTRAS ?= all
SCALE ?= 1e7
TARGET_ROWS ?= 1e6
EVAL_SEED ?= 7
EVAL_ROWS ?= 3e6
# make test runs the test files in two pytest-xdist workers (the machine has two cores); TEST_WORKERS=0 runs them in one process
TEST_WORKERS ?= 2
PERIOD ?= 2026-10
export TM_VAR_DIR := $(VAR)
export DAGSTER_HOME := $(VAR)/dagster
export TM_WAREHOUSE_PATH := $(VAR)/warehouse/tunemantra.duckdb
export UV_COMPILE_BYTECODE := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export MLFLOW_DISABLE_TELEMETRY := true
PY := .venv/bin/python
DBT := $(CURDIR)/.venv/bin/dbt --no-use-colors

.PHONY: help setup setup-superset setup-browser demo sample pipeline test test-fast bench bench-dashboards bench-targets bench-ingest evaluate ui docs quality-docs \
        export-royalties \
        webhook mlflow superset api lint clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

.uv-installed:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

setup: .uv-installed  ## core environment from uv.lock, Dagster instance, dbt manifest
	$(UV) sync --frozen
	@mkdir -p $(DAGSTER_HOME) && cp -n infra/dagster/dagster.yaml $(DAGSTER_HOME)/dagster.yaml 2>/dev/null || true
	cd dbt_project && $(DBT) parse --quiet --profiles-dir .

setup-superset: .uv-installed  ## Superset's own environment (infra/superset/uv.lock)
	$(UV) sync --frozen --project infra/superset

setup-browser:  ## Debian packages of the browser and report tests: chromium, its driver, fonts, redis-server
	bash infra/setup-system.sh chromium chromium-driver fonts-noto-cjk redis-server

sample: setup  ## write the seeded sample reports to var/landing (SEED=, ROWS=, EXTRAS=none for the spine only)
	$(PY) -m ingestion.generator --out $(VAR)/landing --seed $(SEED) --rows $(ROWS) --extras "$(EXTRAS)"

pipeline: setup  ## materialise the whole Dagster asset graph once and print the summary
	$(PY) -m orchestration.demo

demo: sample pipeline  ## the main job: set up, generate the sample, run everything on DuckDB

test: setup setup-superset setup-browser  ## every test: unit, end-to-end, browser
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=20

test-fast: setup  ## the quick loop: skips tests marked slow
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow" --durations=10

bench: setup setup-superset  ## pipeline at SCALE usage rows (default 1e7): per-stage time, rows/s, memory, ratio to one query; dashboard queries at TARGET_ROWS
	$(PY) -m orchestration.bench --rows $(SCALE) --target-rows $(TARGET_ROWS)
	$(PY) -m orchestration.bench_dashboards --rows $(TARGET_ROWS)

bench-dashboards: setup setup-superset  ## every dashboard chart's query through the chart-data API at TARGET_ROWS (1e6): p50, p95
	$(PY) -m orchestration.bench_dashboards --rows $(TARGET_ROWS)

bench-targets: setup  ## the same landing and dbt build on DuckDB, PostgreSQL and ClickHouse (TARGET_ROWS=1e6)
	$(PY) -m orchestration.bench_targets --rows $(TARGET_ROWS)

bench-ingest: setup  ## file ingestion alone vs read_csv at SCALE rows; writes benchmarks/ingestion_<scale>.md
	$(PY) -m orchestration.bench_ingest --rows $(SCALE)

export-royalties: setup  ## one statement period's royalty lines as CSV for the royalty system (PERIOD=YYYY-MM, after make demo)
	$(PY) -m orchestration.export_royalties --period $(PERIOD) --out $(VAR)/exports

evaluate: setup  ## entity resolution and every analytics model scored against the generator's truth (EVAL_SEED=7, EVAL_ROWS=3e6); non-zero on a missed target
	$(PY) -m orchestration.evaluate_entity_resolution --out $(VAR)/evaluation --seed $(EVAL_SEED)
	$(PY) -m ml.evaluate --var $(VAR)/evaluation/models_seed$(EVAL_SEED) --seed $(EVAL_SEED) --rows $(EVAL_ROWS)

ui: setup  ## Dagster webserver and daemon on 127.0.0.1:3000
	.venv/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

quality-docs: setup  ## GX Data Docs of every validation the pipeline ran, a static site in var/quality/data_docs
	$(PY) -m expectations.data_docs --validations $(VAR)/quality/validations --out $(VAR)/quality/data_docs

docs: setup  ## dbt docs site on 127.0.0.1:8080 (after make demo)
	cd dbt_project && $(DBT) docs generate --profiles-dir . --select "fqn:*" --target-path $(VAR)/dbt_docs
	cd dbt_project && $(DBT) docs serve --profiles-dir . --target-path $(VAR)/dbt_docs --host 127.0.0.1 --port 8080 --no-browser

webhook: setup  ## the webhook receiver for platform events on 127.0.0.1:8765 (TM_WEBHOOK_SECRET must be set)
	$(PY) -m ingestion.collectors.webhook --landing $(VAR)/landing --port 8765

mlflow: setup  ## MLflow UI on 127.0.0.1:5000
	.venv/bin/mlflow ui --backend-store-uri sqlite:///$(VAR)/mlflow/mlflow.db --host 127.0.0.1 --port 5000

superset: setup-superset  ## Superset on 127.0.0.1:8088 with the eleven report dashboards (after make demo)
	bash infra/superset/run.sh $(VAR)/serving/tunemantra_serving.duckdb

api: setup  ## the read API on 127.0.0.1:8090 over the serving layer (tokens per tenant in var/api/tokens.json; after make demo)
	$(PY) -m orchestration.serving_api --port 8090

lint:  ## ruff
	.venv/bin/ruff check .

clean:  ## delete everything generated
	rm -rf $(VAR) dbt_project/target dbt_project/logs
