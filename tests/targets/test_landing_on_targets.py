"""The landing contract on PostgreSQL and on ClickHouse (the real engine, in-process through chDB): the same ledger,
the same rows and the same sums as on DuckDB, and the manifest's counts per file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ingestion.connectors import DEEZER, SPOTIFY, USAGE_CONNECTORS
from ingestion.targets import Target, land_source_to, open_target
from ingestion.targets.clickhouse import ClickHouseTarget
from ingestion.targets.postgres import PostgresTarget
from tests.support.targets import LANDED, copy_files, snapshot

SOURCES = {c.source for c in LANDED}


@pytest.fixture(params=["postgres", "clickhouse"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "postgres":
        opened = open_target("postgres", postgres_dsn=request.getfixturevalue("pg_dsn"))
    else:
        opened = open_target("clickhouse", clickhouse_path=request.getfixturevalue("chdb_path"))
    yield opened
    opened.close()


def _land_all(target: Target, landing: Path) -> dict[str, Any]:
    target.ensure_schema(LANDED)
    return {r.file_name: r for c in LANDED for r in land_source_to(target, c, landing)}


def test_the_sample_lands_as_the_manifest_says_and_as_on_duckdb(target: Target, sample, duckdb_reference) -> None:
    landing, manifest = sample
    results = _land_all(target, landing)
    landed = snapshot(target)
    files = [f for f in manifest["files"] if f["source"] in SOURCES]
    assert len(results) == len(files) == len(landed["ledger"])

    for f in files:  # per file: the manifest's expected outcome, in the result and in the target's ledger
        exp = f["expected"]
        status, read, rows, quarantined, duplicates, version, duplicate_of = landed["ledger"][f["file"]]
        assert (status, rows, quarantined, duplicates) == (
            exp.get("status", "landed"), exp["landed"], exp["quarantined"], exp["duplicates"]), f["file"]
        if status in ("landed", "duplicate_file"):
            assert read == exp.get("read", f["data_lines"]) == rows + quarantined + duplicates, f["file"]
        if status == "landed" and f.get("delivery_version"):
            assert version == f["delivery_version"], f["file"]
        assert duplicate_of == f.get("redelivery_of"), f["file"]
        r = results[f["file"]]
        assert (r.status, r.rows_landed, r.rows_quarantined, r.rows_duplicate) == (status, rows, quarantined,
                                                                                   duplicates)
        assert r.batch_no > 0 and r.balanced

    # the raw views hold every landed version (the views do not apply supersession): the manifest's totals of that
    truth = manifest["families"]["daily_streams"]["all_landed_versions"]
    for connector in USAGE_CONNECTORS:
        count, streams, _ = landed["tables"][connector.table]
        assert (count, streams) == (truth["rows_by_platform"][connector.source],
                                    truth["streams_by_platform"][connector.source]), connector.source
    usage = " UNION ALL ".join(f"SELECT currency, revenue FROM {c.raw_table}" for c in USAGE_CONNECTORS)
    revenue = {cur: Decimal(total) for cur, total in target.query(
        f"SELECT currency, sum(revenue) FROM ({usage}) AS u GROUP BY currency")}
    assert revenue == {cur: Decimal(total) for cur, total in truth["revenue_by_currency"].items()}
    for connector in LANDED:  # every other table: the manifest's landed rows
        expected_rows = sum(f["expected"]["landed"] for f in files if f["source"] == connector.source)
        assert landed["tables"][connector.table][0] == expected_rows, connector.table
    assert landed["quarantine"] == sorted((f["file"], q["line"], q["reason"]) for f in files
                                          for q in f["quarantined_lines"])
    # exactly what DuckDB landed: the same outcome per file, the same counts and the same exact sums
    assert landed == duckdb_reference
    # lineage on every row, as on DuckDB
    assert target.query(f"SELECT count(*) FROM {DEEZER.raw_table} WHERE _file_name IS NULL OR _line_number < 2 "
                        "OR _batch_id IS NULL OR _file_sha256 IS NULL OR _loaded_at IS NULL")[0][0] == 0

    again = [r for c in LANDED for r in land_source_to(target, c, landing)]
    assert {r.status for r in again} == {"already_seen"}
    assert snapshot(target) == landed


def test_decisions_follow_the_targets_history(target: Target, sample, tmp_path: Path) -> None:
    """A later landing, with a fresh engine, decides against what the target already holds: the restated month is
    delivery version 2, the re-delivered copy and a renamed copy are duplicate deliveries."""
    landing, manifest = sample
    spotify = [f for f in manifest["files"] if f["source"] == "spotify"]
    first = [f for f in spotify if f.get("delivery_version") == 1 and not f["redelivery_of"]]
    later = {f["file"]: f for f in spotify if f not in first}
    assert any(f.get("delivery_version") == 2 for f in later.values())
    assert any(f["redelivery_of"] for f in later.values())
    target.ensure_schema([SPOTIFY])

    land_source_to(target, SPOTIFY, copy_files(landing, tmp_path / "first", [f["file"] for f in first]))
    results = {r.file_name: r for r in land_source_to(target, SPOTIFY, landing)}
    for name, r in results.items():
        if name not in later:
            assert r.status == "already_seen", name
            continue
        exp = later[name]["expected"]
        assert (r.status, r.rows_landed, r.rows_duplicate, r.duplicate_of) == (
            exp["status"], exp["landed"], exp["duplicates"], later[name]["redelivery_of"]), name
        if r.status == "landed":
            assert r.delivery_version == later[name]["delivery_version"] == 2
    truth = manifest["families"]["daily_streams"]["all_landed_versions"]
    totals = (truth["rows_by_platform"]["spotify"], truth["streams_by_platform"]["spotify"])
    assert tuple(int(v) for v in target.query(f"SELECT count(*), sum(streams) FROM {SPOTIFY.raw_table}")[0]) == totals

    original = first[0]
    renamed = tmp_path / "renamed" / "spotify" / "spotify_daily_streams_2099-12.csv"
    renamed.parent.mkdir(parents=True)
    shutil.copyfile(landing / original["file"], renamed)
    (copy,) = land_source_to(target, SPOTIFY, tmp_path / "renamed")
    assert (copy.status, copy.duplicate_of, copy.rows_landed, copy.rows_duplicate) == (
        "duplicate_file", original["file"], 0, original["data_lines"])
    assert target.query("SELECT status FROM raw._ledger WHERE file_name = 'spotify/spotify_daily_streams_2099-12.csv'"
                        ) == [("duplicate_file",)]
    assert tuple(int(v) for v in target.query(f"SELECT count(*), sum(streams) FROM {SPOTIFY.raw_table}")[0]) == totals


def test_a_failed_publish_leaves_nothing_and_is_retried(target: Target, sample, monkeypatch) -> None:
    """The target refuses part of a batch (here: its quarantined lines): the batch is 'failed' on the target,
    nothing of it is visible or stored, and the next landing lands it whole."""
    landing, manifest = sample
    entry = next(f for f in manifest["files"] if f["source"] == "deezer" and f["expected"]["quarantined"])
    step = "_copy_quarantine" if isinstance(target, PostgresTarget) else "_insert_quarantine"
    real, calls = getattr(type(target), step), {"n": 0}

    def flaky(self, *args):  # (cursor, batch) on PostgreSQL, (batch) on ClickHouse
        calls["n"] += 1
        if args[-1].result.file_name == entry["file"] and calls["n"] == 1:
            raise OSError("disk full")
        return real(self, *args)

    monkeypatch.setattr(type(target), step, flaky)
    target.ensure_schema([DEEZER])
    only = copy_files(landing, landing.parent / f"one_{target.name}", [entry["file"]])
    (failed,) = land_source_to(target, DEEZER, only)
    assert failed.status == "failed" and "disk full" in failed.error
    assert target.query(f"SELECT count(*) FROM {DEEZER.raw_table}")[0][0] == 0
    assert target.query(f"SELECT count(*) FROM {DEEZER.rows_table}")[0][0] == 0
    assert target.query("SELECT count(*) FROM raw._quarantine")[0][0] == 0
    assert target.query("SELECT status, rows_landed FROM raw._ledger") == [("failed", 0)]

    (retried,) = land_source_to(target, DEEZER, only)
    assert (retried.status, retried.rows_landed, retried.rows_quarantined) == (
        "landed", entry["expected"]["landed"], entry["expected"]["quarantined"])
    assert target.query(f"SELECT count(*) FROM {DEEZER.raw_table}")[0][0] == entry["expected"]["landed"]
    assert target.query("SELECT count(*) FROM raw._quarantine")[0][0] == entry["expected"]["quarantined"]


def test_relations_have_duckdbs_names_and_order(target: Target, duckdb_reference) -> None:
    """dbt reads the same sources on every target: every relation has DuckDB's columns, in DuckDB's order."""
    from ingestion.targets import DuckDBTarget

    relations = ["_ledger", "_quarantine", *(c.table for c in LANDED), *(c.table + "__rows" for c in LANDED)]
    sql = ("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'raw' "
           "ORDER BY table_name, ordinal_position")

    def columns(t: Target) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for table, column in t.query(sql):
            found.setdefault(table, []).append(column)
        return {name: found.get(name) for name in relations}

    target.ensure_schema(LANDED)
    with DuckDBTarget() as duck:
        duck.ensure_schema(LANDED)
        assert columns(target) == columns(duck)
    if isinstance(target, ClickHouseTarget):  # the physical design the module explains
        assert target.query("SELECT sorting_key FROM system.tables WHERE database = 'raw' "
                            "AND name = 'deezer__daily_streams__rows'") == [("_batch_no, _line_number",)]
        assert target.query("SELECT engine FROM system.tables WHERE database = 'raw' AND name = '_ledger__versions'"
                            ) == [("ReplacingMergeTree",)]
    else:
        assert target.query("SELECT indexdef LIKE '%USING brin (_batch_no)%' FROM pg_indexes "
                            "WHERE schemaname = 'raw' AND tablename = 'deezer__daily_streams__rows'") == [(True,)]


def test_two_landings_of_one_source_on_postgres_take_turns(sample, pg_dsn: str) -> None:
    """PostgreSQL takes landings in parallel (a lock per source): two processes landing the same source at once
    land each file once; the second waits, then finds every file in the ledger."""
    from concurrent.futures import ThreadPoolExecutor

    landing, manifest = sample
    deezer = [f for f in manifest["files"] if f["source"] == "deezer"]

    def land() -> list[str]:
        with PostgresTarget(pg_dsn) as target:
            target.ensure_schema([DEEZER])
            return [r.status for r in land_source_to(target, DEEZER, landing)]

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted((pool.submit(land), pool.submit(land)), key=lambda f: f.result().count("already_seen"))
    first, second = (o.result() for o in outcomes)
    assert set(second) == {"already_seen"} and "already_seen" not in first
    with PostgresTarget(pg_dsn) as target:
        assert target.query("SELECT count(*), count(DISTINCT file_name) FROM raw._ledger") == [(len(deezer),) * 2]
        assert target.query(f"SELECT count(*) FROM {DEEZER.raw_table}")[0][0] == sum(
            f["expected"]["landed"] for f in deezer)
