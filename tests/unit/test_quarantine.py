"""The quarantine keeps every refused line exactly as delivered: file, line, the line's own text, a reason."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingestion.connectors import CONNECTORS, SPOTIFY
from ingestion.contract import ensure_schema, land_file, land_source
from ingestion.generator import GeneratorParams, generate


def test_quarantined_lines_keep_their_exact_text(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    manifest = generate(GeneratorParams(target_rows=20_000), landing)
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    ensure_schema(con, CONNECTORS)
    for connector in CONNECTORS:
        land_source(con, connector, landing)
    expected = {(f["file"], q["line"]) for f in manifest["files"] for q in f["quarantined_lines"]}
    found = con.execute("SELECT file_name, line_number, raw_line FROM raw._quarantine").fetchall()
    assert expected and expected <= {(name, line) for name, line, _ in found}
    for name, line, raw_line in found:
        if (name, line) in expected:
            text = (landing / name).read_bytes().decode("utf-8-sig").split("\n")[line - 1].rstrip("\r")
            assert raw_line == text, (name, line)
    con.close()


def test_a_quoted_cell_is_quarantined_with_its_quotes(tmp_path: Path) -> None:
    path = tmp_path / "spotify_daily_streams_2025-09.csv"
    path.write_text(",".join(SPOTIFY.header) + "\n"
                    '2025-09-01,GB,GBABC2500001,"Sœur, ""live""",Artist,12,0.5\n'
                    '2025-09-01,GB,GBABC2500001,"Sœur, ""live""",Artist,-3,0.5\n', encoding="utf-8")
    con = duckdb.connect()
    ensure_schema(con, [SPOTIFY])
    result = land_file(con, SPOTIFY, path, tmp_path)
    assert (result.rows_landed, result.rows_quarantined) == (1, 1)
    assert con.execute("SELECT line_number, reason_code, raw_line FROM raw._quarantine").fetchall() == [
        (3, "invalid_integer", '2025-09-01,GB,GBABC2500001,"Sœur, ""live""",Artist,-3,0.5')]
    assert con.execute(f"SELECT track_title FROM {SPOTIFY.raw_table}").fetchall() == [('Sœur, "live"',)]
