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


def _dashboard_figure(serving) -> int:
    """The Performance Overview dashboard's headline figure: its chart's metric, as the dataset defines it."""
    import yaml

    from tests.conftest import REPO_ROOT

    assets = REPO_ROOT / "superset_assets"
    chart = yaml.safe_load((assets / "charts" / "performance-overview" / "total_streams.yaml").read_text())
    dataset = yaml.safe_load((assets / "datasets" / "tunemantra_serving_duckdb" /
                              "rpt_performance_overview.yaml").read_text())
    [metric] = [m for m in dataset["metrics"] if m["metric_name"] == chart["params"]["metric"]]
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(f"SELECT {metric['expression']} FROM marts.{dataset['table_name']}").fetchone()[0]


def _apple_music_month(manifest: dict, lines: list[tuple]) -> tuple[str, str]:
    """An Apple Music daily-plays file for the month after the sample's last: (its name, its text)."""
    last = max(f["period"] for f in manifest["files"] if f["file"].startswith("apple_music/") and f.get("period"))
    year, month = (int(part) for part in last.split("-")[:2])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    header = "Report Date\tStorefront\tISRC\tSong Name\tArtist Name\tPlays\tEstimated Proceeds\tProceeds Currency"
    body = [f"{month:02d}/{day:02d}/{year}\t{territory}\t{isrc}\tA Song\tAn Artist\t{plays}\t{proceeds}\t{currency}"
            for day, territory, isrc, plays, proceeds, currency in lines]
    return f"AppleMusic_DailyPlays_{year}{month:02d}.txt", "\r\n".join([header, *body]) + "\r\n"


def test_a_bad_batch_never_reaches_the_marts_or_the_dashboard(var_copy) -> None:
    """One delivery with everything wrong at once: a negative count (quarantined by the landing contract), a
    recording nobody knows, a line delivered twice (skipped as a duplicate) and a currency no FX table converts
    (landed as delivered: the raw quality gate must stop it)."""
    manifest = json.loads((var_copy / "landing" / "manifest.json").read_text())
    warehouse = var_copy / "warehouse" / "tunemantra.duckdb"
    serving = var_copy / "serving" / "tunemantra_serving.duckdb"
    served_before, figure_before = hashlib.sha256(serving.read_bytes()).hexdigest(), _dashboard_figure(serving)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts_before = con.execute("SELECT count(*), sum(streams) FROM marts.fct_usage_daily").fetchone()
        known = con.execute("SELECT isrc FROM marts.dim_track ORDER BY isrc LIMIT 1").fetchone()[0]
    name, text = _apple_music_month(manifest, [
        (1, "us", known, 40, "0.25", "USD"),
        (1, "gb", known, -7, "0.00", "USD"),            # negative plays
        (2, "us", "QZZZZ2699999", 11, "0.06", "USD"),   # well formed, in no catalogue
        (3, "us", known, 12, "0.07", "USD"),
        (3, "us", known, 12, "0.07", "USD"),            # the same line twice
        (4, "de", known, 30, "0.19", "XYZ"),            # a currency nobody pays in
        (5, "fr", known, 25, "0.16", "XYZ"),
    ])
    (var_copy / "landing" / "apple_music" / name).write_text(text, encoding="utf-8")

    run = run_pipeline(var_copy, manifest)

    assert run.returncode == 1
    # the landing contract: one line quarantined with its reason, the repeated line skipped, five landed
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ledger = con.execute("SELECT status, rows_read, rows_landed, rows_quarantined, rows_duplicate "
                             "FROM raw._ledger WHERE file_name = ?", [f"apple_music/{name}"]).fetchall()
        quarantined = con.execute("SELECT line_number, reason FROM raw._quarantine WHERE file_name = ?",
                                  [f"apple_music/{name}"]).fetchall()
        history = con.execute("""
            SELECT expectation, severity, success, failing_rows, examples FROM quality.expectation_results
            WHERE asset = 'raw.apple_music__daily_streams' AND run_id = ?""", [run.summary["run_id"]]).fetchall()
        marts_after = con.execute("SELECT count(*), sum(streams) FROM marts.fct_usage_daily").fetchone()
    assert ledger == [("landed", 7, 5, 1, 1)]
    assert [line for line, _ in quarantined] == [3] and "invalid_integer" in quarantined[0][1]
    # the raw gate failed on the currency, and the history says so with the failing rows and examples
    failed = {row[0]: row for row in history if not row[2]}
    assert set(failed) == {"currency_known"}
    assert failed["currency_known"][1:4] == ("error", False, 2)
    assert json.loads(failed["currency_known"][4]) == ["XYZ", "XYZ"]
    checks = [c for c in run.summary["checks"] if not c["passed"] and c["severity"] == "ERROR"]
    assert [(c["asset"], c["check"]) for c in checks] == [("raw/apple_music__daily_streams", "gx_raw_suite")]
    assert "currency_known (2 unexpected" in checks[0]["description"]
    # nothing downstream ran: the marts hold what they held, the serving file and the dashboard are untouched
    assert "marts/fct_usage_daily" not in run.summary["materialized"]
    assert "serving/serving_copy" not in run.summary["materialized"]
    assert marts_after == marts_before
    assert hashlib.sha256(serving.read_bytes()).hexdigest() == served_before
    assert _dashboard_figure(serving) == figure_before


def test_an_unknown_territory_stops_the_build_at_staging(var_copy) -> None:
    """A delivery the raw layer accepts (a well-formed two-letter code) that the reference data does not know:
    staging's relationship test with the territories fails as a check of the staged view, dbt builds nothing on
    it, and nothing downstream runs."""
    manifest = json.loads((var_copy / "landing" / "manifest.json").read_text())
    serving = var_copy / "serving" / "tunemantra_serving.duckdb"
    served_before = hashlib.sha256(serving.read_bytes()).hexdigest()
    with duckdb.connect(str(var_copy / "warehouse" / "tunemantra.duckdb"), read_only=True) as con:
        known = con.execute("SELECT isrc FROM marts.dim_track ORDER BY isrc LIMIT 1").fetchone()[0]
    name, text = _apple_music_month(manifest, [(1, "us", known, 40, "0.25", "USD"),
                                               (2, "qq", known, 9, "0.05", "USD")])
    (var_copy / "landing" / "apple_music" / name).write_text(text, encoding="utf-8")

    run = run_pipeline(var_copy, manifest)

    assert run.returncode == 1
    checks = [c for c in run.summary["checks"] if not c["passed"] and c["severity"] == "ERROR"]
    assert [(c["asset"], c["check"]) for c in checks] == [
        ("staging/stg_apple_music__daily_streams",
         "relationships_stg_apple_music__daily_streams_territory_code__territory_code__ref_territories_")]
    assert "marts/fct_usage_daily" not in run.summary["materialized"]
    assert "serving/serving_copy" not in run.summary["materialized"]
    assert hashlib.sha256(serving.read_bytes()).hexdigest() == served_before
