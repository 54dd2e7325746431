"""The distribution system's database for the collector tests, loaded into a throwaway PostgreSQL cluster
(orchestration/local_postgres.py starts one) from the generator's fixtures (family distribution_catalogue)."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

from orchestration.local_postgres import PostgresError


def load_distribution_db(dsn: str, fixtures_dir: Path) -> int:
    """Create the table and load ``tracks.csv`` (the rows as they are at the start); return the row count."""
    import psycopg2

    fixtures_dir = Path(fixtures_dir)
    with contextlib.closing(psycopg2.connect(dsn)) as con, con, con.cursor() as cur:
        cur.execute((fixtures_dir / "schema.sql").read_text())
        with (fixtures_dir / "tracks.csv").open(encoding="utf-8") as fh:
            cur.copy_expert("COPY distribution.tracks FROM STDIN WITH (FORMAT csv, HEADER true)", fh)
        cur.execute("SELECT count(*) FROM distribution.tracks")
        return cur.fetchone()[0]


def apply_distribution_changes(dsn: str, fixtures_dir: Path, batch: int) -> int:
    """Apply the edits of one batch of ``changes.csv`` (each the whole row after the edit); return how many."""
    import psycopg2

    with (Path(fixtures_dir) / "changes.csv").open(encoding="utf-8", newline="") as fh:
        changes = [r for r in csv.DictReader(fh) if int(r["batch"]) == batch]
    with contextlib.closing(psycopg2.connect(dsn)) as con, con, con.cursor() as cur:
        for row in changes:
            cur.execute("""UPDATE distribution.tracks SET track_title = %(track_title)s, artist_name = %(artist_name)s,
                               release_title = %(release_title)s, upc = %(upc)s, release_date = %(release_date)s,
                               label_name = %(label_name)s, genre = nullif(%(genre)s, ''),
                               duration_seconds = %(duration_seconds)s, updated_at = %(updated_at)s
                           WHERE isrc = %(isrc)s""", row)
            if cur.rowcount != 1:
                raise PostgresError(f"no track {row['isrc']} to change")
    return len(changes)
