"""The daily feeds' faults land as the manifest says: restatement as version 2, the late file in its own period,
the drifted file rejected naming the column, the missing report absent, unknown ISRCs counted; totals follow the
latest-version rule."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.connectors import APPLE_MUSIC, DEEZER, SPOTIFY
from tests.support.extras_sample import as_decimals, assert_files_land_as_expected, land, scalar, write_sample

DAILY = (SPOTIFY, APPLE_MUSIC, DEEZER)
UNION = " UNION ALL ".join(f"SELECT '{c.source}' AS source, * FROM {c.raw_table}" for c in DAILY)


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("daily")
    landing, manifest = write_sample(folder)
    con = duckdb.connect(str(folder / "wh.duckdb"))
    results = land(con, DAILY, landing)
    yield con, results, manifest, landing
    con.close()


def test_every_file_lands_as_its_manifest_entry_says(landed) -> None:
    con, results, manifest, _ = landed
    entries = assert_files_land_as_expected(results, manifest, {c.source for c in DAILY})
    for f in entries:
        if f["expected"]["status"] != "landed":
            continue
        table = next(c.raw_table for c in DAILY if c.source == f["source"])
        streams, revenue = con.execute(f"SELECT sum(streams), sum(revenue) FROM {table} WHERE _file_name = ?",
                                       [f["file"]]).fetchone()
        assert (streams, revenue) == (f["streams"], Decimal(f["revenue"])), f["file"]


def test_the_restatement_lands_as_delivery_version_2(landed) -> None:
    con, results, manifest, _ = landed
    (restated,) = manifest["families"]["daily_streams"]["restatements"]
    v1, v2 = restated["versions"]
    assert (results[v1["file"]].delivery_version, results[v2["file"]].delivery_version) == (1, 2)
    assert results[v2["file"]].period == restated["period"] == results[v1["file"]].period
    ledger = con.execute("SELECT file_name, delivery_version FROM raw._ledger WHERE source = ? AND period = ? "
                         "AND status = 'landed' ORDER BY delivery_version", [restated["platform"],
                                                                             restated["period"]]).fetchall()
    assert ledger == [(v1["file"], 1), (v2["file"], 2)]
    table = next(c.raw_table for c in DAILY if c.source == restated["platform"])
    by_version = dict(con.execute(f"SELECT _delivery_version, sum(streams) FROM {table} WHERE _file_name IN (?, ?) "
                                  "GROUP BY 1", [v1["file"], v2["file"]]).fetchall())
    assert by_version == {1: v1["streams"], 2: v2["streams"]} and v1["streams"] != v2["streams"]
    assert restated["latest"] == v2["file"]


def test_totals_are_the_latest_version_of_each_period(landed) -> None:
    con, _, manifest, _ = landed
    latest = f"""
        WITH rows AS ({UNION}),
        latest AS (SELECT l.batch_id FROM raw._ledger AS l WHERE l.status = 'landed' AND l.delivery_version =
                   (SELECT max(o.delivery_version) FROM raw._ledger AS o WHERE o.source = l.source
                    AND o.period = l.period AND o.status = 'landed'))
        SELECT count(*), sum(streams) FROM rows WHERE _batch_id IN (SELECT batch_id FROM latest)"""
    rows, streams = con.execute(latest).fetchone()
    totals = manifest["totals"]
    assert (rows, streams) == (totals["usage_rows"], totals["streams"])
    everything = manifest["families"]["daily_streams"]["all_landed_versions"]
    assert con.execute(f"SELECT count(*), sum(streams) FROM ({UNION})").fetchone() == (
        everything["usage_rows"], everything["streams"])
    by_currency = dict(con.execute(f"SELECT currency, sum(revenue) FROM ({UNION}) GROUP BY 1").fetchall())
    assert by_currency == as_decimals(everything["revenue_by_currency"])


def test_the_drifted_file_is_rejected_naming_the_column(landed) -> None:
    con, results, manifest, _ = landed
    (drift,) = manifest["families"]["daily_streams"]["schema_drift"]
    r = results[drift["file"]]
    assert r.status == "rejected" and r.rows_landed == 0
    assert "column 'Country' arrived where 'Territory' was expected" in r.error
    assert drift["error"] in r.error
    assert scalar(con, f"SELECT count(*) FROM {DEEZER.raw_table} WHERE _file_name = ?", [drift["file"]]) == 0


def test_the_late_file_lands_into_its_own_period(landed) -> None:
    con, results, manifest, _ = landed
    (late,) = manifest["families"]["daily_streams"]["late_files"]
    assert late["delivered_on"] > late["due_on"] > f"{late['period']}-28"
    r = results[late["file"]]
    assert (r.status, r.period, r.delivery_version) == ("landed", late["period"], 1)
    months = {str(m)[:7] for (m,) in con.execute(
        f"SELECT DISTINCT date_trunc('month', report_date) FROM {APPLE_MUSIC.raw_table} WHERE _file_name = ?",
        [late["file"]]).fetchall()}
    assert months == {late["period"]}


def test_the_missing_report_was_never_delivered(landed) -> None:
    con, _, manifest, landing = landed
    (missing,) = manifest["families"]["daily_streams"]["missing_reports"]
    assert scalar(con, "SELECT count(*) FROM raw._ledger WHERE source = ? AND period = ?",
                  [missing["platform"], missing["period"]]) == 0
    assert not [f for f in manifest["files"] if (f["source"], f.get("period")) == (missing["platform"],
                                                                                  missing["period"])]
    connector = next(c for c in DAILY if c.source == missing["platform"])
    assert all(connector.describe(p.name)[0] != missing["period"] for p in connector.files(landing))


def test_unknown_isrcs_are_landed_and_counted(landed) -> None:
    con, _, manifest, _ = landed
    unknown = manifest["families"]["daily_streams"]["unknown_isrcs"]
    isrcs = unknown["isrcs"]
    assert len(isrcs) >= 2 and not set(isrcs) & set(manifest["hidden"]["tracks"])
    marks = ", ".join("?" * len(isrcs))
    rows, streams = con.execute(
        f"SELECT count(*), sum(streams) FROM ({UNION}) WHERE replace(upper(isrc), '-', '') IN ({marks})",
        isrcs).fetchone()
    assert (rows, streams) == (unknown["rows"], unknown["streams"])


def test_default_sample_lands_like_the_spine(tmp_path: Path) -> None:
    """Without extras: no rejected file, no second version; every daily file counts."""
    from ingestion.generator import GeneratorParams, generate

    manifest = generate(GeneratorParams(target_rows=20_000), tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    results = land(con, DAILY, tmp_path / "landing")
    assert_files_land_as_expected(results, manifest, {c.source for c in DAILY})
    assert {r.status for r in results.values()} == {"landed", "duplicate_file"}
    assert {r.delivery_version for r in results.values()} == {1}
    assert con.execute(f"SELECT count(*), sum(streams) FROM ({UNION})").fetchone() == (
        manifest["totals"]["usage_rows"], manifest["totals"]["streams"])
    con.close()
