"""The entity-resolution macros (dbt_project/macros/entity_resolution.sql) mean the same on PostgreSQL and
ClickHouse as on DuckDB: each adapter compiles them (``dbt compile --inline`` needs a live engine: a throwaway
PostgreSQL cluster with fuzzystrmatch, the ClickHouse engine in-process through chDB behind dbt-clickhouse),
its engine runs them, and the normal forms, validity flags and similarities agree with DuckDB's.

Known and documented differences, left out of the comparison: PostgreSQL's levenshtein counts a transposition
as two edits (no Damerau variant in fuzzystrmatch), ClickHouse measures distances in bytes (the pairs here are
ASCII, where bytes are characters)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.local_postgres import running_postgres
from orchestration.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow

SAMPLES = (
    "Zoë Marceau ft. Kenji Sato", "ZOE MARCEAU featuring Kenji Sato", "Zoë  Marceau feat. 佐藤健二",
    "Echo and The Tides", "Echo & The Tides feat. Beyoncé Ferreira", "The Midnight Foxes", "Thee Midnight Foxes",
    "DJ Kobra & Lumi", "DJ X", "DJ X & Y", "MC Dusk x Solace", "ЮЛИЯ ЖУКОВА", "Ксения Щербакова", "Татьяна Ёлкина",
    "Yılmaz Søndergaard", "BJÖRN ÅBERG", "Guns N' Roses", "Runaway (Remastered 2011)", "Runaway - 2011 Remaster",
    "RUNAWAY [Live]", "Song (feat. Kenji Sato) - Remastered 2011", "Rock & Roll", "Paper (Acoustic)",
    "US-S1Z-99-00001", "isrc gb-npr-25-00001", "DEZ12", "GB2500001", "713000000016", "0713000000016",
    "713000000017", "7891400000034",
)
PAIRS = (("nova", "novas"), ("dj kobra", "dj kobra & lumi"), ("zoe marceau", "zoe marceu"), ("atlas", "atlas"),
         ("midnight foxes", "the midnight foxes"))
FORMS = ("normalize_artist_name('x')", "primary_artist_name(normalize_artist_name('x'))",
         "normalize_artist_name('x', keep_leading_the=true)", "normalize_track_title('x')",
         "track_title_version('x')", "is_valid_isrc('x')", "is_valid_gtin('x')")


def _query() -> str:
    """One statement (dbt compiles one): every normal form of every sample joined by '|', and the similarity of
    every pair, as text."""
    def quoted(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    samples = " union all ".join(f"select {quoted(s)} as x" for s in SAMPLES)
    pairs = " union all ".join(f"select {quoted(a)} as a, {quoted(b)} as b" for a, b in PAIRS)
    forms = ", ".join("cast({{ " + form + " }} as varchar)" for form in FORMS)
    return (f"select 'form' as kind, x as a, '' as b, concat_ws('|', {forms}) as result from ({samples}) as samples "
            "union all select 'similarity' as kind, a, b, cast({{ name_similarity('a', 'b') }} as varchar) "
            f"from ({pairs}) as pairs")


def _compile(target: str, profiles_dir: Path, tmp: Path, launcher: str | None = None) -> str:
    env = {**os.environ, "TM_WAREHOUSE_PATH": str(tmp / "compile.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    args = ["compile", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(profiles_dir),
            "--target", target, "--target-path", str(tmp / f"target_{target}"), "--log-path", str(tmp / "logs"),
            "--inline", _query()]
    command = [sys.executable, "-c", launcher, *args] if launcher else [str(Path(sys.executable).parent / "dbt"), *args]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=DBT_PROJECT_DIR, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout.strip()


def _rows(rows) -> dict[tuple[str, str, str], str]:
    """(kind, a, b) -> result; booleans as true/false whatever the engine prints, similarities to 4 places."""
    def normal(kind: str, value: object) -> str:
        if kind == "similarity":
            return f"{float(value):.4f}"
        return "|".join({"1": "true", "0": "false", "True": "true", "False": "false"}.get(p, p)
                        for p in str(value).split("|"))

    return {(kind, a, b): normal(kind, result) for kind, a, b, result in rows}


# dbt-clickhouse talks HTTP to a server; this hands it chDB's in-process engine instead (shared/stack-notes.md)
CHDB_LAUNCHER = """
import sys
import clickhouse_connect
from dbt.cli.main import dbtRunner
real = clickhouse_connect.get_client
clickhouse_connect.get_client = lambda *args, **kwargs: real(interface="chdb", path=%r)
result = dbtRunner().invoke(sys.argv[1:])
sys.exit(0 if result.success else 1)
"""


def test_macros_agree_on_postgres_and_clickhouse(tmp_path: Path) -> None:
    with running_postgres() as pg:
        profiles = tmp_path / "profiles"
        profiles.mkdir()
        (profiles / "profiles.yml").write_text(json.dumps({"tunemantra": {"target": "duckdb", "outputs": {
            "duckdb": {"type": "duckdb", "path": str(tmp_path / "compile.duckdb"), "schema": "main", "threads": 1},
            "postgres": {"type": "postgres", "host": "127.0.0.1", "port": pg.port, "user": pg.user, "password": "",
                         "dbname": pg.dbname, "schema": "main", "threads": 1},
            "clickhouse": {"type": "clickhouse", "host": "localhost", "port": 8123, "schema": "default",
                           "threads": 1}}}}))
        reference = _rows(duckdb.sql(_compile("duckdb", profiles, tmp_path)).fetchall())

        import psycopg2

        with contextlib.closing(psycopg2.connect(pg.dsn)) as con, con, con.cursor() as cur:
            cur.execute("create extension if not exists fuzzystrmatch")
        postgres_sql = _compile("postgres", profiles, tmp_path)
        with contextlib.closing(psycopg2.connect(pg.dsn)) as con, con, con.cursor() as cur:
            cur.execute(postgres_sql)
            on_postgres = _rows(cur.fetchall())

    clickhouse_sql = _compile("clickhouse", profiles, tmp_path, launcher=CHDB_LAUNCHER % str(tmp_path / "chdb"))
    import chdb

    on_clickhouse = _rows(json.loads(line) for line in
                          chdb.query(clickhouse_sql, "JSONCompactEachRow").bytes().decode().splitlines())
    assert len(reference) == len(SAMPLES) + len(PAIRS)
    assert on_postgres == reference
    assert on_clickhouse == reference
