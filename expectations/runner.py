"""Run an expectation suite against one table (or one partition of it) in the warehouse.

``validate_table`` builds a throw-away (ephemeral) GX context each call: a SQL data source on the
DuckDB file (or any SQLAlchemy URL, e.g. PostgreSQL), a table asset (a query asset when ``where``
restricts the rows to a partition), a whole-table batch definition and a validation definition.
GX's SQL execution engine computes every metric in the database (counts, sums, ``CASE WHEN``
aggregates, ``LIMIT``-ed samples of unexpected values), so a table of 10^7 rows is never pulled
into pandas.

``validate_frame`` is GX's pandas path, for an engine GX has no SQL dialect for (ClickHouse: the
pipeline reads the table from the engine and validates the frame in memory, so the table must fit in
memory; see orchestration/warehouses/clickhouse.py). The same suites, the same outcome objects.

``great_expectations`` takes seconds to import, so it is imported inside the functions that need
it; importing this module (e.g. from Dagster definitions) stays cheap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import math
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.duckdb_connection_fix import (
    is_duckdb_url,
    is_patched,
    patch_duckdb_execution_engine,
    release,
)

if TYPE_CHECKING:
    import great_expectations as gx

__all__ = ["ExpectationOutcome", "ValidationOutcome", "validate_frame", "validate_table"]

ERROR = "error"
WARNING = "warning"
PARTIAL_UNEXPECTED_COUNT = 5

# GX keeps process-wide state (the current project/context); one validation at a time per process.
_LOCK = threading.Lock()


def _jsonable(value: Any) -> Any:
    """Convert what GX puts in results (Decimal, dates, numpy scalars, sets…) to JSON types."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _jsonable(value.item())
    return str(value)


@dataclasses.dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation, reduced to what a check or a report needs."""

    expectation_type: str
    name: str | None
    column: str | None
    success: bool
    severity: str
    observed_value: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    partial_unexpected_list: tuple[Any, ...] = ()
    exception: str | None = None
    details: dict[str, Any] | None = None  # GX's result["details"], e.g. {"mismatched": {"missing": [...]}}

    def to_dict(self) -> dict[str, Any]:
        return {
            "expectation_type": self.expectation_type,
            "name": self.name,
            "column": self.column,
            "success": self.success,
            "severity": self.severity,
            "observed_value": _jsonable(self.observed_value),
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": _jsonable(self.unexpected_percent),
            "partial_unexpected_list": _jsonable(list(self.partial_unexpected_list)),
            "exception": self.exception,
            "details": _jsonable(self.details),
        }

    def describe(self) -> str:
        label = self.name or (
            f"{self.expectation_type}({self.column})" if self.column else self.expectation_type
        )
        if self.exception:
            return f"{label} (exception: {self.exception.splitlines()[0][:120]})"
        missing = ((self.details or {}).get("mismatched") or {}).get("missing")
        if missing:
            return f"{label} (missing {', '.join(missing)})"
        if self.unexpected_count:
            examples = ", ".join(repr(v) for v in self.partial_unexpected_list[:3])
            return f"{label} ({self.unexpected_count} unexpected, e.g. {examples})"
        return f"{label} (observed {_jsonable(self.observed_value)!r})"


@dataclasses.dataclass(frozen=True)
class ValidationOutcome:
    """What one validation found: overall success, counts and per-expectation results."""

    success: bool
    suite_name: str
    table: str
    evaluated: int
    successful: int
    failed: int
    results: tuple[ExpectationOutcome, ...]
    where: str | None = None
    duration_seconds: float = 0.0
    # GX's own result (ExpectationSuiteValidationResult as JSON): what GX Data Docs render (expectations/data_docs.py)
    gx_result: dict[str, Any] | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success]

    @property
    def error_failures(self) -> list[ExpectationOutcome]:
        """Failed expectations of severity "error": these block downstream assets."""
        return [r for r in self.failures if r.severity == ERROR]

    @property
    def warning_failures(self) -> list[ExpectationOutcome]:
        """Failed expectations of any other severity (row-count drift, plausibility)."""
        return [r for r in self.failures if r.severity != ERROR]

    @property
    def raised(self) -> list[ExpectationOutcome]:
        """Expectations GX could not evaluate (the exception is in ``exception``; they count as failed)."""
        return [r for r in self.results if r.exception is not None]

    @property
    def blocking(self) -> bool:
        """True when at least one error-severity expectation failed."""
        return bool(self.error_failures)

    @property
    def row_count(self) -> int | None:
        """Rows in the validated batch, as GX counted them (element_count of a column check)."""
        for r in self.results:
            if r.element_count is not None:
                return r.element_count
        for r in self.results:
            if r.expectation_type.startswith("expect_table_row_count") and isinstance(r.observed_value, int):
                return r.observed_value
        return None

    def result(self, name: str) -> ExpectationOutcome:
        """The outcome of the expectation whose ``meta["name"]`` is ``name``."""
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "suite_name": self.suite_name,
            "table": self.table,
            "where": self.where,
            "evaluated": self.evaluated,
            "successful": self.successful,
            "failed": self.failed,
            "row_count": self.row_count,
            "duration_seconds": round(self.duration_seconds, 3),
            "error_failures": [r.name or r.expectation_type for r in self.error_failures],
            "warning_failures": [r.name or r.expectation_type for r in self.warning_failures],
            "results": [r.to_dict() for r in self.results],
        }

    def summary(self) -> str:
        scope = f"{self.table} where {self.where}" if self.where else self.table
        status = "passed" if self.success else "FAILED"
        line = (
            f"{self.suite_name} on {scope}: {status}, {self.successful}/{self.evaluated} expectations met"
            f" ({self.row_count if self.row_count is not None else '?'} rows, {self.duration_seconds:.2f}s)"
        )
        if self.error_failures:
            line += "; errors: " + "; ".join(r.describe() for r in self.error_failures)
        if self.warning_failures:
            line += "; warnings: " + "; ".join(r.describe() for r in self.warning_failures)
        return line


def _exception_message(exception_info: Any) -> str | None:
    """GX reports an exception either flat or keyed by the metric that raised it."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    messages = [
        str(info.get("exception_message") or "exception raised")
        for info in infos
        if isinstance(info, Mapping) and info.get("raised_exception")
    ]
    return "; ".join(messages) or None


