"""Make Great Expectations 1.x's SQL path work on DuckDB (one kept-open connection, regex support).

The problem (GX issues #10738 and #11579)
-----------------------------------------
On a DuckDB database every expectation fails with ``MetricResolutionError: list index out of
range`` (``SqlAlchemyExecutionEngine.resolve_metric_bundle`` reads ``res[0]`` of an empty result).
The cause is how GX runs a query and how duckdb-engine implements cursors:

* ``SqlAlchemyExecutionEngine.execute_query`` does ``with self.get_connection() as c: result =
  c.execute(query)`` and returns ``result``; the caller calls ``result.fetchall()`` only *after*
  the ``with`` block has closed the SQLAlchemy ``Connection``.
* Closing a SQLAlchemy 2.x ``Connection`` ends its auto-begun transaction with a ROLLBACK on the
  DB-API connection (``pool_reset_on_return=None`` or a ``StaticPool`` do not prevent that).
* duckdb-engine's cursor is a thin wrapper over the *connection*: a DuckDB connection holds a
  single pending result, and the ROLLBACK replaces it. The not-yet-fetched rows are gone, so
  ``fetchall()`` returns ``[]``.

On sqlite, SQL Server, BigQuery and Databricks, GX already keeps one ``Connection`` open for the
life of the execution engine (``_PERSISTED_CONNECTION_DIALECTS``), so results are fetched before
anything else touches the connection. GX does not know the ``duckdb`` dialect (it is "other").

The fix
-------
:func:`keep_one_connection_open` gives one execution engine *instance* the same behaviour GX
gives sqlite: its ``get_connection`` yields a single SQLAlchemy ``Connection`` that stays open
for the whole validation, so every result is fetched before the next statement runs on it.
Nothing global is patched (other engines, e.g. PostgreSQL ones, are untouched) and no private GX
constant is changed. :func:`release` closes that connection and disposes the SQLAlchemy engines
afterwards, which matters for DuckDB: a file stays locked for as long as any connection to it
is open, and the next writer (dbt, ingestion) must be able to take the lock.

A second gap: regular expressions
---------------------------------
Dialect-dependent expressions (``expect_column_values_to_match_regex``, LIKE patterns, type
names) are built from ``execution_engine.dialect_module``, which GX only sets for the dialects it
knows; for ``duckdb`` it is ``None`` and ``match_regex`` raises "Regex is not supported for dialect
duckdb". duckdb-engine's dialect *is* a subclass of SQLAlchemy's PostgreSQL dialect and DuckDB
accepts PostgreSQL's regex operators (``~``, ``!~``: a search, as in PostgreSQL), so
:func:`speak_postgresql` points ``dialect_module`` at ``sqlalchemy.dialects.postgresql``. The
engine's ``dialect_name`` stays ``duckdb``, so GX's PostgreSQL-only code paths keyed on the name
(temp tables, partitioners) are not taken. :func:`patch_duckdb_execution_engine` applies both.

GX computes metrics sequentially and fetches each result right after executing its query, which
is what a single shared connection requires; the engine must not be used from several threads
at once (the runner serialises validations within a process).

Nothing here imports ``great_expectations`` at module level, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator
from typing import Any

_MARKER = "_tunemantra_kept_open_connection"


def is_duckdb_url(url: str) -> bool:
    """True for a SQLAlchemy URL of the duckdb-engine dialect (``duckdb:///path``)."""
    return url.split(":", 1)[0].split("+", 1)[0].lower() == "duckdb"


@contextlib.contextmanager
def _kept_open_connection(self: Any) -> Iterator[Any]:
    # Same shape as GX's own path for _PERSISTED_CONNECTION_DIALECTS: open once, never close here.
    if self._connection is None or self._connection.closed:
        self._connection = self.engine.connect()
    yield self._connection


def keep_one_connection_open(execution_engine: Any) -> Any:
    """Patch one ``SqlAlchemyExecutionEngine`` instance to run every query on one open connection.

    Idempotent. Returns the same engine, so a call can wrap the expression that obtains it.
    """
    if not getattr(execution_engine, _MARKER, False):
        execution_engine.get_connection = types.MethodType(_kept_open_connection, execution_engine)
        setattr(execution_engine, _MARKER, True)
    return execution_engine


def speak_postgresql(execution_engine: Any) -> Any:
    """Let GX build dialect-dependent expressions (regex, LIKE, type names) the PostgreSQL way."""
    if getattr(execution_engine, "dialect_module", None) is None:
        import sqlalchemy.dialects.postgresql

        execution_engine.dialect_module = sqlalchemy.dialects.postgresql
    return execution_engine


def patch_duckdb_execution_engine(execution_engine: Any) -> Any:
    """Both fixes, for a ``SqlAlchemyExecutionEngine`` on a duckdb-engine URL. Returns the engine."""
    return speak_postgresql(keep_one_connection_open(execution_engine))


def is_patched(execution_engine: Any) -> bool:
    return bool(getattr(execution_engine, _MARKER, False))


def release(execution_engine: Any | None, *engines: Any) -> None:
    """Close the kept-open connection and dispose the given SQLAlchemy engines (errors ignored)."""
    if execution_engine is not None:
        connection = getattr(execution_engine, "_connection", None)
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()
            execution_engine._connection = None
        with contextlib.suppress(Exception):
            execution_engine.engine.dispose()
    for engine in engines:
        if engine is not None:
            with contextlib.suppress(Exception):
                engine.dispose()
