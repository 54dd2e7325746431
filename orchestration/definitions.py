"""The one Definitions object: the whole graph from landing files to the serving copy.

With the embedded DuckDB target every step opens the same single-writer file, so the job runs its steps
in one process one after the other, and the run queue (dagster.yaml) lets one run at a time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.collect import COLLECT_ASSETS, collect_resources
from orchestration.assets.collection import collection_monitoring
from orchestration.assets.dbt import MART_CHECKS, tunemantra_dbt_models
from orchestration.assets.ml import track_stream_forecast
from orchestration.assets.raw import LANDING_RECORDS, RAW_ASSETS, RAW_CHECKS
from orchestration.assets.serving import serving_copy
from orchestration.settings import DBT_PROJECT_DIR, get_settings
from orchestration.warehouse import WarehouseResource

settings = get_settings()
settings.export()

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
        "warehouse": WarehouseResource(path=str(settings.warehouse_path)),
        **collect_resources(os.environ),
        "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                              dbt_executable=str(Path(sys.executable).parent / "dbt")),
    },
)
