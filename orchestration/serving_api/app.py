"""The FastAPI application: ``GET /v1/tables`` (what the caller may read) and ``GET /v1/tables/<table>`` per served
table (its rows, a page at a time, filtered by the reporting dimensions and a date range).

Isolation: a tenant's token reads only tables with a ``label_key`` and, in them, only rows of the tenant's labels
(the keys come from the served ``dim_label`` on every request, as Superset's filters and PostgreSQL's policies
get theirs). The platform token reads everything. A table without a label key answers a tenant 403.
"""


import datetime as dt
import inspect
from pathlib import Path
from typing import Annotated, Any

import pydantic
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orchestration import tenancy as tenancy_config
from orchestration.serving_api.catalogue import ServedTable, python_type, served_tables
from orchestration.serving_api.readers import Reader
from orchestration.serving_api.tokens import PLATFORM, TokenBook

MAX_LIMIT = 1000
_TEXT = r"^[^\x00-\x1f\x7f]*$"  # filter values: printable text (PostgreSQL refuses NUL in a string)


FilterValue = Annotated[str, pydantic.StringConstraints(max_length=200, pattern=_TEXT)]


class Problem(pydantic.BaseModel):
    detail: str


class TableInfo(pydantic.BaseModel):
    name: str
    columns: dict[str, str] = pydantic.Field(description="column -> database type")
    filters: list[str] = pydantic.Field(description="the query parameters that filter this table")
    path: str


class Tables(pydantic.BaseModel):
    tenant: str
    tables: list[TableInfo]


class Principal(pydantic.BaseModel):
    tenant: str
    label_keys: list[str] | None  # None: the platform, no row filter


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "no token, or not a known one"},
    403: {"model": Problem, "description": "the table holds rows of no label; only the platform token reads it"},
}


