"""Staging, intermediate and marts: the dbt project as Dagster assets (tests become asset checks),
plus the Great Expectations checks that guard the marts."""


import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from ingestion.connectors import USAGE_CONNECTORS
from orchestration.assets.quality import run_suite
from orchestration.partitions import dbt_window_vars, usage_days
from orchestration.progress import say
from orchestration.settings import DBT_PROJECT_DIR, get_settings
from orchestration.warehouses import WarehouseResource

MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
_SOURCES_OF_TRUTH = ("models", "macros", "seeds", "tests", "snapshots", "dbt_project.yml", "profiles.yml",
                     "selectors.yml")


USAGE_DAILY_SELECTOR = "usage_daily"
_SELECTION_PATH = DBT_PROJECT_DIR / "target" / f"selector_{USAGE_DAILY_SELECTOR}.json"


def _dbt(command: list[str]) -> str:
    dbt = Path(sys.executable).parent / "dbt"
    # the graph is the same on every target: parse with the embedded profile, which needs no server or launcher
    env = {**os.environ, "TM_TARGET": "duckdb",
           "TM_WAREHOUSE_PATH": os.environ.get("TM_WAREHOUSE_PATH", "/tmp/tm-parse.duckdb")}
    return subprocess.run([str(dbt), *command, "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                           str(DBT_PROJECT_DIR)], check=True, env=env, cwd=DBT_PROJECT_DIR, capture_output=True,
                          text=True).stdout


def ensure_manifest() -> Path:
    """Parse the project only when the manifest is missing or older than a project file (not on every load), and
    list the models of the selector ``usage_daily`` beside it (``usage_daily_models``)."""
    newest = 0.0
    for name in _SOURCES_OF_TRUTH:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else list(path.rglob("*")) if path.exists() else []
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    if not MANIFEST_PATH.exists() or MANIFEST_PATH.stat().st_mtime < newest:
        _dbt(["parse"])
    listed = json.loads(_SELECTION_PATH.read_text()) if _SELECTION_PATH.exists() else {}
    if listed.get("manifest_mtime_ns") != MANIFEST_PATH.stat().st_mtime_ns:
        # dbt ls itself: dagster-dbt's own evaluation of a YAML selector differs from dbt's (graph operators
        # reach tests directly, path methods need the project), and the run must build what dbt would
        out = _dbt(["ls", "--selector", USAGE_DAILY_SELECTOR, "--resource-type", "model", "--output", "name",
                    "--no-write-json"])
        models = sorted(line.strip() for line in out.splitlines() if line.strip() and " " not in line.strip())
        staged = _SELECTION_PATH.with_name(f"{_SELECTION_PATH.name}.{os.getpid()}")  # processes may race: rename
        staged.write_text(json.dumps({"manifest_mtime_ns": MANIFEST_PATH.stat().st_mtime_ns, "models": models}))
        staged.replace(_SELECTION_PATH)
    return MANIFEST_PATH


def usage_daily_models() -> list[str]:
    """The models of the dbt selector ``usage_daily`` (dbt_project/selectors.yml), as dbt lists them."""
    ensure_manifest()
    return json.loads(_SELECTION_PATH.read_text())["models"]


class TuneMantraTranslator(DagsterDbtTranslator):
    """Keys follow the warehouse: ``raw/<table>`` for sources (the connectors' assets), ``<layer>/<model>``."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        kind = dbt_resource_props["resource_type"]
        if kind == "source":
            return dg.AssetKey(["raw", dbt_resource_props["identifier"]])
        if kind == "seed":
            return dg.AssetKey(["reference", dbt_resource_props["name"]])
        if kind == "snapshot":
            return dg.AssetKey(["snapshots", dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["fqn"][1], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # seeds are reference data and snapshots a history of a source: both sit beside staging
        if dbt_resource_props["resource_type"] in ("seed", "snapshot"):
            return "staging"
        return dbt_resource_props["fqn"][1]


TRANSLATOR = TuneMantraTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def _dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, args: list[str], what: str) -> Iterator[Any]:
    """``dbt build`` of the step's selection (dagster-dbt adds it), its artifacts under
    var/dbt/runs/<run id>/<step>/ (a run may build the project in several steps)."""
    say(f"  dbt build {what}")
    built = tested = 0
    target_path = get_settings().var_dir / "dbt" / "runs" / context.run.run_id / context.op_execution_context.step_key
    for event in dbt.cli(["build", *args], context=context, target_path=target_path).stream():
        if isinstance(event, dg.Output | dg.AssetMaterialization):
            built += 1
        elif isinstance(event, dg.AssetCheckResult):
            tested += 1
        yield event
    say(f"  dbt build {what}: {built} models/seeds built, {tested} tests as checks")


# The two dbt assets split the project by model: the selector's models (partitioned by usage day) and everything
# else; a data test goes with the models it reads (dbt's eager indirect selection, as dagster-dbt selects too).
_USAGE_DAILY = " ".join(usage_daily_models())


@dbt_assets(manifest=ensure_manifest(), select=_USAGE_DAILY, dagster_dbt_translator=TRANSLATOR,
            partitions_def=usage_days, backfill_policy=dg.BackfillPolicy.single_run(), name="usage_daily_dbt_models")
def usage_daily_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                           warehouse: WarehouseResource) -> Iterator[Any]:
    """What a day of usage changes (the models of the dbt selector usage_daily), for the run's days: a partition,
    or a range of them as one run (a backfill). The incremental models rebuild the window's days and whatever
    landed since their last build (macros/incremental_usage.sql)."""
    args = dbt_window_vars(context.partition_time_window)
    yield from _dbt_build(context, dbt, args, f"of the usage days {json.loads(args[1])} on {warehouse.target}")


@dbt_assets(manifest=ensure_manifest(), exclude=_USAGE_DAILY, dagster_dbt_translator=TRANSLATOR)
def tunemantra_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                          warehouse: WarehouseResource) -> Iterator[Any]:
    """Everything else of the dbt project on the configured target (TM_TARGET, read by dbt_project/profiles.yml):
    seeds, staging, the catalogue and dimensions, the other families' facts, unit and data tests."""
    yield from _dbt_build(context, dbt, [], f"on {warehouse.target}: seeds, staging, dimensions, the other facts")


def _raw_streams_total(warehouse: WarehouseResource) -> int:
    """Streams of the raw layer, counting each platform-month's latest delivery version only: the figure
    the marts must reconcile to."""
    latest = """SELECT sum(streams) AS s FROM (
        SELECT streams, _delivery_version,
               max(_delivery_version) OVER (PARTITION BY date_trunc('month', report_date)) AS latest_version
        FROM {table}) AS versions WHERE _delivery_version = latest_version"""
    union = " UNION ALL ".join(latest.format(table=c.raw_table) for c in USAGE_CONNECTORS)
    return int(warehouse.scalar(f"SELECT coalesce(sum(s), 0) FROM ({union}) AS usage_streams"))


@dg.asset_check(asset=dg.AssetKey(["marts", "fct_usage_daily"]), name="gx_mart_suite", blocking=True,
                description="Great Expectations: keys, no negative units, streams reconcile to the raw layer.")
def fct_usage_daily_gx(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from expectations.suites.marts import fct_usage_daily_suite

    suite = fct_usage_daily_suite(expected_total_streams=_raw_streams_total(warehouse))
    return run_suite(context, warehouse, "marts", "fct_usage_daily", suite)


@dg.asset_check(asset=dg.AssetKey(["marts", "rpt_performance_overview"]), name="gx_mart_suite", blocking=True,
                description="Great Expectations: the Performance Overview mart reconciles to the raw layer.")
def performance_overview_gx(context: dg.AssetCheckExecutionContext,
                            warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from expectations.suites.marts import performance_overview_suite

    suite = performance_overview_suite(expected_total_streams=_raw_streams_total(warehouse))
    return run_suite(context, warehouse, "marts", "rpt_performance_overview", suite)


MART_CHECKS = [fct_usage_daily_gx, performance_overview_gx]
DBT_ASSETS = [usage_daily_dbt_models, tunemantra_dbt_models]


def mart_keys() -> list[dg.AssetKey]:
    return [k for assets in DBT_ASSETS for k in assets.keys if k.path[0] == "marts"]
