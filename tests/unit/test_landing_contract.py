"""The landing contract: counts balance per file, bad lines are quarantined, loads are atomic and idempotent."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion import contract
from ingestion.connectors import CONNECTORS, DEEZER, SPOTIFY
from ingestion.contract import ensure_schema, land_file, land_source
from ingestion.generator import GeneratorParams, generate


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The spine's files (no extras): the connectors of CONNECTORS land all of them. The extras' files, and the
    faults that need the latest-version rule, land in tests/unit/test_families_*.py and tests/e2e/."""
    landing = tmp_path_factory.mktemp("landing")
    return landing, generate(GeneratorParams(target_rows=20_000, extras=()), landing)


@pytest.fixture()
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "wh.duckdb"))
    ensure_schema(connection, CONNECTORS)
    yield connection
    connection.close()


def _count(con, sql: str, params=None) -> int:
    return con.execute(sql, params or []).fetchone()[0]


def test_every_file_lands_as_the_manifest_says(sample, con) -> None:
    landing, manifest = sample
    results = {r.file_name: r for c in CONNECTORS for r in land_source(con, c, landing)}
    for entry in manifest["files"]:
        r = results[entry["file"]]
        exp = entry["expected"]
        assert (r.rows_read, r.rows_landed, r.rows_quarantined, r.rows_duplicate) == (
            entry["data_lines"], exp["landed"], exp["quarantined"], exp["duplicates"]), entry["file"]
        assert r.balanced
    landed_streams = _count(con, "SELECT sum(streams) FROM (SELECT streams FROM raw.spotify__daily_streams UNION ALL "
                                 "SELECT streams FROM raw.apple_music__daily_streams UNION ALL "
                                 "SELECT streams FROM raw.deezer__daily_streams)")
    assert landed_streams == manifest["totals"]["streams"]
    # lineage: every raw row points to its file and line
    assert _count(con, "SELECT count(*) FROM raw.deezer__daily_streams WHERE _file_name IS NULL "
                       "OR _line_number < 2") == 0


def test_landing_again_is_a_no_op(sample, con) -> None:
    landing, _ = sample
    land_source(con, SPOTIFY, landing)
    rows, ledger = _count(con, "SELECT count(*) FROM raw.spotify__daily_streams"), _count(con, "SELECT count(*) "
                                                                                            "FROM raw._ledger")
    again = land_source(con, SPOTIFY, landing)
    assert {r.status for r in again} == {"already_seen"}
    assert _count(con, "SELECT count(*) FROM raw.spotify__daily_streams") == rows
    assert _count(con, "SELECT count(*) FROM raw._ledger") == ledger


def test_a_wrong_header_rejects_the_whole_file(tmp_path: Path, con) -> None:
    folder = tmp_path / "landing" / "deezer"
    folder.mkdir(parents=True)
    path = folder / "deezer_streams_209901.csv"
    path.write_text("Day;Country;ISRC;Title;Artist;Streams;Revenue;Currency\n"
                    "01/01/2099;DE;DEABC9900001;T;A;3;0,01;EUR\n")
    result = land_file(con, DEEZER, path, tmp_path / "landing")
    assert result.status == "rejected"
    assert "schema drift: column 'Country' arrived where 'Territory' was expected" in result.error
    assert _count(con, "SELECT count(*) FROM raw.deezer__daily_streams") == 0
    assert con.execute("SELECT status, rows_landed FROM raw._ledger").fetchall() == [("rejected", 0)]


def test_a_failed_load_leaves_nothing_and_is_retried(sample, tmp_path: Path, con, monkeypatch) -> None:
    landing, manifest = sample
    entry = next(f for f in manifest["files"] if f["file"].startswith("deezer/"))
    real = contract._finish_ledger
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(contract, "_finish_ledger", flaky)
    failed = land_file(con, DEEZER, landing / entry["file"], landing)
    assert failed.status == "failed" and "disk full" in failed.error
    assert _count(con, "SELECT count(*) FROM raw.deezer__daily_streams") == 0
    assert _count(con, "SELECT count(*) FROM raw._quarantine") == 0
    retried = land_file(con, DEEZER, landing / entry["file"], landing)
    assert retried.status == "landed" and retried.rows_landed == entry["expected"]["landed"]
    assert _count(con, "SELECT count(*) FROM raw.deezer__daily_streams") == entry["expected"]["landed"]


def test_a_renamed_copy_is_a_duplicate_delivery(sample, tmp_path: Path, con) -> None:
    landing, manifest = sample
    entry = next(f for f in manifest["files"] if f["file"].startswith("deezer/"))
    copy_dir = tmp_path / "landing2"
    shutil.copytree(landing / "deezer", copy_dir / "deezer")
    first = land_file(con, DEEZER, copy_dir / entry["file"], copy_dir)
    renamed = copy_dir / "deezer" / "deezer_streams_209912.csv"
    shutil.copyfile(copy_dir / entry["file"], renamed)
    second = land_file(con, DEEZER, renamed, copy_dir)
    assert first.status == "landed"
    assert (second.status, second.duplicate_of, second.rows_landed, second.rows_duplicate) == (
        "duplicate_file", entry["file"], 0, entry["data_lines"])
    assert _count(con, "SELECT count(*) FROM raw.deezer__daily_streams") == entry["expected"]["landed"]


def test_quoted_cells_blank_lines_and_crlf(tmp_path: Path, con) -> None:
    folder = tmp_path / "landing" / "spotify"
    folder.mkdir(parents=True)
    path = folder / "spotify_daily_streams_2099-01.csv"
    path.write_bytes(b'date,country,isrc,track_name,artist_name,streams,estimated_revenue_eur\r\n'
                     b'2099-01-01,DE,DEABC9900001,"Hello, World",The Band,10,0.031\r\n'
                     b'\r\n'
                     b'2099-01-02,de,de-abc-99-00001,"Hello, World",The Band,-3,0.0\r\n')
    result = land_file(con, SPOTIFY, path, tmp_path / "landing")
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (2, 1, 1)
    assert con.execute("SELECT track_title, streams, revenue, currency FROM raw.spotify__daily_streams").fetchall() \
        == [("Hello, World", 10, Decimal("0.031000"), "EUR")]
    line, code = con.execute("SELECT line_number, reason_code FROM raw._quarantine").fetchone()
    assert (line, code) == (4, "invalid_integer")
