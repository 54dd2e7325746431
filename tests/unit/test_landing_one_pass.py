"""The one-pass load and the careful path land the same rows, with the same values and line numbers, and
quarantine the same lines for the same reasons, whatever the cells look like.

The one-pass load lets DuckDB's CSV reader parse dates itself (Field.native) and validates the rest in SQL;
the careful path reads text and casts everything in SQL. Cells here are chosen to sit on the borders of
each kind (padding, unpadded dates, signs, decimals, separators in ISRCs, empty and blank cells, quotes).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion import contract
from ingestion.connectors import SPOTIFY
from ingestion.contract import ensure_schema, land_file

dates = st.sampled_from(["2025-09-01", "2025-9-1", " 2025-09-02", "2025-09-03 ", "2025-02-30", "20250904",
                         "2025/09/05", "", "2025-09-06T00:00:00", "9999-12-31", "0001-01-01"])
codes = st.sampled_from(["GB", "gb", " US", "USA", "", "G1", "DE "])
isrcs = st.sampled_from(["GBABC2500001", "gb-abc-25-00001", "ISRC GBABC2500002", "GBABC250000", "GB ABC 25 00003",
                         " GBABC2500004 ", "", "12ABC2500005"])
texts = st.sampled_from(["Song", " Song ", "  ", "", "Sœur, \"live\"", "x"])
counts = st.sampled_from(["0", "12", " 7 ", "-1", "1.5", "1e3", "007", "+4", "", "99999999999999999999"])
money = st.sampled_from(["0.5", "1.123456", "1.1234567", "-0.25", "3", ".5", "1,5", "", " 2.5"])
row = st.tuples(dates, codes, isrcs, texts, texts, counts, money)


def _write(path: Path, rows: list[tuple[str, ...]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SPOTIFY.header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _land(tmp: Path, path: Path, *, one_pass: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as patch:
        if not one_pass:
            patch.setattr(contract, "_land_in_one_pass", lambda *a, **k: False)
        db = tmp / f"{'one' if one_pass else 'careful'}.duckdb"
        db.unlink(missing_ok=True)
        con = duckdb.connect(str(db))
        try:
            ensure_schema(con, [SPOTIFY])
            result = land_file(con, SPOTIFY, path, tmp)
            rows = sorted(con.execute(f"SELECT * EXCLUDE (_batch_id, _loaded_at) FROM {SPOTIFY.raw_table}").fetchall())
            quarantined = sorted(con.execute("SELECT line_number, reason_code FROM raw._quarantine").fetchall())
        finally:
            con.close()
    return result, rows, quarantined


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=12), clean_rows=st.integers(0, 3))
def test_one_pass_and_careful_path_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows, clean_rows) -> None:
    # a few certainly valid rows too, so that some files are entirely clean and stay on the one-pass path
    rows = [("2025-09-01", "GB", "GBABC2500001", "Song", "Artist", "1", "0.5")] * clean_rows + rows
    path = tmp_path / "spotify_daily_streams_2025-09.csv"
    _write(path, rows)
    fast, fast_rows, fast_q = _land(tmp_path, path, one_pass=True, monkeypatch=monkeypatch)
    careful, careful_rows, careful_q = _land(tmp_path, path, one_pass=False, monkeypatch=monkeypatch)
    assert fast_rows == careful_rows
    assert fast_q == careful_q
    assert (fast.rows_read, fast.rows_landed, fast.rows_quarantined, fast.rows_duplicate) == (
        careful.rows_read, careful.rows_landed, careful.rows_quarantined, careful.rows_duplicate)
    assert fast.balanced


def test_a_clean_file_takes_one_pass_and_a_dirty_one_the_careful_path(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    clean = tmp_path / "spotify_daily_streams_2025-09.csv"
    _write(clean, [("2025-09-01", "GB", "GBABC2500001", "Song", "Artist", "1", "0.5"),
                   ("2025-09-02", "DE", "gb-abc-25-00001", "Song", "Artist", "2", "1.25")])
    result, rows, quarantined = _land(tmp_path, clean, one_pass=True, monkeypatch=monkeypatch)
    assert result.reader == "duckdb-read_csv (one pass)"
    assert [r[-3] for r in rows] == [2, 3] and quarantined == []  # _line_number
    dirty = tmp_path / "spotify_daily_streams_2025-10.csv"
    _write(dirty, [("2025-10-01", "GB", "GBABC2500001", "Song", "Artist", "1.5", "0.5"),
                   ("2025-10-02", "GB", "GBABC2500001", "Song", "Artist", "3", "0.5")])
    result, rows, quarantined = _land(tmp_path, dirty, one_pass=True, monkeypatch=monkeypatch)
    assert result.reader.startswith("duckdb-read_csv") and "one pass" not in result.reader
    assert quarantined == [(2, "invalid_integer")]
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (2, 1, 1)


def test_one_pass_tells_a_repeated_line_from_a_row_sharing_only_its_grain(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-pass load counts distinct (day, territory, ISRC) first; equal grains with other values are
    two rows, a repeated line is one."""
    path = tmp_path / "spotify_daily_streams_2025-09.csv"
    first = ("2025-09-01", "GB", "GBABC2500001", "Song", "Artist", "1", "0.5")
    same_grain = ("2025-09-01", "GB", "GBABC2500001", "Song", "Artist", "4", "2.0")
    _write(path, [first, same_grain, first, ("2025-09-01", "DE", "GBABC2500001", "Song", "Artist", "2", "1")])
    result, rows, quarantined = _land(tmp_path, path, one_pass=True, monkeypatch=monkeypatch)
    assert result.reader == "duckdb-read_csv (one pass)" and quarantined == []
    assert (result.rows_read, result.rows_landed, result.rows_duplicate) == (4, 3, 1)
    assert sorted((r[1], r[5], r[-3]) for r in rows) == [("DE", 2, 5), ("GB", 1, 2), ("GB", 4, 3)]


def test_a_blank_line_inside_a_plain_file_keeps_every_line_number(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The layout of a file without quotes only counts newlines; DuckDB skips a blank line, so the row count
    disagrees and the careful path numbers the lines."""
    path = tmp_path / "spotify_daily_streams_2025-09.csv"
    path.write_text(",".join(SPOTIFY.header) + "\n2025-09-01,GB,GBABC2500001,Song,Artist,1,0.5\n\n"
                    "2025-09-02,GB,GBABC2500001,Song,Artist,2,0.5\n\n", encoding="utf-8")
    result, rows, quarantined = _land(tmp_path, path, one_pass=True, monkeypatch=monkeypatch)
    assert "one pass" not in result.reader and quarantined == []
    assert sorted((r[0].day, r[-3]) for r in rows) == [(1, 2), (2, 4)]
