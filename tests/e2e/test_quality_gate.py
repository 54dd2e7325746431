"""A failed error-level check stops everything downstream: the serving copy keeps the last good data."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest

from ingestion.connectors import DEEZER
from tests.conftest import run_pipeline

pytestmark = pytest.mark.slow


def test_rows_lost_from_raw_stop_the_build_and_say_why(var_copy) -> None:
    manifest = json.loads((var_copy / "landing" / "manifest.json").read_text())
    serving = var_copy / "serving" / "tunemantra_serving.duckdb"
    served_before = hashlib.sha256(serving.read_bytes()).hexdigest()
    con = duckdb.connect(str(var_copy / "warehouse" / "tunemantra.duckdb"))
    con.execute(f"DELETE FROM {DEEZER.rows_table} WHERE _line_number = 2")  # one row lost outside the ledger
    con.close()

    run = run_pipeline(var_copy, manifest)

    assert run.returncode == 1
    assert "FAILED" in run.output
    failed = [c for c in run.summary["checks"] if not c["passed"] and c["severity"] == "ERROR"]
    assert [(c["asset"], c["check"]) for c in failed] == [("raw/deezer__daily_streams", "gx_raw_suite")]
    assert "row_count_matches_ledger" in failed[0]["description"]
    assert "marts/fct_usage_daily" not in run.summary["materialized"]
    assert "serving/serving_copy" not in run.summary["materialized"]
    assert "NOT published" in run.output
    assert hashlib.sha256(serving.read_bytes()).hexdigest() == served_before
