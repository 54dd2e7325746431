"""Where the API reads: the DuckDB serving copy (read-only, external access off) or the ``serving`` schema of the
PostgreSQL warehouse. Both answer the same two questions: which tables with which columns, and the rows of a query
written with ``?`` placeholders. A connection per request, so a new serving copy is read as soon as it is
published (the copy is swapped in whole; a request reads the previous one or the new one)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from orchestration.warehouses.base import SERVED_SCHEMAS, pyformat


class Reader(Protocol):
    kind: str

    def tables(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(schema, table, [(column, type)]) of every served table, in column order."""

    def relation(self, schema: str, table: str) -> str: ...

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple]: ...


class DuckDBReader:
    kind = "duckdb"

    def __init__(self, serving_path: Path) -> None:
        self.serving_path = Path(serving_path)

    @contextlib.contextmanager
    def _connect(self):
        import duckdb

        if not self.serving_path.exists():
            raise FileNotFoundError(f"no serving copy at {self.serving_path}: run the pipeline first (make demo)")
        con = duckdb.connect(str(self.serving_path), read_only=True,
                             config={"enable_external_access": False, "lock_configuration": True})
        try:
            yield con
        finally:
            con.close()

    def tables(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        with self._connect() as con:
            rows = con.execute("SELECT table_schema, table_name, column_name, data_type "
                               "FROM information_schema.columns "
                               f"WHERE table_schema IN ({', '.join('?' * len(SERVED_SCHEMAS))}) "
                               "ORDER BY table_schema, table_name, ordinal_position", list(SERVED_SCHEMAS)).fetchall()
        return _group(rows)

    def relation(self, schema: str, table: str) -> str:
        return f'"{schema}"."{table}"'

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with self._connect() as con:
            return con.execute(sql, list(params)).fetchall()


class PostgresReader:
    kind = "postgres"
    schema = "serving"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    @contextlib.contextmanager
    def _cursor(self):
        import psycopg2

        conn = psycopg2.connect(self.dsn)
        try:
            conn.set_session(readonly=True, autocommit=False)
            with conn.cursor() as cur:
                yield cur
        finally:
            conn.close()

    def tables(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        with self._cursor() as cur:
            cur.execute("SELECT table_schema, table_name, column_name, upper(data_type) "
                        "FROM information_schema.columns WHERE table_schema = %s "
                        "ORDER BY table_name, ordinal_position", [self.schema])
            return _group(cur.fetchall())

    def relation(self, schema: str, table: str) -> str:
        return f'"{self.schema}"."{table}"'

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with self._cursor() as cur:
            cur.execute(pyformat(sql), list(params))
            return cur.fetchall()


def _group(rows: list[tuple]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, kind in rows:
        out.setdefault((schema, table), []).append((column, kind))
    return [(s, t, cols) for (s, t), cols in out.items()]
