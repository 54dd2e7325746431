"""Daily partitions of usage: a partition is a day of use, and a run for a day (or a range of days, as one run)
hands dbt that window as ``--vars '{usage_from: …, usage_to: …}'`` (dbt_project/macros/incremental_usage.sql).

Only the usage lineage is partitioned (dbt selector ``usage_daily``): the raw files arrive per month, not per
day, and the catalogue, dimensions and the other families' facts have no day to partition by. A partition's run
also picks up whatever landed since the last build (a late file, a restatement), whatever its days: the window
says which days to rebuild at least.

The first day is TM_USAGE_START_DATE (default 2024-01-01, before any report the sample holds); the last is
yesterday (UTC).
"""

from __future__ import annotations

import datetime as dt
import json
import os

import dagster as dg

USAGE_START_DATE = os.environ.get("TM_USAGE_START_DATE", "2024-01-01")

usage_days = dg.DailyPartitionsDefinition(start_date=USAGE_START_DATE, timezone="UTC")


def dbt_window_vars(window: dg.TimeWindow) -> list[str]:
    """The ``--vars`` of a run's partition window (its end is exclusive: the last day is the day before)."""
    last = (window.end - dt.timedelta(days=1)).date()
    return ["--vars", json.dumps({"usage_from": window.start.date().isoformat(), "usage_to": last.isoformat()})]


def latest_day() -> str:
    """The newest partition: yesterday."""
    return usage_days.get_last_partition_key()
