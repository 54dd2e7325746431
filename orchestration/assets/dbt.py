"""Staging, intermediate and marts: the dbt project as Dagster assets (tests become asset checks),
plus the Great Expectations checks that guard the marts."""


import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from ingestion.connectors import USAGE_CONNECTORS
from orchestration.assets.quality import check_result, run_suite
from orchestration.partitions import dbt_window_vars, usage_days
from orchestration.progress import say
from orchestration.settings import DBT_PROJECT_DIR, get_settings
from orchestration.warehouses import WarehouseResource

MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
_SOURCES_OF_TRUTH = ("models", "macros", "seeds", "tests", "snapshots", "dbt_project.yml", "profiles.yml",
                     "selectors.yml")


USAGE_DAILY_SELECTOR = "usage_daily"
ML_OUTPUTS_TAG = "ml_outputs"  # marts reading the models' outputs (dbt_project.yml: models/marts/ml)
_SELECTION_PATH = DBT_PROJECT_DIR / "target" / f"selector_{USAGE_DAILY_SELECTOR}.json"


def _dbt(command: list[str]) -> str:
    dbt = Path(sys.executable).parent / "dbt"
    # the graph is the same on every target: parse with the embedded profile, which needs no server or launcher
    env = {**os.environ, "TM_TARGET": "duckdb",
           "TM_WAREHOUSE_PATH": os.environ.get("TM_WAREHOUSE_PATH", "/tmp/tm-parse.duckdb")}
    return subprocess.run([str(dbt), *command, "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                           str(DBT_PROJECT_DIR)], check=True, env=env, cwd=DBT_PROJECT_DIR, capture_output=True,
                          text=True).stdout


@functools.cache  # one look per process: the project's files do not change under a running definitions load
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
            # the models' outputs are the ml assets' tables; every other source is a raw table
            layer = "ml" if dbt_resource_props["source_name"] == "ml" else "raw"
            return dg.AssetKey([layer, dbt_resource_props["identifier"]])
        if kind == "seed":
            return dg.AssetKey(["reference", dbt_resource_props["name"]])
        if kind == "snapshot":
            return dg.AssetKey(["snapshots", dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["fqn"][1], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # seeds are reference data and snapshots a history of a source: both sit beside staging
        if dbt_resource_props["resource_type"] in ("seed", "snapshot"):
            return "staging"
        if ML_OUTPUTS_TAG in dbt_resource_props.get("tags", []):
            return "ml_marts"
        return dbt_resource_props["fqn"][1]


TRANSLATOR = TuneMantraTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def _dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
               args: list[str], what: str) -> Iterator[Any]:
    """``dbt build`` of the step's selection (dagster-dbt adds it), its artifacts under
    var/dbt/runs/<run id>/<dbt asset>/ (a run builds the project in two steps).

    The events are held until dbt has finished, then each built table gets its row count (``dagster/row_count``)
    beside dbt's own execution time: the embedded warehouses take one process at a time, so the tables can only
    be counted once dbt's process has let go of them."""
    say(f"  dbt build {what}")
    target_path = get_settings().var_dir / "dbt" / "runs" / context.run.run_id / context.op_def.name
    invocation = dbt.cli(["build", *args], context=context, target_path=target_path)
    events: list[Any] = []
    failure: Exception | None = None
    try:
        events.extend(invocation.stream())
    except DagsterDbtCliRuntimeError as exc:  # a failed model or error-severity test: report what ran, then fail
        failure = exc
    counts = _row_counts(warehouse, invocation.manifest,
                         [e.metadata["unique_id"].value for e in events
                          if isinstance(e, dg.Output) and "unique_id" in e.metadata])
    built = tested = 0
    for event in events:
        if isinstance(event, dg.Output):
            built += 1
            unique_id = event.metadata["unique_id"].value if "unique_id" in event.metadata else None
            if unique_id in counts:
                event = event.with_metadata({**event.metadata, "dagster/row_count": counts[unique_id]})
        elif isinstance(event, dg.AssetMaterialization):
            built += 1
        elif isinstance(event, dg.AssetCheckResult):
            tested += 1
        yield event
    say(f"  dbt build {what}: {built} models/seeds built, {tested} tests as checks")
    if failure is not None:
        raise failure


def _row_counts(warehouse: WarehouseResource, manifest: Mapping[str, Any], unique_ids: list[str]) -> dict[str, int]:
    """Rows of each built table (views are left out: counting one would run it)."""
    tables = [(uid, manifest["nodes"][uid]) for uid in unique_ids if uid in manifest["nodes"]]
    tables = [(uid, node) for uid, node in tables if node["config"].get("materialized") != "view"]
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT '{uid}' AS unique_id, count(*) AS n FROM {node['schema']}.{node['alias']}"
                               for uid, node in tables)
    return {uid: int(n) for uid, n in warehouse.query(union)}


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
    yield from _dbt_build(context, dbt, warehouse, args,
                          f"of the usage days {json.loads(args[1])} on {warehouse.target}")


@dbt_assets(manifest=ensure_manifest(), exclude=f"{_USAGE_DAILY} tag:{ML_OUTPUTS_TAG}",
            dagster_dbt_translator=TRANSLATOR)
def tunemantra_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                          warehouse: WarehouseResource) -> Iterator[Any]:
    """Everything else of the dbt project on the configured target (TM_TARGET, read by dbt_project/profiles.yml):
    seeds, staging, the catalogue and dimensions, the other families' facts, unit and data tests."""
    yield from _dbt_build(context, dbt, warehouse, [],
                          f"on {warehouse.target}: seeds, staging, dimensions, the other facts")


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


