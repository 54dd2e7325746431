"""The daily feeds' faults land as the manifest says: restatement as version 2, the late file in its own period,
the drifted file rejected naming the column, the missing report absent, unknown ISRCs counted; totals follow the
latest-version rule."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.connectors import APPLE_MUSIC, DEEZER, SPOTIFY
from tests.support.extras_sample import (
    as_decimals,
    assert_drifted_file_is_rejected,
    assert_files_land_as_expected,
    assert_late_file_lands_in_its_own_period,
    assert_redelivered_copies_land_nothing,
    assert_restatement_lands_as_version_2,
    land,
    scalar,
    write_sample,
)

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
    assert_restatement_lands_as_version_2(con, results, manifest)


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
    assert_drifted_file_is_rejected(con, results, manifest)
    assert "column 'Country' arrived where 'Territory' was expected" in results[
        manifest["families"]["daily_streams"]["schema_drift"][0]["file"]].error


def test_the_late_file_lands_into_its_own_period(landed) -> None:
    con, results, manifest, _ = landed
    assert_late_file_lands_in_its_own_period(con, results, manifest)


def test_the_renamed_copy_lands_nothing(landed) -> None:
    con, results, manifest, _ = landed
    assert_redelivered_copies_land_nothing(con, results, manifest)


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


def test_a_sample_without_extras_lands_like_the_spine(tmp_path: Path) -> None:
    """With the extras switched off (``--extras none``): no rejected file, no second version; every daily file
    counts."""
    from ingestion.generator import GeneratorParams, generate

    manifest = generate(GeneratorParams(target_rows=20_000, extras=()), tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    results = land(con, DAILY, tmp_path / "landing")
    assert_files_land_as_expected(results, manifest, {c.source for c in DAILY})
    assert {r.status for r in results.values()} == {"landed", "duplicate_file"}
    assert {r.delivery_version for r in results.values()} == {1}
    assert con.execute(f"SELECT count(*), sum(streams) FROM ({UNION})").fetchone() == (
        manifest["totals"]["usage_rows"], manifest["totals"]["streams"])
    con.close()
