"""A small sample with the generator's extras, a helper that lands sources into a DuckDB file, and the assertions
the unit tests (tests/unit/test_families_*.py) and the end-to-end tests (tests/e2e/test_every_family.py) share.

Expectations come from the sample's manifest only, never from the connectors under test. The assertions take
``results``, one FileResult per landed file: what ``land`` returns, or the ledger of a pipeline's warehouse as
``ledger_results`` reads it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ingestion.connectors import ALL_CONNECTORS
from ingestion.contract import LEDGER, Connector, FileResult, ensure_schema, land_source
from ingestion.generator import GeneratorParams, generate

# every extra of the catalogue, the daily feeds' faults and the platform families (not the analytics families,
# which tests/unit/test_families_analytics.py generates on their own): a small sample for the unit tests
MY_EXTRAS = ("labels", "catalogue_history", "restatement", "schema_drift", "unknown_isrcs", "itunes", "beatport",
             "youtube", "tiktok", "instagram")
EXTRAS_PARAMS = GeneratorParams(target_rows=20_000, extras=MY_EXTRAS)


def write_sample(folder: Path) -> tuple[Path, dict[str, Any]]:
    landing = Path(folder) / "landing"
    return landing, generate(EXTRAS_PARAMS, landing)


def land(con: duckdb.DuckDBPyConnection, connectors: tuple[Connector, ...], landing: Path) -> dict[str, FileResult]:
    ensure_schema(con, connectors)
    return {r.file_name: r for c in connectors for r in land_source(con, c, landing)}


def assert_files_land_as_expected(results: dict[str, FileResult], manifest: dict, sources: set[str]) -> list[dict]:
    """Every manifest file of ``sources`` was landed with the expected status and counts; returns the entries."""
    entries = [f for f in manifest["files"] if f["source"] in sources]
    assert entries, sources
    assert {f["file"] for f in entries} == {n for n, r in results.items() if r.source in sources}
    for f in entries:
        r, exp = results[f["file"]], f["expected"]
        assert (r.status, r.rows_read, r.rows_landed, r.rows_quarantined, r.rows_duplicate) == (
            exp.get("status", "landed"), exp.get("read", f["data_lines"]), exp["landed"], exp["quarantined"],
            exp["duplicates"]), (f["file"], r.error)
        assert r.period == f.get("period"), f["file"]
    return entries


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    return con.execute(sql, params or []).fetchone()[0]


def money_by(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Decimal]:
    """``SELECT currency, sum(amount) ... GROUP BY 1`` as {currency: Decimal}."""
    return {c: Decimal(v) for c, v in con.execute(sql).fetchall()}


def as_decimals(mapping: dict[str, str]) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in mapping.items()}


def ledger_results(con: duckdb.DuckDBPyConnection) -> dict[str, FileResult]:
    """Every ledger entry of a warehouse as the FileResult its landing returned, by file name (the latest entry
    of a file the ledger holds twice, e.g. a load that failed and landed again)."""
    rows = con.execute(f"""
        SELECT file_name, source, status, rows_read, rows_landed, rows_quarantined, rows_duplicate, batch_id, sha256,
               duplicate_of, error, period, territory, delivery_version
        FROM {LEDGER} ORDER BY started_at""").fetchall()
    names = ("file_name", "source", "status", "rows_read", "rows_landed", "rows_quarantined", "rows_duplicate",
             "batch_id", "sha256", "duplicate_of", "error", "period", "territory", "delivery_version")
    return {row[0]: FileResult(**dict(zip(names, row, strict=True))) for row in rows}


def raw_table(source: str) -> str:
    return next(c.raw_table for c in ALL_CONNECTORS if c.source == source)


# -- the daily feeds' faults (manifest["families"]["daily_streams"]) ---------------------------------------------

def assert_restatement_lands_as_version_2(con: duckdb.DuckDBPyConnection, results: dict[str, FileResult],
                                          manifest: dict) -> None:
    """The restated month landed as delivery version 2 beside version 1, each with its own figures."""
    (restated,) = manifest["families"]["daily_streams"]["restatements"]
    v1, v2 = restated["versions"]
    assert (results[v1["file"]].delivery_version, results[v2["file"]].delivery_version) == (1, 2)
    assert results[v2["file"]].period == restated["period"] == results[v1["file"]].period
    ledger = con.execute(f"SELECT file_name, delivery_version FROM {LEDGER} WHERE source = ? AND period = ? "
                         "AND status = 'landed' ORDER BY delivery_version",
                         [restated["platform"], restated["period"]]).fetchall()
    assert ledger == [(v1["file"], 1), (v2["file"], 2)]
    by_version = {v: (n, s) for v, n, s in con.execute(
        f"SELECT _delivery_version, count(*), sum(streams) FROM {raw_table(restated['platform'])} "
        "WHERE _file_name IN (?, ?) GROUP BY 1", [v1["file"], v2["file"]]).fetchall()}
    assert by_version == {1: (v1["usage_rows"], v1["streams"]), 2: (v2["usage_rows"], v2["streams"])}
    assert v1["streams"] != v2["streams"] and restated["latest"] == v2["file"]


def assert_drifted_file_is_rejected(con: duckdb.DuckDBPyConnection, results: dict[str, FileResult],
                                    manifest: dict) -> None:
    """The file whose header drifted was refused whole, the error naming the column; nothing of it landed."""
    (drift,) = manifest["families"]["daily_streams"]["schema_drift"]
    r = results[drift["file"]]
    assert (r.status, r.rows_landed) == (drift["status"], 0)
    assert drift["error"] in r.error
    assert f"column {drift['arrived_column']!r} arrived where {drift['expected_column']!r} was expected" in r.error
    assert scalar(con, f"SELECT count(*) FROM {raw_table(drift['platform'])} WHERE _file_name = ?",
                  [drift["file"]]) == 0


def assert_late_file_lands_in_its_own_period(con: duckdb.DuckDBPyConnection, results: dict[str, FileResult],
                                             manifest: dict) -> None:
    """The file delivered weeks after it was due landed as the first version of its own month."""
    (late,) = manifest["families"]["daily_streams"]["late_files"]
    assert late["delivered_on"] > late["due_on"] > f"{late['period']}-28"
    r = results[late["file"]]
    assert (r.status, r.period, r.delivery_version) == ("landed", late["period"], 1)
    months = {str(m)[:7] for (m,) in con.execute(
        f"SELECT DISTINCT date_trunc('month', report_date) FROM {raw_table(late['platform'])} WHERE _file_name = ?",
        [late["file"]]).fetchall()}
    assert months == {late["period"]}


def assert_redelivered_copies_land_nothing(con: duckdb.DuckDBPyConnection, results: dict[str, FileResult],
                                           manifest: dict) -> list[dict]:
    """A file re-sent under another name is a duplicate delivery of the original: every row read, none landed."""
    copies = [f for f in manifest["files"] if f["redelivery_of"]]
    assert copies
    for f in copies:
        r = results[f["file"]]
        assert (r.status, r.duplicate_of, r.rows_landed, r.rows_duplicate) == (
            "duplicate_file", f["redelivery_of"], 0, f["data_lines"]), f["file"]
        assert scalar(con, f"SELECT count(*) FROM {raw_table(f['source'])} WHERE _file_name = ?", [f["file"]]) == 0
    return copies