# daily totals per platform with their growth against the seven days before (NULL until a platform has seven)
DAILY_TOTALS = """
with daily as (
    select usage_date, platform_key, sum(streams) as streams
    from marts.fct_usage_daily
    group by usage_date, platform_key
),
with_trailing_week as (
    select
        usage_date, platform_key, streams,
        avg(streams) over (partition by platform_key order by usage_date
                           rows between 7 preceding and 1 preceding) as trailing_average,
        count(*) over (partition by platform_key order by usage_date
                       rows between 7 preceding and 1 preceding) as trailing_days
    from daily
)
select
    usage_date, platform_key, streams,
    case when trailing_days = 7 and trailing_average > 0 then streams / trailing_average end
        as growth_vs_trailing_week
from with_trailing_week
"""


@dg.asset_check(asset=dg.AssetKey(["marts", "fct_usage_daily"]), name="gx_growth_bounds", blocking=True,
                description="Great Expectations on the daily totals per platform: growth against the seven days "
                            "before within plausible bounds (a warning), no negative day (an error).")
def fct_usage_daily_growth_gx(context: dg.AssetCheckExecutionContext,
                              warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from expectations.runner import validate_frame
    from expectations.suites.marts import daily_growth_suite

    # one row per day and platform: small whatever the fact's size, so GX's pandas path on every target
    totals = warehouse.frame(DAILY_TOTALS)
    totals["streams"] = totals["streams"].astype("int64")
    totals["growth_vs_trailing_week"] = totals["growth_vs_trailing_week"].astype("float64")
    outcome = validate_frame(totals, "marts.fct_usage_daily (daily totals per platform)", daily_growth_suite())
    return check_result(context, warehouse, "marts.fct_usage_daily", outcome)


@dbt_assets(manifest=ensure_manifest(), select=f"tag:{ML_OUTPUTS_TAG}", dagster_dbt_translator=TRANSLATOR,
            name="ml_output_dbt_models")
def ml_output_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                         warehouse: WarehouseResource) -> Iterator[Any]:
    """The marts that read the models' outputs (models/marts/ml, tag ml_outputs): a dbt asset of their own in the
    group ml_marts, after the ml assets, so that the graph marts -> models -> these marts has no cycle."""
    yield from _dbt_build(context, dbt, warehouse, [], f"of the marts on the models' outputs on {warehouse.target}")


MART_CHECKS = [fct_usage_daily_gx, fct_usage_daily_growth_gx, performance_overview_gx]
DBT_ASSETS = [usage_daily_dbt_models, tunemantra_dbt_models, ml_output_dbt_models]


def mart_keys() -> list[dg.AssetKey]:
    return [k for assets in DBT_ASSETS for k in assets.keys if k.path[0] == "marts"]
