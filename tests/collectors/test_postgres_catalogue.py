"""Database pull: the distribution system's catalogue in a throwaway PostgreSQL, extracted by updated_at."""

from __future__ import annotations

import contextlib
import csv

import psycopg2
import pytest

from ingestion.collectors import CollectorError, load_state
from ingestion.collectors.postgres_catalogue import pull_catalogue
from ingestion.connectors.distribution_db import DISTRIBUTION_CATALOGUE
from ingestion.contract import land_source
from tests.support.postgres import apply_distribution_changes, load_distribution_db


def _rows(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_incremental_extracts_are_the_change_history(sample, landing, warehouse, pg_dsn) -> None:
    truth = sample.truth("distribution_catalogue")
    fixtures = sample.fixtures / "distribution_db"
    assert load_distribution_db(pg_dsn, fixtures) == truth["tracks"]

    first = pull_catalogue(pg_dsn, landing)
    assert first.file.name == "catalogue_extract_000001.csv" and first.rows == truth["tracks"]
    extract = _rows(first.file)
    stamps = [r["updated_at"] for r in extract]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps) - 1  # the tie is there, both rows read
    assert first.watermark_after == {"updated_at": stamps[-1], "key": extract[-1]["isrc"]}

    assert pull_catalogue(pg_dsn, landing).file is None  # nothing changed: no file, same watermark

    assert apply_distribution_changes(pg_dsn, fixtures, batch=1) == truth["changes_by_batch"]["1"]
    second = pull_catalogue(pg_dsn, landing)
    assert second.rows == truth["changes_by_batch"]["1"] and second.watermark_before == first.watermark_after
    assert apply_distribution_changes(pg_dsn, fixtures, batch=2) == truth["changes_by_batch"]["2"]
    third = pull_catalogue(pg_dsn, landing)
    assert [r["isrc"] for r in _rows(third.file)] == truth["edited_twice"]
    assert load_state(landing, "postgres_catalogue")["extracts"] == 3
    assert sorted(p.name for p in (landing / "distribution_db").iterdir()) == [
        "catalogue_extract_000001.csv", "catalogue_extract_000002.csv", "catalogue_extract_000003.csv"]

    results = land_source(warehouse, DISTRIBUTION_CATALOGUE, landing)
    assert [r.status for r in results] == ["landed"] * 3 and all(r.balanced for r in results)
    assert sum(r.rows_landed for r in results) == truth["rows_in_all_extracts"]
    assert sum(r.rows_quarantined for r in results) == 0
    versions = dict(warehouse.execute(
        "SELECT isrc, count(*) FROM raw.distribution_db__tracks GROUP BY 1").fetchall())
    assert len(versions) == truth["tracks"]
    assert versions[truth["edited_twice"][0]] == 3
    assert sum(v - 1 for v in versions.values()) == truth["changes"]
    latest = warehouse.execute("""
        SELECT sum(duration_seconds) FROM (
            SELECT duration_seconds, row_number() OVER (PARTITION BY isrc ORDER BY updated_at DESC) AS k
            FROM raw.distribution_db__tracks) WHERE k = 1""").fetchone()[0]
    assert latest == truth["duration_seconds_final"]
    initial = warehouse.execute("""SELECT sum(duration_seconds) FROM raw.distribution_db__tracks
                                   WHERE _file_name LIKE '%extract_000001.csv'""").fetchone()[0]
    assert initial == truth["duration_seconds_initial"]


def test_rows_sharing_the_watermark_timestamp_are_not_lost(sample, landing, pg_dsn) -> None:
    load_distribution_db(pg_dsn, sample.fixtures / "distribution_db")
    first = pull_catalogue(pg_dsn, landing)
    mark = first.watermark_after
    with contextlib.closing(psycopg2.connect(pg_dsn)) as con, con, con.cursor() as cur:
        # a row written later with the very same updated_at, its key sorting after the watermark's
        cur.execute("""INSERT INTO distribution.tracks SELECT 'ZZZZZ9900001', track_title, artist_name, release_title,
                           upc, release_date, label_name, genre, duration_seconds, %s FROM distribution.tracks
                       LIMIT 1""", [mark["updated_at"]])
    second = pull_catalogue(pg_dsn, landing)
    assert [r["isrc"] for r in _rows(second.file)] == ["ZZZZZ9900001"]
    assert second.watermark_after == {"updated_at": mark["updated_at"], "key": "ZZZZZ9900001"}


def test_an_unreachable_database_leaves_nothing(landing) -> None:
    with pytest.raises(CollectorError, match="cannot connect"):
        pull_catalogue("host=127.0.0.1 port=1 user=postgres dbname=none connect_timeout=2", landing)
    assert list((landing / "distribution_db").iterdir()) == []
    assert load_state(landing, "postgres_catalogue") == {}
