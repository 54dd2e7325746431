"""The one Definitions object: the whole graph from landing files to the serving copy, on the target TM_TARGET
names (orchestration/warehouses/: the resource ``warehouse`` and how dbt runs there).

Two jobs over it, both partitioned by usage day (orchestration/partitions.py):

* ``full_pipeline``: every asset: land what arrived, build the whole dbt project (the usage lineage for the run's
  days), validate, forecast, publish. ``make demo`` runs it for the latest day; the sensor ``new_report_files``
  starts it when a report file lands;
* ``usage_daily``: what a day of usage changes: land what arrived, the staged usage reports and their quality
  gates, the usage lineage of dbt (selector usage_daily) for the day, its checks, the forecast and the serving
  layer. The schedule ``usage_daily_schedule`` runs it every morning for the day before; a backfill of a range
  of days is one run.

Quality gates are asset checks next to the assets they guard (raw.py, staging.py, dbt.py): blocking, so an
error stops everything downstream in the run, the serving layer included.

Every job runs its steps in one process one after the other (the in-process executor, also for the UI's ad-hoc
materialisations), and the run queue (dagster.yaml) lets one run at a time: with the embedded targets that is
required (a DuckDB file takes one writer, a chDB folder one process, and dbt's process opens it between the steps);
on PostgreSQL the steps could run in parallel processes, but on this graph each process's start-up (loading the
code, ~6 s) would cost more than the parallel steps save.
"""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.alerts import ALERT_ASSETS, ALERT_JOBS, ALERT_SCHEDULES
from orchestration.assets.collect import COLLECT_ASSETS, collect_resources
from orchestration.assets.collection import collection_monitoring
from orchestration.assets.dbt import MART_CHECKS, ml_output_dbt_models, tunemantra_dbt_models, usage_daily_dbt_models
from orchestration.assets.ml import ML_ASSETS, ML_CHECKS, track_stream_forecast
from orchestration.assets.quality_records import QUALITY_RECORDS
from orchestration.assets.raw import LANDING_RECORDS, RAW_ASSETS, RAW_CHECKS, new_report_files
from orchestration.assets.serving import serving_copy
from orchestration.assets.staging import STAGED_USAGE_KEYS, STAGING_CHECKS
from orchestration.partitions import usage_days
from orchestration.settings import DBT_PROJECT_DIR, get_settings
from orchestration.warehouses import warehouse_for

settings = get_settings()
settings.export()
warehouse = warehouse_for(settings, for_dagster=True)

full_pipeline = dg.define_asset_job(
    "full_pipeline",
    selection=dg.AssetSelection.all(),
    partitions_def=usage_days,
    description="Land new report files, build the warehouse, validate, forecast and publish the serving layer.",
)

usage_daily = dg.define_asset_job(
    "usage_daily",
    # the staged usage views come along for their quality gates (they block the usage models on a bad batch)
    selection=(dg.AssetSelection.groups("collect", "raw") | dg.AssetSelection.assets(*STAGED_USAGE_KEYS)
               | dg.AssetSelection.assets(usage_daily_dbt_models)
               | dg.AssetSelection.assets(track_stream_forecast, ml_output_dbt_models, serving_copy)),
    partitions_def=usage_days,
    description="What a day of usage changes: land new files, rebuild the usage lineage for the day (dbt selector "
                "usage_daily), validate, forecast and publish.",
)

usage_daily_schedule = dg.build_schedule_from_partitioned_job(
    usage_daily, name="usage_daily_schedule", hour_of_day=6, default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every morning at 06:00 UTC, the day before.",
)

defs = dg.Definitions(
    assets=[*COLLECT_ASSETS, *RAW_ASSETS, *LANDING_RECORDS, usage_daily_dbt_models, tunemantra_dbt_models,
            ml_output_dbt_models,
            *ML_ASSETS, *ALERT_ASSETS, serving_copy, *QUALITY_RECORDS],
    asset_checks=[*RAW_CHECKS, collection_monitoring, *STAGING_CHECKS, *MART_CHECKS, *ML_CHECKS],
    jobs=[full_pipeline, usage_daily, *ALERT_JOBS],
    schedules=[usage_daily_schedule, *ALERT_SCHEDULES],
    sensors=[new_report_files],
    # every job, the UI's ad-hoc materialisations included: steps one after the other in the run's process
    executor=dg.in_process_executor,
    resources={
        "warehouse": warehouse,
        **collect_resources(os.environ),
        "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                              dbt_executable=warehouse.dbt_executable(settings.var_dir)),
    },
)
