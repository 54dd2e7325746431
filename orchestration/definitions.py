"""The one Definitions object: the whole graph from landing files to the serving copy, on the target TM_TARGET
names (orchestration/warehouses/: the resource ``warehouse`` and how dbt runs there).

The job runs its steps in one process one after the other, and the run queue (dagster.yaml) lets one run at a
time: with the embedded targets that is required (a DuckDB file takes one writer, a chDB folder one process, and
dbt's process opens it between the steps); on PostgreSQL the steps could run in parallel processes, but on this
graph each process's start-up (loading the code, ~6 s) would cost more than the parallel steps save.
"""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.collect import COLLECT_ASSETS, collect_resources
from orchestration.assets.collection import collection_monitoring
from orchestration.assets.dbt import MART_CHECKS, tunemantra_dbt_models
from orchestration.assets.ml import track_stream_forecast
from orchestration.assets.raw import LANDING_RECORDS, RAW_ASSETS, RAW_CHECKS
from orchestration.assets.serving import serving_copy
from orchestration.settings import DBT_PROJECT_DIR, get_settings
from orchestration.warehouses import warehouse_for

settings = get_settings()
settings.export()
warehouse = warehouse_for(settings, for_dagster=True)

full_pipeline = dg.define_asset_job(
    "full_pipeline",
    selection=dg.AssetSelection.all(),
    description="Land new report files, build the warehouse, validate, forecast and publish the serving copy.",
    executor_def=dg.in_process_executor,
)

daily_schedule = dg.ScheduleDefinition(
    name="daily_full_pipeline", job=full_pipeline, cron_schedule="0 6 * * *",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

defs = dg.Definitions(
    assets=[*COLLECT_ASSETS, *RAW_ASSETS, *LANDING_RECORDS, tunemantra_dbt_models, track_stream_forecast, serving_copy],
    asset_checks=[*RAW_CHECKS, collection_monitoring, *MART_CHECKS],
    jobs=[full_pipeline],
    schedules=[daily_schedule],
    resources={
        "warehouse": warehouse,
        **collect_resources(os.environ),
        "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                              dbt_executable=warehouse.dbt_executable(settings.var_dir)),
    },
)
