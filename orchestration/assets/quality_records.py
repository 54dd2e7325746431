"""The quality history as assets of their own (group ``quality``): the tables the checks write, where they come from
and that the serving layer publishes them. Written by the checks (orchestration/assets/quality.py,
collection.py), never materialised on their own: the graph shows them so a reader can follow a failing
expectation from the checked asset to the table that remembers it and to the dashboards that read it."""

import dagster as dg

from ingestion.connectors import ALL_CONNECTORS
from orchestration.assets.raw import raw_key
from orchestration.assets.staging import STAGED_USAGE_KEYS
from orchestration.warehouses.base import target_kind

_MARTS_CHECKED = [dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "rpt_performance_overview"])]
_RAW = [raw_key(c) for c in ALL_CONNECTORS]

QUALITY_RECORDS = [
    dg.AssetSpec(key=dg.AssetKey(["quality", table]), group_name="quality", description=description, deps=deps,
                 kinds={target_kind()})
    for table, description, deps in (
        ("validation_results", "One row per Great Expectations validation: suite, table, partition, outcome.",
         [*_RAW, *STAGED_USAGE_KEYS, *_MARTS_CHECKED]),
        ("expectation_results", "One row per expectation of each validation: name, severity, rows validated, "
                                "failing rows, examples.", [*_RAW, *STAGED_USAGE_KEYS, *_MARTS_CHECKED]),
        ("validated_batches", "The landed batches each staging suite has passed (its next partition starts after "
                              "them).", STAGED_USAGE_KEYS),
        ("collection_monitoring", "Collection monitoring of every source: completeness, freshness, volume, "
                                  "error rate, reliability, per run.", _RAW),
    )
]
QUALITY_KEYS = [spec.key for spec in QUALITY_RECORDS]