def create_app(reader: Reader, tokens: dict[str, str], config_path: Path | None = None) -> FastAPI:
    """``tokens``: {tenant or "platform": token} (tokens.issue_tokens); ``config_path``: the tenancy config."""
    config = tenancy_config.load(config_path or tenancy_config.DEFAULT_CONFIG)
    book = TokenBook(tokens)
    tables = served_tables(reader.tables())
    by_name = {t.name: t for t in tables}
    label_table = next((t for t in tables if t.name == "dim_label"), None)
    app = FastAPI(title="TuneMantra read API", version="1.0.0",
                  description="The served marts, a page at a time, narrowed to the caller's labels. Authenticate "
                              "with `Authorization: Bearer <token>`: one token per tenant.")
    bearer = HTTPBearer(auto_error=False, description="the tenant's API token")

    def principal(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
        tenant = book.tenant_of(credentials.credentials) if credentials else None
        if tenant is None:
            raise HTTPException(401, "a valid tenant token is needed: Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
        if tenant == PLATFORM:
            return Principal(tenant=tenant, label_keys=None)
        if label_table is None:
            raise HTTPException(403, "no dim_label is served: no tenant can be mapped to its labels")
        labels = tenancy_config.label_rows(reader.fetch(
            tenancy_config.labels_query(reader.relation(label_table.schema, "dim_label")), []))
        try:
            keys = tenancy_config.label_keys(config.tenant(tenant), labels)
        except tenancy_config.TenancyError:
            keys = []  # a tenant whose labels are not (yet) served sees nothing
        return Principal(tenant=tenant, label_keys=keys)

    Caller = Annotated[Principal, Depends(principal)]

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/tables", response_model=Tables, responses=ERRORS, tags=["tables"])
    def list_tables(caller: Caller) -> Tables:
        visible = [t for t in tables if caller.label_keys is None or t.labelled]
        return Tables(tenant=caller.tenant, tables=[
            TableInfo(name=t.name, columns=dict(t.columns), filters=_filter_names(t), path=f"/v1/tables/{t.name}")
            for t in visible])

    for table in tables:
        _add_table_route(app, reader, table, Caller)

    @app.exception_handler(FileNotFoundError)
    def _no_serving_copy(request: Request, exc: FileNotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    app.state.tables = by_name
    return app


def _filter_names(table: ServedTable) -> list[str]:
    names = list(table.dimensions)
    if table.time_column:
        names += [f"{table.time_column}_from", f"{table.time_column}_to"]
    return names


def _row_model(table: ServedTable) -> type[pydantic.BaseModel]:
    # fields named f0, f1, ... with the column as alias: a column may be called anything, even "json" or "copy"
    fields = {f"f{i}": (python_type(kind) | None, pydantic.Field(None, alias=name))
              for i, (name, kind) in enumerate(table.columns)}
    return pydantic.create_model(f"{_camel(table.name)}Row", __config__=pydantic.ConfigDict(populate_by_name=True),
                                 **fields)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _add_table_route(app: FastAPI, reader: Reader, table: ServedTable, caller_type: Any) -> None:
    row_model = _row_model(table)
    page_model = pydantic.create_model(
        f"{_camel(table.name)}Page",
        table=(str, ...), total=(int, pydantic.Field(..., description="rows matching the filters")),
        limit=(int, ...), offset=(int, ...),
        next_offset=(int | None, pydantic.Field(None, description="the offset of the next page; null on the last")),
        rows=(list[row_model], ...))
    relation = reader.relation(table.schema, table.name)
    names = [c for c, _ in table.columns]
    select = ", ".join(f'"{c}"' for c in names)
    order = ", ".join(str(i + 1) for i in range(len(names)))  # every column: a stable order for paging

    def read(caller: Any, limit: int, offset: int, **filters: Any) -> Any:
        where, params = [], []
        if caller.label_keys is not None:
            if not table.labelled:
                raise HTTPException(403, f"{table.name} holds rows of no label: only the platform reads it")
            if not caller.label_keys:
                where.append("false")
            else:
                where.append(f"label_key IN ({', '.join('?' * len(caller.label_keys))})")
                params += caller.label_keys
        for dim in table.dimensions:
            values = filters.get(dim)
            if values:
                where.append(f'"{dim}" IN ({", ".join("?" * len(values))})')
                params += values
        if table.time_column:
            if filters.get("time_from") is not None:
                where.append(f'"{table.time_column}" >= ?')
                params.append(filters["time_from"])
            if filters.get("time_to") is not None:
                where.append(f'"{table.time_column}" <= ?')
                params.append(filters["time_to"])
        condition = f" WHERE {' AND '.join(where)}" if where else ""
        total = reader.fetch(f"SELECT count(*) FROM {relation}{condition}", params)[0][0]
        rows = reader.fetch(f"SELECT {select} FROM {relation}{condition} ORDER BY {order} LIMIT ? OFFSET ?",
                            [*params, limit, offset])
        return {"table": table.name, "total": int(total), "limit": limit, "offset": offset,
                "next_offset": offset + limit if offset + limit < total else None,
                "rows": [row_model.model_validate(dict(zip(names, r, strict=True))) for r in rows]}

    parameters = [
        inspect.Parameter("caller", inspect.Parameter.KEYWORD_ONLY, annotation=caller_type),
        inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY, annotation=int,
                          default=Query(100, ge=1, le=MAX_LIMIT, description="rows per page")),
        inspect.Parameter("offset", inspect.Parameter.KEYWORD_ONLY, annotation=int,
                          default=Query(0, ge=0, le=1_000_000_000, description="rows to skip")),
    ]
    for dim in table.dimensions:
        parameters.append(inspect.Parameter(
            dim, inspect.Parameter.KEYWORD_ONLY, annotation=list[FilterValue] | None,
            default=Query(None, max_length=100, description=f"only rows whose {dim} is one of these")))
    if table.time_column:
        for bound, alias in (("time_from", f"{table.time_column}_from"), ("time_to", f"{table.time_column}_to")):
            parameters.append(inspect.Parameter(
                bound, inspect.Parameter.KEYWORD_ONLY, annotation=dt.date | None,
                default=Query(None, alias=alias, description=f"{table.time_column} on or "
                              f"{'after' if bound == 'time_from' else 'before'} this day")))

    def endpoint(**kwargs: Any) -> Any:
        return read(kwargs.pop("caller"), kwargs.pop("limit"), kwargs.pop("offset"), **kwargs)

    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = f"read_{table.name}"
    scope = "a tenant's rows" if table.labelled else "platform token only"
    app.get(f"/v1/tables/{table.name}", response_model=page_model, responses=ERRORS, tags=["tables"],
            summary=f"{table.name} ({scope})", operation_id=f"read_{table.name}")(endpoint)
