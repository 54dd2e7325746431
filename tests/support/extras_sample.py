"""A small sample with every generator extra, and a helper that lands sources into a DuckDB file.

Expectations come from the sample's manifest only, never from the connectors under test.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ingestion.contract import Connector, FileResult, ensure_schema, land_source
from ingestion.generator import GeneratorParams, generate

# every extra of the catalogue, the daily feeds' faults and the platform families (not the analytics families)
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
