"""Pull the catalogue from the distribution system's PostgreSQL database, incrementally by ``updated_at``.

Each pull reads the rows changed since the last one and writes them as one CSV extract
``<landing>/distribution_db/catalogue_extract_<nnnnnn>.csv`` (with ``updated_at``). A row changed twice between
pulls appears once (its latest state); a row changed again after a pull appears again in the next extract, so
the extracts together are the change history and the landing contract keeps every version.

The watermark, in ``<landing>/_state/postgres_catalogue.json``, is the last ``(updated_at, key)`` pair read, and
the next pull asks for ``(updated_at, key) > watermark`` in that order: rows sharing a timestamp are neither
skipped nor read twice. The read runs in one REPEATABLE READ, read-only transaction through a server-side cursor
(bounded memory). ``settle`` leaves out rows changed in the last moments (``updated_at > now() - settle``), so
a writer whose transaction commits late with an earlier ``updated_at`` is still caught by the next pull; a
deleted row is not seen (the source would need a soft-delete flag or a change table).

The watermark moves only after the extract has been renamed into place; a failed pull leaves no file.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

from ingestion.collectors import CollectorError, load_state, publish, save_state

SOURCE = "distribution_db"
STATE = "postgres_catalogue"
COLUMNS: tuple[str, ...] = ("isrc", "track_title", "artist_name", "release_title", "upc", "release_date",
                            "label_name", "genre", "duration_seconds", "updated_at")


@dataclasses.dataclass
class CatalogueExtract:
    file: Path | None  # None when nothing changed
    rows: int
    watermark_before: dict | None
    watermark_after: dict | None
    seconds: float


def pull_catalogue(dsn: str, landing_dir: Path, *, table: str = "distribution.tracks", key: str = "isrc",
                   columns: tuple[str, ...] = COLUMNS, settle: dt.timedelta = dt.timedelta(0),
                   batch_size: int = 10_000) -> CatalogueExtract:
    started = time.perf_counter()
    landing_dir = Path(landing_dir)
    state = load_state(landing_dir, STATE)
    watermark = state.get("watermark")
    extracts = int(state.get("extracts", 0))
    folder = landing_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"catalogue_extract_{extracts + 1:06d}.csv"
    part = final.with_name(final.name + ".part")

    schema_name, _, table_name = table.rpartition(".")
    target = sql.Identifier(schema_name, table_name) if schema_name else sql.Identifier(table_name)
    selected = [sql.SQL("to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").format(
        sql.Identifier(c)) if c == "updated_at" else sql.Identifier(c) for c in columns]
    where = [sql.SQL("updated_at <= statement_timestamp() - %(settle)s")]
    params: dict = {"settle": settle}
    if watermark:
        where.append(sql.SQL("(updated_at, {}) > (%(ts)s::timestamptz, %(key)s)").format(sql.Identifier(key)))
        params.update(ts=watermark["updated_at"], key=watermark["key"])
    query = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY updated_at, {}").format(
        sql.SQL(", ").join(selected), target, sql.SQL(" AND ").join(where), sql.Identifier(key))

    key_at, ts_at = columns.index(key), columns.index("updated_at")
    rows, last = 0, None
    try:
        connection = psycopg2.connect(dsn, application_name="tunemantra-collector")
    except psycopg2.Error as exc:
        raise CollectorError(f"cannot connect to the distribution database: {exc}".strip()) from exc
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection, connection.cursor(name="catalogue_extract") as cursor, \
                part.open("w", encoding="utf-8", newline="") as fh:
            cursor.itersize = batch_size
            cursor.execute(query, params)
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            for record in cursor:
                writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v
                                 for v in record])
                rows += 1
                last = record
            fh.flush()
            os.fsync(fh.fileno())
    except psycopg2.Error as exc:
        part.unlink(missing_ok=True)
        raise CollectorError(f"reading {table} failed: {exc}".strip()) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        connection.close()

    written = None
    if rows:
        written = publish(part, final)
        extracts += 1
        watermark_after = {"updated_at": last[ts_at], "key": last[key_at]}
    else:
        part.unlink(missing_ok=True)
        watermark_after = watermark
    save_state(landing_dir, STATE, {"watermark": watermark_after, "extracts": extracts,
                                    "last_file": written.name if written else state.get("last_file"),
                                    "last_pull_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return CatalogueExtract(written, rows, watermark, watermark_after, round(time.perf_counter() - started, 3))
