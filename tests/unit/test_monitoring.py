"""Collection monitoring names the platform and period of a missing report, and flags dirty feeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ingestion.connectors import CONNECTORS, DEEZER, SPOTIFY
from ingestion.contract import ensure_schema, land_source
from ingestion.generator import GeneratorParams, generate
from ingestion.monitoring import CHECKS, expected_periods, monitor, unusual_volumes


def test_expected_periods_respect_the_due_date() -> None:
    assert expected_periods("2026-08", dt.date(2026, 10, 10), due_days=10) == ["2026-08", "2026-09"]
    assert expected_periods("2026-08", dt.date(2026, 10, 9), due_days=10) == ["2026-08"]


def test_a_missing_report_fails_naming_platform_and_period(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    manifest = generate(GeneratorParams(target_rows=20_000, inject_faults=False), landing)
    missing = next(f for f in manifest["files"] if f["source"] == "deezer" and f.get("period") == "2026-03")
    (landing / missing["file"]).unlink()
    con = duckdb.connect()
    ensure_schema(con, CONNECTORS)
    for connector in CONNECTORS:
        land_source(con, connector, landing)
    as_of = dt.date.fromisoformat(manifest["params"]["end_date"]) + dt.timedelta(days=15)
    findings = {(f.source, f.check): f for f in monitor(con, CONNECTORS, as_of)}

    gap = findings[("deezer", "completeness")]
    assert gap.status == "fail" and gap.value == 1
    assert "deezer" in gap.detail and "2026-03" in gap.detail
    assert findings[("spotify", "completeness")].status == "pass"
    assert findings[("deezer", "error_rate")].status == "pass"
    assert findings[("spotify", "freshness")].status == "pass"
    # a month later, without new deliveries, the next reports are missing and the feed is stale
    later = {(f.source, f.check): f for f in monitor(con, [SPOTIFY], as_of + dt.timedelta(days=60))}
    assert later[("spotify", "completeness")].status == "fail"
    assert later[("spotify", "freshness")].status == "warn"


def test_a_dirty_feed_fails_its_error_rate(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "deezer"
    folder.mkdir(parents=True)
    good = "01/09/2025;DE;DEABC2500001;T;A;5;0,01;EUR"
    bad = "01/09/2025;DE;NOTANISRC;T;A;5;0,01;EUR"
    (folder / "deezer_streams_202509.csv").write_text(
        "Day;Territory;ISRC;Title;Artist;Streams;Revenue;Currency\n" + "\n".join([good] * 1 + [bad] * 3) + "\n")
    con = duckdb.connect()
    ensure_schema(con, CONNECTORS)
    land_source(con, DEEZER, tmp_path / "landing")
    rate = next(f for f in monitor(con, [DEEZER], dt.date(2025, 10, 20)) if f.check == "error_rate")
    assert rate.status == "fail" and rate.value == 0.75


def test_a_source_that_never_delivered_is_not_connected(tmp_path: Path) -> None:
    con = duckdb.connect()
    ensure_schema(con, CONNECTORS)
    findings = monitor(con, [DEEZER], dt.date(2026, 1, 1))
    assert {(f.check, f.status) for f in findings} == {(c, "pass") for c in CHECKS}
    assert all("not connected" in f.detail for f in findings)


def test_volume_flags_a_jump_against_the_recent_past_not_growth_or_small_numbers() -> None:
    steady = {f"2026-{m:02d}": 10_000 for m in range(1, 9)}
    assert unusual_volumes(steady) == {}
    assert unusual_volumes({**steady, "2026-05": 31_000}) == {"2026-05": 3.1}
    assert set(unusual_volumes({**steady, "2026-07": 2_000})) == {"2026-07"}
    growing = {f"2026-{m:02d}": int(1_000 * 1.3 ** m) for m in range(1, 11)}  # +30 % a month
    assert unusual_volumes(growing) == {}
    tiny = {"2026-01": 4, "2026-02": 10, "2026-03": 3, "2026-04": 12}  # ratios of 2.5 and 0.3, but a few rows
    assert unusual_volumes(tiny) == {}
    # the first period has no past: its neighbours are the periods after it
    assert set(unusual_volumes({"2026-01": 40_000, **{f"2026-{m:02d}": 10_000 for m in range(2, 6)}})) == {"2026-01"}
