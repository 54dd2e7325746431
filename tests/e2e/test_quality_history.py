"""What the pipeline's quality gates leave behind: the history tables in the warehouse and the GX Data Docs site
(`make quality-docs`) built from the validations the run kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, pipeline_env

pytestmark = pytest.mark.slow

STAGED = ("stg_spotify__daily_streams", "stg_apple_music__daily_streams", "stg_deezer__daily_streams",
          "stg_dsr_spotify__sales", "stg_dsr_apple_music__sales", "stg_dsr_amazon_music__sales",
          "stg_dsr_deezer__sales")


def test_every_expectation_of_the_run_is_history(pipeline_run) -> None:
    run_id = pipeline_run.summary["run_id"]
    with duckdb.connect(str(pipeline_run.serving_path), read_only=True) as con:
        per_validation = dict(con.execute(
            "SELECT asset, evaluated FROM quality.validation_results WHERE run_id = ? "
            "AND suite_name NOT LIKE '%growth'", [run_id]).fetchall())
        per_expectation = dict(con.execute(
            "SELECT asset, count(*) FROM quality.expectation_results WHERE run_id = ? "
            "AND suite_name NOT LIKE '%growth' GROUP BY asset", [run_id]).fetchall())
        staged = con.execute("""
            SELECT asset, rows_validated, partition_filter IS NOT NULL FROM quality.expectation_results
            WHERE run_id = ? AND expectation = 'one_row_per_delivered_line' ORDER BY asset""", [run_id]).fetchall()
        validated = con.execute("SELECT count(DISTINCT batch_id) FROM quality.validated_batches").fetchone()[0]
    from ingestion.connectors import ALL_CONNECTORS
    from orchestration.assets.ml.checks import SCORE_TABLES

    # every raw table, the staged usage reports, the two checked marts and the models' outputs (each score
    # table, the forecast and its coverage of the active tracks); the growth suite is on daily totals
    assert per_expectation == per_validation
    assert len(per_validation) == len(ALL_CONNECTORS) + len(STAGED) + 2 + len(SCORE_TABLES) + 2
    assert {f"ml.{t}" for t in SCORE_TABLES} | {"ml.track_stream_forecast"} <= set(per_validation)
    with duckdb.connect(str(pipeline_run.warehouse_path), read_only=True) as con:
        staged_rows = {f"staging.{m}": con.execute(f"SELECT count(*) FROM staging.{m}").fetchone()[0] for m in STAGED}
        landed_batches = con.execute(
            "SELECT count(DISTINCT batch_id) FROM (" + " UNION ALL ".join(
                f"SELECT batch_id FROM staging.{m}" for m in STAGED) + ")").fetchone()[0]
    # the first run validated every staged batch, every row of it, and recorded each batch as validated
    assert {asset: (rows, filtered) for asset, rows, filtered in staged} == \
        {asset: (rows, True) for asset, rows in staged_rows.items()}
    assert validated == landed_batches


def test_quality_docs_render_every_validation(pipeline_run, tmp_path: Path) -> None:
    validations = pipeline_run.var_dir / "quality" / "validations"
    kept = sorted(validations.glob("*/*.json"))
    assert len(kept) >= 40  # every validation of the run (the growth suite's too)
    proc = subprocess.run([sys.executable, "-m", "expectations.data_docs", "--validations", str(validations),
                           "--out", str(tmp_path / "docs")], cwd=REPO_ROOT, env=pipeline_env(pipeline_run.var_dir),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    site = tmp_path / "docs" / "site"
    assert f"GX Data Docs of {len(kept)} validations: {site / 'index.html'}" in proc.stdout
    pages = list((site / "validations").rglob("*.html"))
    assert len(pages) == len(kept)
    index = (site / "index.html").read_text()
    for suite in ("raw_usage", "staging__stg_spotify__daily_streams", "fct_usage_daily", "fct_usage_daily__growth"):
        assert suite in index
    # a validation page shows the expectations GX evaluated with what it observed
    [page] = [p for p in pages if "staging__stg_deezer__daily_streams" in p.as_posix()]
    body = page.read_text()
    assert "territory_code" in body and "values must belong to this set" in body
    record = json.loads(next(validations.glob("staging__stg_deezer__daily_streams/*.json")).read_text())
    assert record["result"]["success"] is True and record["where"].startswith("batch_id IN (")
