"""The catalogue as the label's distribution system holds it in PostgreSQL, and the edits made to it over time.

Written as the remote database's content under ``<landing>/../api_fixtures/distribution_db/``: ``schema.sql``
(the table), ``tracks.csv`` (its rows at the start, each with ``updated_at``) and ``changes.csv`` (later edits,
each the whole row after the edit, grouped in ``batch`` 1 and 2; one track is edited in both batches, and two
tracks share an ``updated_at`` so a watermark must break ties by key). Loaded by tests/support/postgres.py and
pulled by ingestion/collectors/postgres_catalogue.py; the truth is ``ctx.truth["distribution_catalogue"]``.
"""

from __future__ import annotations

import csv
import datetime as dt

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._fixtures import api_fixtures_dir

COLUMNS: tuple[str, ...] = ("isrc", "track_title", "artist_name", "release_title", "upc", "release_date",
                            "label_name", "genre", "duration_seconds", "updated_at")
SCHEMA_SQL = """CREATE SCHEMA IF NOT EXISTS distribution;
CREATE TABLE IF NOT EXISTS distribution.tracks (
    isrc text PRIMARY KEY,
    track_title text NOT NULL,
    artist_name text NOT NULL,
    release_title text NOT NULL,
    upc text NOT NULL,
    release_date date NOT NULL,
    label_name text NOT NULL,
    genre text,
    duration_seconds integer NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS tracks_updated_at ON distribution.tracks (updated_at, isrc);
"""
_GENRES = ("Pop", "Hip-Hop", "Electronic", "Rock", "Latin", "R&B", "Indie", "Jazz")


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def write_distribution_catalogue(ctx: GenerationContext) -> None:
    rng = ctx.rng("distribution_catalogue")
    origin = dt.datetime.combine(ctx.params.start_date, dt.time(9), tzinfo=dt.UTC)
    rows = []
    for track in ctx.tracks:
        updated = origin - dt.timedelta(days=int(rng.integers(1, 400)), seconds=int(rng.integers(0, 86_400)),
                                        microseconds=int(rng.integers(0, 1_000_000)))
        rows.append({"isrc": track.isrc, "track_title": track.title, "artist_name": track.artist,
                     "release_title": track.release_title, "upc": track.upc,
                     "release_date": track.release_date.isoformat(), "label_name": track.label,
                     "genre": track.genre, "duration_seconds": track.duration_seconds, "updated_at": updated})
    if len(rows) > 1:
        rows[1]["updated_at"] = rows[0]["updated_at"]  # a tie: the watermark must also compare the key

    n_changed = max(3, len(rows) // 4)
    picks = sorted(int(i) for i in rng.choice(len(rows), size=min(n_changed, len(rows)), replace=False))
    current = {r["isrc"]: dict(r) for r in rows}
    changes = []
    clock = origin + dt.timedelta(days=1)
    for batch, targets in ((1, picks), (2, picks[:1])):  # the first edited track is edited again in batch 2
        for i in targets:
            row = dict(current[rows[i]["isrc"]])
            kind = int(rng.integers(3))
            if kind == 0:
                row["genre"] = _GENRES[(_GENRES.index(row["genre"]) + 1) % len(_GENRES)]
            elif kind == 1:
                row["track_title"] = f"{row['track_title']} (Remastered)"
            else:
                row["duration_seconds"] += int(rng.integers(-5, 6)) or 1
            clock += dt.timedelta(seconds=int(rng.integers(1, 7_200)), microseconds=int(rng.integers(0, 10**6)))
            row["updated_at"] = clock
            current[row["isrc"]] = row
            changes.append({**row, "batch": batch})
        clock += dt.timedelta(days=1)

    folder = api_fixtures_dir(ctx.landing_dir, "distribution_db", fresh=True)
    (folder / "schema.sql").write_text(SCHEMA_SQL)
    for name, records, header in (("tracks.csv", rows, COLUMNS), ("changes.csv", changes, ("batch", *COLUMNS))):
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            for r in records:
                writer.writerow([_ts(r[c]) if c == "updated_at" else r[c] for c in header])
    ctx.truth["distribution_catalogue"] = {
        "fixtures": "api_fixtures/distribution_db",
        "tracks": len(rows),
        "changes": len(changes),
        "changes_by_batch": {str(b): sum(c["batch"] == b for c in changes) for b in (1, 2)},
        "changed_tracks": len({c["isrc"] for c in changes}),
        "edited_twice": [changes[0]["isrc"]] if changes else [],
        "rows_in_all_extracts": len(rows) + len(changes),
        "duration_seconds_initial": sum(r["duration_seconds"] for r in rows),
        "duration_seconds_final": sum(r["duration_seconds"] for r in current.values()),
    }
