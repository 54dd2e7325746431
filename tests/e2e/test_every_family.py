"""End to end, every source family of the sample: each delivered file is in the ledger with the status and the
counts its manifest entry expects, and each raw table holds its family's rows and measures (money to the cent,
per currency), in total and file by file. The faults land as designed: the restatement as version 2 beside
version 1, the late file into its own period, the renamed re-delivery as nothing, the drifted file refused.

Every expected figure is read from the manifest; this module only says where a family keeps which figure
(``FILE_FAMILIES``, ``COLLECTED_FAMILIES``). The assertions shared with the families' unit tests live in
tests/support/extras_sample.py. Everything reads the session's pipeline run (``pipeline_run``): no second build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.connectors import ALL_CONNECTORS, COLLECTED_CONNECTORS
from ingestion.contract import FileResult
from tests.support.extras_sample import (
    as_decimals,
    assert_drifted_file_is_rejected,
    assert_files_land_as_expected,
    assert_late_file_lands_in_its_own_period,
    assert_redelivered_copies_land_nothing,
    assert_restatement_lands_as_version_2,
    ledger_results,
)

pytestmark = pytest.mark.slow

Manifest = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Measure:
    """An aggregate of a raw table and where the manifest keeps its true value. ``sql`` selects from ``{rows}``
    (the whole table, or one file's rows) either one value or ``(key, value)`` rows (``GROUP BY 1``)."""

    sql: str
    total: Callable[[Manifest], Any] | None = None  # the whole table's value
    per_file: Callable[[dict], Any] | None = None  # one landed file's value, from its manifest entry


@dataclasses.dataclass(frozen=True)
class Family:
    family: str | None  # the key of manifest["families"] that holds its truth (None: only its files' entries)
    rows: Callable[[Manifest], int] | None  # rows of the raw table (None: the sum of its files' expected rows)
    measures: tuple[Measure, ...] = ()


def fam(m: Manifest, name: str) -> dict:
    return m["families"][name]


def landed_versions(m: Manifest) -> dict:
    """The daily feeds as a warehouse holds them before supersession: every landed version of every month."""
    return fam(m, "daily_streams")["all_landed_versions"]


def statements(m: Manifest, source: str) -> dict:
    return fam(m, "dsr_statements")["landed_by_source"][source]


def one_currency(currency: str, amount: str) -> Callable[[dict], dict[str, Decimal]]:
    return lambda e: {e[currency]: Decimal(e[amount])}


def daily_feed(platform: str) -> Family:
    return Family("daily_streams", lambda m: landed_versions(m)["rows_by_platform"][platform], (
        Measure("SELECT sum(streams) FROM {rows}", lambda m: landed_versions(m)["streams_by_platform"][platform],
                lambda e: e["streams"]),
        Measure("SELECT currency, sum(revenue) FROM {rows} GROUP BY 1", None, one_currency("currency", "revenue")),
    ))


def dsr(source: str) -> Family:
    return Family("dsr_statements", lambda m: statements(m, source)["usage_records"], (
        Measure("SELECT sum(usages) FROM {rows}", lambda m: statements(m, source)["usages"], lambda e: e["usages"]),
        Measure("SELECT currency, sum(net_revenue) FROM {rows} GROUP BY 1",
                lambda m: {statements(m, source)["currency"]: Decimal(statements(m, source)["revenue"])},
                one_currency("currency", "revenue")),
    ))


_ALL_SOURCES = "editorial_playlist_streams + algorithmic_playlist_streams + user_playlist_streams + radio_streams " \
               "+ search_streams + artist_album_page_streams + other_streams"

# every source whose files the generator delivers to the landing folder (manifest["files"][*]["source"])
FILE_FAMILIES: dict[str, Family] = {
    "catalogue": Family("catalogue", lambda m: sum(e["rows"] for e in fam(m, "catalogue")["exports"]), (
        Measure("SELECT count(DISTINCT isrc) FROM {rows}", lambda m: m["catalogue"]["tracks"],
                lambda e: e["data_lines"]),
    )),
    "catalogue_labels": Family("catalogue", lambda m: fam(m, "catalogue")["labels"]["labels"]
                               + fam(m, "catalogue")["labels"]["sub_labels"], (
        Measure("SELECT count(*) FILTER (WHERE parent_label_id IS NULL) FROM {rows}",
                lambda m: fam(m, "catalogue")["labels"]["labels"]),
        Measure("SELECT count(DISTINCT distributor) FROM {rows}",
                lambda m: len(fam(m, "catalogue")["labels"]["distributors"])),
    )),
    "fx": Family(None, None),  # the manifest keeps the FX file's rows only
    "spotify": daily_feed("spotify"),
    "apple_music": daily_feed("apple_music"),
    "deezer": daily_feed("deezer"),
    **{source: dsr(source) for source in ("dsr_spotify", "dsr_apple_music", "dsr_amazon_music", "dsr_deezer")},
    "itunes": Family("itunes", lambda m: fam(m, "itunes")["rows"], (
        Measure("SELECT sum(units) FROM {rows}", lambda m: fam(m, "itunes")["units"], lambda e: e["units"]),
        Measure("SELECT proceeds_currency, sum(proceeds) FROM {rows} GROUP BY 1",
                lambda m: as_decimals(fam(m, "itunes")["proceeds_by_currency"]), lambda e: as_decimals(e["proceeds"])),
    )),
    "beatport": Family("beatport", lambda m: fam(m, "beatport")["rows"], (
        Measure("SELECT sum(units) FROM {rows}", lambda m: fam(m, "beatport")["units"], lambda e: e["units"]),
        Measure("SELECT currency, sum(net_amount) FROM {rows} GROUP BY 1",
                lambda m: as_decimals(fam(m, "beatport")["net_by_currency"]), lambda e: as_decimals(e["net"])),
    )),
    "youtube": Family("youtube", lambda m: fam(m, "youtube")["rows"], (
        Measure("SELECT sum(claimed_views) FROM {rows}", lambda m: fam(m, "youtube")["views"], lambda e: e["views"]),
        Measure("SELECT sum(active_claims) FROM {rows}", lambda m: fam(m, "youtube")["claims"], lambda e: e["claims"]),
        Measure("SELECT sum(partner_revenue) FROM {rows}", lambda m: Decimal(fam(m, "youtube")["revenue_usd"])),
        Measure("SELECT currency, sum(partner_revenue) FROM {rows} GROUP BY 1", None,
                one_currency("currency", "revenue")),
    )),
    "tiktok": Family("tiktok", lambda m: fam(m, "tiktok")["rows"], (
        Measure("SELECT sum(video_creations) FROM {rows}", lambda m: fam(m, "tiktok")["creations"],
                lambda e: e["creations"]),
        Measure("SELECT sum(revenue) FROM {rows}", lambda m: Decimal(fam(m, "tiktok")["revenue_usd"])),
        Measure("SELECT currency, sum(revenue) FROM {rows} GROUP BY 1", None, one_currency("currency", "revenue")),
    )),
    "instagram": Family("instagram", lambda m: fam(m, "instagram")["rows"], (
        Measure("SELECT sum(reels_created) FROM {rows}", lambda m: fam(m, "instagram")["reels"], lambda e: e["reels"]),
        Measure("SELECT sum(reel_plays) FROM {rows}", lambda m: fam(m, "instagram")["plays"], lambda e: e["plays"]),
    )),
    "listener_stats": Family("listener_stats", lambda m: fam(m, "listener_stats")["daily"]["rows"], (
        Measure("SELECT sum(listeners) FROM {rows}", lambda m: fam(m, "listener_stats")["daily"]["listeners"],
                lambda e: e["listeners"]),
        Measure("SELECT sum(saves) FROM {rows}", lambda m: fam(m, "listener_stats")["daily"]["saves"],
                lambda e: e["saves"]),
    )),
    "listener_uniques": Family("listener_stats", lambda m: fam(m, "listener_stats")["uniques_7d"]["rows"]
                               + fam(m, "listener_stats")["uniques_28d"]["rows"], (
        Measure("SELECT sum(unique_listeners) FROM {rows}",
                lambda m: fam(m, "listener_stats")["uniques_7d"]["unique_listeners"]
                + fam(m, "listener_stats")["uniques_28d"]["unique_listeners"], lambda e: e["unique_listeners"]),
    )),
    "stream_sources": Family("stream_sources", lambda m: fam(m, "stream_sources")["rows"], (
        Measure(f"SELECT platform_code, sum({_ALL_SOURCES}) FROM {{rows}} GROUP BY 1",
                lambda m: fam(m, "stream_sources")["streams_by_platform"], lambda e: e["streams_by_platform"]),
    )),
    "playlists": Family("playlists", lambda m: fam(m, "playlists")["catalogue_rows"], (
        Measure("SELECT count(DISTINCT playlist_id) FROM {rows}", lambda m: fam(m, "playlists")["playlists"]),
    )),
    "playlist_positions": Family("playlists", lambda m: fam(m, "playlists")["position_rows"], (
        Measure("SELECT count(*) FROM (SELECT DISTINCT platform_code, playlist_id, isrc, added_on FROM {rows})",
                lambda m: len(fam(m, "playlists")["episodes"])),
    )),
    "charts": Family("charts", lambda m: fam(m, "charts")["rows"], (
        Measure("SELECT count(DISTINCT chart_week_ending) FROM {rows}", lambda m: len(fam(m, "charts")["weeks"])),
        Measure("SELECT count(DISTINCT territory_code) FROM {rows}", lambda m: len(fam(m, "charts")["territories"])),
    )),
    "audience": Family("audience", lambda m: fam(m, "audience")["rows"], (
        # each breakdown (age and gender, country) adds up to the platform's listeners
        Measure("SELECT platform_code, sum(listeners) FROM {rows} WHERE breakdown = 'country' GROUP BY 1",
                lambda m: _sum_months(fam(m, "audience")["listeners_by_month"]), lambda e: e["listeners_by_platform"]),
        Measure("SELECT platform_code, sum(listeners) FROM {rows} WHERE breakdown = 'age_gender' GROUP BY 1",
                lambda m: _sum_months(fam(m, "audience")["listeners_by_month"]), lambda e: e["listeners_by_platform"]),
    )),
    "audience_overlap": Family("audience_overlap", lambda m: fam(m, "audience_overlap")["rows"], (
        Measure("SELECT sum(shared_listeners) FROM {rows}", lambda m: fam(m, "audience_overlap")["shared_listeners"]),
    )),
    "radio": Family("radio", lambda m: fam(m, "radio")["plays"], (
        Measure("SELECT sum(audience_estimate) FROM {rows}", lambda m: fam(m, "radio")["audience_estimate"],
                lambda e: e["audience_estimate"]),
        Measure("SELECT sum(duration_played_s) FROM {rows}", lambda m: fam(m, "radio")["seconds_played"],
                lambda e: e["seconds_played"]),
        Measure("SELECT count(isrc) FROM {rows}", lambda m: fam(m, "radio")["rows_with_isrc"],
                lambda e: e["rows_with_isrc"]),
    )),
    "surveys": Family("surveys", lambda m: fam(m, "surveys")["rows"], (
        # a cell's respondents repeat on each artist's row
        Measure("SELECT sum(respondents) FROM (SELECT DISTINCT wave, territory_code, age_band, gender, respondents "
                "FROM {rows})", lambda m: fam(m, "surveys")["respondents"], lambda e: e["respondents"]),
    )),
    "marketing": Family("marketing", lambda m: fam(m, "marketing")["activities"], (
        Measure("SELECT currency, sum(spend) FROM {rows} GROUP BY 1",
                lambda m: as_decimals(fam(m, "marketing")["spend_by_currency"]),
                lambda e: as_decimals(e["spend_by_currency"])),
    )),
}

# sources the demo collects from its stand-ins of remote systems (orchestration/simulated_platforms.py): their
# files are written by the collectors, so the manifest has no entry per file, only the family's truth
COLLECTED_FAMILIES: dict[str, Family] = {
    "social": Family("social_engagement", lambda m: fam(m, "social_engagement")["expected"]["landed"], (
        Measure("SELECT network, sum(video_views) FROM {rows} GROUP BY 1",
                lambda m: {n: s["video_views"] for n, s in fam(m, "social_engagement")["sums_by_network"].items()}),
        Measure("SELECT network, sum(likes) FROM {rows} GROUP BY 1",
                lambda m: {n: s["likes"] for n, s in fam(m, "social_engagement")["sums_by_network"].items()}),
    )),
    "webhooks": Family("playlist_events", lambda m: fam(m, "playlist_events")["expected"]["landed"], (
        Measure("SELECT sum(position) FROM {rows}", lambda m: fam(m, "playlist_events")["position_sum"]),
    )),
    "airbyte": Family("merch_orders", lambda m: fam(m, "merch_orders")["rows"], (
        Measure("SELECT sum(quantity) FROM {rows}", lambda m: fam(m, "merch_orders")["quantity"]),
        Measure("SELECT currency, sum(quantity * unit_price) FROM {rows} GROUP BY 1",
                lambda m: as_decimals(fam(m, "merch_orders")["revenue_by_currency"])),
    )),
}
# families the demo does not collect, and why (their own tests land them)
NOT_IN_THE_DEMO = {
    "distribution_catalogue": "the pull needs a PostgreSQL server (TM_DISTRIBUTION_DSN); "
                              "tests/collectors/test_postgres_catalogue.py lands it from a throwaway cluster",
}
COLLECTED_SOURCE_OF = {"social_engagement": "social", "playlist_events": "webhooks", "merch_orders": "airbyte",
                       "distribution_catalogue": "distribution_db"}


def _sum_months(by_month: dict[str, dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for by_platform in by_month.values():
        for platform, n in by_platform.items():
            out[platform] = out.get(platform, 0) + n
    return out


def _table(source: str) -> str:
    return next(c.raw_table for c in ALL_CONNECTORS if c.source == source)


@pytest.fixture(scope="module")
def warehouse(pipeline_run) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(pipeline_run.warehouse_path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def ledger(warehouse) -> dict[str, FileResult]:
    return ledger_results(warehouse)


def _value(con: duckdb.DuckDBPyConnection, sql: str, rows: str, params: list) -> Any:
    result = con.execute(sql.format(rows=rows), params).fetchall()
    if result and len(result[0]) == 2:
        return {key: value for key, value in result if value is not None}
    return result[0][0]


def _check_family(con: duckdb.DuckDBPyConnection, manifest: Manifest, source: str, family: Family,
                  files: list[dict]) -> list[str]:
    """Every difference between a raw table and the manifest's truth, as sentences (empty: none)."""
    table, wrong = _table(source), []
    rows = family.rows(manifest) if family.rows else sum(f["expected"]["landed"] for f in files)
    found = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if found != rows:
        wrong.append(f"{table}: {found} rows, the manifest says {rows}")
    for measure in family.measures:
        if measure.total is not None:
            got, want = _value(con, measure.sql, table, []), measure.total(manifest)
            if got != want:
                wrong.append(f"{table}: {measure.sql} is {got}, the manifest says {want}")
    for f in files:  # file by file: the rows each delivery landed and its own figures
        one_file = f"(SELECT * FROM {table} WHERE _file_name = ?)"
        got = con.execute(f"SELECT count(*) FROM {one_file}", [f["file"]]).fetchone()[0]
        if got != f["expected"]["landed"]:
            wrong.append(f"{f['file']}: {got} rows in {table}, the manifest expects {f['expected']['landed']}")
        if not f["expected"]["landed"]:
            continue
        for measure in (m for m in family.measures if m.per_file is not None):
            got, want = _value(con, measure.sql, one_file, [f["file"]]), measure.per_file(f)
            if got != want:
                wrong.append(f"{f['file']}: {measure.sql} is {got}, its manifest entry says {want}")
    return wrong


def test_every_family_of_the_manifest_is_declared_here(pipeline_run) -> None:
    """A family added to the generator must say here where its truth is, or this test fails."""
    manifest = pipeline_run.manifest
    assert {f["source"] for f in manifest["files"]} == set(FILE_FAMILIES)
    declared = {d.family for d in (*FILE_FAMILIES.values(), *COLLECTED_FAMILIES.values()) if d.family}
    assert set(manifest["families"]) == declared | set(NOT_IN_THE_DEMO)
    assert {COLLECTED_SOURCE_OF[f] for f in (*NOT_IN_THE_DEMO, *(d.family for d in COLLECTED_FAMILIES.values()))} \
        == {c.source for c in COLLECTED_CONNECTORS}
    # the default sample holds every extra the generator knows
    from ingestion.generator.params import EXTRAS

    assert manifest["params"]["extras"] == list(EXTRAS)


def test_every_family_is_a_materialised_dagster_asset_with_its_checks(pipeline_run) -> None:
    summary = pipeline_run.summary
    checks = {(c["asset"], c["check"]): c for c in summary["checks"]}
    for source in (*FILE_FAMILIES, *COLLECTED_FAMILIES):
        asset = f"raw/{_table(source).removeprefix('raw.')}"
        assert asset in summary["materialized"], asset
        assert checks[(asset, "gx_raw_suite")]["passed"], checks[(asset, "gx_raw_suite")]["description"]
        assert (asset, "collection_completeness") in checks


def test_every_file_is_in_the_ledger_as_its_manifest_entry_expects(pipeline_run, ledger) -> None:
    entries = assert_files_land_as_expected(ledger, pipeline_run.manifest, set(FILE_FAMILIES))
    assert len(entries) == len(pipeline_run.manifest["files"])
    for f in entries:  # and the ledger balances: read = landed + quarantined + skipped duplicates
        r = ledger[f["file"]]
        assert r.rows_read == r.rows_landed + r.rows_quarantined + r.rows_duplicate, f["file"]
        assert r.sha256 == f["sha256"], f["file"]


def test_every_raw_table_holds_its_familys_rows_and_measures(pipeline_run, warehouse) -> None:
    manifest = pipeline_run.manifest
    wrong: list[str] = []
    for source, family in FILE_FAMILIES.items():
        files = [f for f in manifest["files"] if f["source"] == source]
        wrong += _check_family(warehouse, manifest, source, family, files)
    assert not wrong, "\n".join(wrong)


def test_the_daily_feeds_hold_every_landed_version_to_the_cent(pipeline_run, warehouse) -> None:
    """The raw layer keeps superseded versions too: its revenue per currency is the manifest's
    all_landed_versions; the marts keep the latest (test_pipeline.py reconciles them to the totals)."""
    union = " UNION ALL ".join(f"SELECT currency, revenue FROM {_table(p)}"
                               for p in pipeline_run.manifest["totals"]["streams_by_platform"])
    by_currency = dict(warehouse.execute(f"SELECT currency, sum(revenue) FROM ({union}) GROUP BY 1").fetchall())
    assert by_currency == as_decimals(landed_versions(pipeline_run.manifest)["revenue_by_currency"])


def test_the_collected_families_land_their_truth(pipeline_run, warehouse, ledger) -> None:
    manifest = pipeline_run.manifest
    wrong: list[str] = []
    for source, family in COLLECTED_FAMILIES.items():
        wrong += _check_family(warehouse, manifest, source, family, [])
        expected = fam(manifest, family.family).get("expected")
        if expected:  # what the collector's files landed and quarantined, over all of them
            landed = [r for r in ledger.values() if r.source == source and r.status == "landed"]
            got = {"landed": sum(r.rows_landed for r in landed), "quarantined": sum(r.rows_quarantined for r in landed)}
            if got != expected:
                wrong.append(f"{source}: the ledger says {got}, the manifest expects {expected}")
    assert not wrong, "\n".join(wrong)
    for family in NOT_IN_THE_DEMO:
        source = COLLECTED_SOURCE_OF[family]
        assert not [r for r in ledger.values() if r.source == source]
        assert warehouse.execute(f"SELECT count(*) FROM {_table(source)}").fetchone()[0] == 0


def test_the_restatement_lands_as_version_2_beside_version_1(pipeline_run, warehouse, ledger) -> None:
    assert_restatement_lands_as_version_2(warehouse, ledger, pipeline_run.manifest)


def test_the_late_file_lands_into_its_own_period(pipeline_run, warehouse, ledger) -> None:
    assert_late_file_lands_in_its_own_period(warehouse, ledger, pipeline_run.manifest)


def test_the_renamed_redelivery_lands_nothing(pipeline_run, warehouse, ledger) -> None:
    copies = assert_redelivered_copies_land_nothing(warehouse, ledger, pipeline_run.manifest)
    assert all(Path(f["file"]).name != Path(f["redelivery_of"]).name for f in copies)  # renamed, same bytes


def test_the_drifted_file_is_refused_and_the_run_says_so(pipeline_run, warehouse, ledger) -> None:
    """Schema drift is refused by design: the ledger names the column, the summary shows it, the run succeeds,
    and collection monitoring warns (never blocks) that the month has no landed report."""
    manifest = pipeline_run.manifest
    assert_drifted_file_is_rejected(warehouse, ledger, manifest)
    (drift,) = fam(manifest, "daily_streams")["schema_drift"]
    assert pipeline_run.returncode == 0 and pipeline_run.summary["success"]
    assert "refused 1" in pipeline_run.output and drift["file"] in pipeline_run.output
    assert drift["error"] in pipeline_run.output
    table = _table(drift["platform"]).removeprefix("raw.")
    reported = {f["file"]: f for f in pipeline_run.summary["files"][table]}
    assert reported[drift["file"]]["status"] == drift["status"] and drift["error"] in reported[drift["file"]]["error"]
    monitoring = {c["check"]: c for c in pipeline_run.summary["checks"] if c["asset"] == f"raw/{table}"}
    completeness = monitoring["collection_completeness"]
    assert (completeness["passed"], completeness["severity"]) == (False, "WARN")
    missing = [r["period"] for r in fam(manifest, "daily_streams")["missing_reports"]
               if r["platform"] == drift["platform"]]
    assert all(period in completeness["description"] for period in [drift["period"], *missing])
    assert not [c for c in pipeline_run.summary["checks"] if not c["passed"] and c["severity"] == "ERROR"]


def test_unknown_isrcs_count_in_the_marts_but_get_no_forecast(pipeline_run) -> None:
    """Usage of ISRCs the catalogue does not hold is valid usage: it counts in the totals (the manifest's truth
    rules) as 'Unmatched', and it is nobody's track to forecast."""
    unknown = fam(pipeline_run.manifest, "daily_streams")["unknown_isrcs"]
    assert unknown["rows"] > 0 and not set(unknown["isrcs"]) & set(pipeline_run.manifest["hidden"]["tracks"])
    con = duckdb.connect(str(pipeline_run.serving_path), read_only=True)
    try:
        unmatched = con.execute("SELECT count(*), sum(streams), list(DISTINCT isrc ORDER BY isrc) "
                                "FROM marts.rpt_performance_overview WHERE label_name = 'Unmatched'").fetchone()
        forecast = {i for (i,) in con.execute("SELECT DISTINCT isrc FROM ml.track_stream_forecast").fetchall()}
    finally:
        con.close()
    assert unmatched == (unknown["rows"], unknown["streams"], sorted(unknown["isrcs"]))
    assert forecast and forecast <= set(pipeline_run.manifest["hidden"]["tracks"])


def test_the_latest_catalogue_export_wins_in_the_marts(pipeline_run) -> None:
    truth = fam(pipeline_run.manifest, "catalogue")
    assert len(truth["exports"]) == 2 and truth["changes"]
    con = duckdb.connect(str(pipeline_run.serving_path), read_only=True)
    try:
        tracks = {isrc: {"track_title": title, "label_name": label} for isrc, title, label in con.execute(
            "SELECT isrc, track_title, label_name FROM marts.dim_track").fetchall()}
    finally:
        con.close()
    assert len(tracks) == pipeline_run.manifest["catalogue"]["tracks"]
    for change in truth["changes"]:
        after = {k: v for k, v in change["after"].items() if k in ("track_title", "label_name")}
        assert after
        for isrc in change["isrcs"]:
            assert {k: tracks[isrc][k] for k in after} == after, (change["kind"], isrc)
