"""Staging, intermediate and marts: the dbt project as Dagster assets (tests become asset checks),
plus the Great Expectations checks that guard the marts."""


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
from orchestration.progress import say
from orchestration.settings import DBT_PROJECT_DIR, get_settings
from orchestration.warehouses import WarehouseResource

MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
_SOURCES_OF_TRUTH = ("models", "macros", "seeds", "tests", "snapshots", "dbt_project.yml", "profiles.yml")


def ensure_manifest() -> Path:
    """Parse the project only when the manifest is missing or older than a project file (not on every load)."""
    newest = 0.0
    for name in _SOURCES_OF_TRUTH:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else list(path.rglob("*")) if path.exists() else []
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    if not MANIFEST_PATH.exists() or MANIFEST_PATH.stat().st_mtime < newest:
        dbt = Path(sys.executable).parent / "dbt"
        # the graph is the same on every target: parse with the embedded profile, which needs no server or launcher
        env = {**os.environ, "TM_TARGET": "duckdb",
               "TM_WAREHOUSE_PATH": os.environ.get("TM_WAREHOUSE_PATH", "/tmp/tm-parse.duckdb")}
        subprocess.run([str(dbt), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                        str(DBT_PROJECT_DIR)], check=True, env=env, cwd=DBT_PROJECT_DIR)
    return MANIFEST_PATH


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


@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=TRANSLATOR)
def tunemantra_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                          warehouse: WarehouseResource) -> Iterator[Any]:
    """`dbt build` on the configured target (TM_TARGET, read by dbt_project/profiles.yml): seeds, models, unit tests
    and data tests, in dependency order."""
    args = ["build"]  # incremental models rebuild what changed (macros/incremental_usage.sql), on every target
    say(f"  dbt build on {warehouse.target}: seeds, staging, intermediate, marts and their tests")
    built = tested = 0
    target_path = get_settings().var_dir / "dbt" / "runs" / context.run.run_id
    for event in dbt.cli(args, context=context, target_path=target_path).stream():
        if isinstance(event, dg.Output | dg.AssetMaterialization):
            built += 1
        elif isinstance(event, dg.AssetCheckResult):
            tested += 1
        yield event
    say(f"  dbt build: {built} models/seeds built, {tested} tests as checks")


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


def mart_keys() -> list[dg.AssetKey]:
    return [k for k in tunemantra_dbt_models.keys if k.path[0] == "marts"]