def _severity(config: Any) -> str:
    meta = config.meta or {}
    if meta.get("severity"):
        return str(meta["severity"])
    native = getattr(config, "severity", None)  # GX's own FailureSeverity: critical/warning/info
    value = getattr(native, "value", native)
    return ERROR if value in (None, "critical") else str(value)


def _outcome(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = config.kwargs or {}
    column = kwargs.get("column")
    if column is None and kwargs.get("column_list"):
        column = ",".join(kwargs["column_list"])
    details: dict = dict(result.result or {})
    exception = _exception_message(result.exception_info)
    element_count = details.get("element_count")
    unexpected_count = details.get("unexpected_count")
    return ExpectationOutcome(
        expectation_type=config.type,
        name=(config.meta or {}).get("name"),
        column=column,
        success=bool(result.success) and exception is None,
        severity=_severity(config),
        observed_value=_jsonable(details.get("observed_value")),
        element_count=int(element_count) if element_count is not None else None,
        unexpected_count=int(unexpected_count) if unexpected_count is not None else None,
        unexpected_percent=_jsonable(details.get("unexpected_percent")),
        partial_unexpected_list=tuple(_jsonable(details.get("partial_unexpected_list") or [])),
        exception=exception,
        details=_jsonable(details["details"]) if details.get("details") else None,
    )


def _duckdb_connect_args(read_only: bool) -> dict[str, Any]:
    """A validation's DuckDB connection: read-only, and a memory limit of its own (TM_GX_MEMORY_LIMIT, default
    1GB). GX's metrics are aggregates DuckDB computes in the database; without a limit DuckDB lets a hash
    aggregate (the uniqueness of a fact's grain) take most of the machine's memory, with one it spills to disk."""
    return {"read_only": read_only, "config": {"memory_limit": os.environ.get("TM_GX_MEMORY_LIMIT", "1GB")}}


def _connection_url(database: Path | str, read_only: bool) -> tuple[str, dict[str, Any]]:
    """A SQLAlchemy URL and ``create_engine`` kwargs for a DuckDB file or a URL."""
    if isinstance(database, str) and "://" in database:
        url = database
        kwargs: dict[str, Any] = {}
        if is_duckdb_url(url):
            kwargs["connect_args"] = _duckdb_connect_args(read_only)
        return url, kwargs
    path = Path(database).expanduser().resolve()
    if not path.exists():
        raise FileNotFoundError(f"DuckDB database not found: {path}")
    return f"duckdb:///{path}", {"connect_args": _duckdb_connect_args(read_only)}


def _ephemeral_context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _copy_suite(suite: gx.ExpectationSuite) -> gx.ExpectationSuite:
    """A fresh suite with copies of the expectations, so the caller's suite is never bound to a context."""
    import great_expectations as gx

    expectations = [e.copy(update={"id": None}) for e in suite.expectations]
    return gx.ExpectationSuite(name=suite.name, expectations=expectations, meta=dict(suite.meta or {}))


def validate_table(
    database_path: Path | str,
    schema: str,
    table: str,
    suite: gx.ExpectationSuite,
    *,
    where: str | None = None,
    read_only: bool = True,
    partial_unexpected_count: int = PARTIAL_UNEXPECTED_COUNT,
) -> ValidationOutcome:
    """Validate ``schema.table`` (optionally only the rows matching ``where``) against ``suite``.

    ``database_path`` is a DuckDB file, or a SQLAlchemy URL (``postgresql+psycopg2://…``, or
    ``duckdb:///…``). ``where`` is a trusted SQL predicate written by the pipeline (e.g.
    ``report_date = DATE '2025-01-31'``), never user input: the batch is then the query
    ``SELECT * FROM schema.table WHERE <where>``, and row counts and sums refer to that partition.
    ``read_only`` opens a DuckDB file read-only (it then cannot be opened read-write in the same
    process at the same time; use ``read_only=False`` where the caller holds a read-write connection).
    """
    started = time.perf_counter()
    url, engine_kwargs = _connection_url(database_path, read_only)
    qualified = f"{schema}.{table}"
    with _LOCK:
        context = _ephemeral_context()
        if url.startswith("postgresql"):
            datasource = context.data_sources.add_postgres(
                name="warehouse", connection_string=url, kwargs=engine_kwargs
            )
        else:
            datasource = context.data_sources.add_sql(
                name="warehouse", connection_string=url, kwargs=engine_kwargs
            )
        execution_engine = datasource.get_execution_engine()
        if is_duckdb_url(url):
            patch_duckdb_execution_engine(execution_engine)
        try:
            engine = datasource.get_engine()
            import sqlalchemy as sa

            if not sa.inspect(engine).has_table(table, schema=schema):
                raise LookupError(f"table {qualified} not found in {engine.url.render_as_string()}")
            quote = engine.dialect.identifier_preparer.quote
            query = f"SELECT * FROM {quote(schema)}.{quote(table)}"
            if where is not None:
                query += f" WHERE ({where})"
            # A query asset for the whole table too: TableAsset's schema_name is deprecated since
            # GX 1.14 and the generic SQL data source has no schema setting to replace it.
            asset = datasource.add_query_asset(name=qualified, query=query)
            batch_definition = asset.add_batch_definition_whole_table("whole table")
            result = _run(context, batch_definition, suite, qualified, partial_unexpected_count)
            used = datasource.get_execution_engine()
            if used is not execution_engine:  # GX rebuilt it: the DuckDB patch would not have applied
                release(used)
                if is_duckdb_url(url) and not is_patched(used):
                    raise RuntimeError(
                        "GX replaced the patched DuckDB execution engine during validation;"
                        " see expectations/duckdb_connection_fix.py"
                    )
        finally:
            release(execution_engine, datasource.get_engine())

    return _validation_outcome(result, suite, qualified, where, started)


def validate_frame(
    frame: Any,
    table: str,
    suite: gx.ExpectationSuite,
    *,
    where: str | None = None,
    partial_unexpected_count: int = PARTIAL_UNEXPECTED_COUNT,
) -> ValidationOutcome:
    """Validate a pandas DataFrame holding the rows of ``table`` (``schema.table``) against ``suite``, through
    GX's pandas execution engine. ``where`` only labels the outcome: the caller read the frame with it."""
    started = time.perf_counter()
    with _LOCK:
        context = _ephemeral_context()
        datasource = context.data_sources.add_pandas(name="warehouse")
        asset = datasource.add_dataframe_asset(name=table)
        batch_definition = asset.add_batch_definition_whole_dataframe("whole table")
        result = _run(context, batch_definition, suite, table, partial_unexpected_count,
                      batch_parameters={"dataframe": frame})
    return _validation_outcome(result, suite, table, where, started)


def _run(context: Any, batch_definition: Any, suite: gx.ExpectationSuite, qualified: str,
         partial_unexpected_count: int, batch_parameters: dict[str, Any] | None = None) -> Any:
    import great_expectations as gx

    bound_suite = context.suites.add(_copy_suite(suite))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite.name} on {qualified}", data=batch_definition, suite=bound_suite)
    )
    return validation.run(
        batch_parameters=batch_parameters,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": partial_unexpected_count},
    )


def _validation_outcome(result: Any, suite: gx.ExpectationSuite, qualified: str, where: str | None,
                        started: float) -> ValidationOutcome:
    outcomes = tuple(_outcome(r) for r in result.results)
    failed = sum(1 for r in outcomes if not r.success)
    return ValidationOutcome(
        success=failed == 0,
        suite_name=suite.name,
        table=qualified,
        evaluated=len(outcomes),
        successful=len(outcomes) - failed,
        failed=failed,
        results=outcomes,
        where=where,
        duration_seconds=time.perf_counter() - started,
        gx_result=_jsonable(result.to_json_dict()),
    )
