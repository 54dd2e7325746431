"""The read API (orchestration/serving_api) over the session's DuckDB serving copy: a tenant's token reads exactly
its labels' rows in every labelled table, pages add up to the table, filters narrow it, tables without a label key
and bad tokens are refused; and schemathesis, driven by the API's own OpenAPI spec, finds no server error, no
response outside the spec and no row of another tenant.

Truth: the serving copy read directly with DuckDB (row counts per table and label key).
"""

from __future__ import annotations

import duckdb
import pytest
from fastapi.testclient import TestClient

from orchestration import tenancy
from orchestration.serving_api.app import create_app
from orchestration.serving_api.readers import DuckDBReader
from orchestration.serving_api.tokens import PLATFORM, TokenBook, issue_tokens
from tests.conftest import PipelineRun

CONFIG = tenancy.load()


@pytest.fixture(scope="module")
def api(pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tokens = issue_tokens(tmp_path_factory.mktemp("api") / "tokens.json", [t.name for t in CONFIG.tenants])
    app = create_app(DuckDBReader(pipeline_run.serving_path), tokens)
    with duckdb.connect(str(pipeline_run.serving_path), read_only=True) as con:
        labels = tenancy.label_rows(con.execute(tenancy.labels_query("marts.dim_label")).fetchall())
        tables = con.execute("SELECT table_schema, table_name, bool_or(column_name = 'label_key') "
                             "FROM information_schema.columns WHERE table_schema IN ('marts', 'ml', 'quality', "
                             "'alerts') GROUP BY 1, 2").fetchall()
        counts = {t: dict(con.execute(f"SELECT label_key, count(*) FROM {s}.{t} GROUP BY 1").fetchall())
                  for s, t, labelled in tables if labelled}
    keys = {t.name: set(tenancy.label_keys(t, labels)) for t in CONFIG.tenants}
    return {"app": app, "client": TestClient(app), "tokens": tokens, "keys": keys, "counts": counts,
            "unlabelled": sorted(t for _, t, labelled in tables if not labelled)}


def _get(api: dict, tenant: str, path: str, **params):
    return api["client"].get(path, params=params, headers={"Authorization": f"Bearer {api['tokens'][tenant]}"})


def _all_rows(api: dict, tenant: str, table: str, **params) -> list[dict]:
    rows, offset = [], 0
    while offset is not None:
        page = _get(api, tenant, f"/v1/tables/{table}", limit=1000, offset=offset, **params)
        assert page.status_code == 200, page.text
        body = page.json()
        rows += body["rows"]
        offset = body["next_offset"]
    assert len(rows) == body["total"]
    return rows


def test_a_tenant_token_reads_exactly_its_labels_in_every_labelled_table(api: dict) -> None:
    assert len(api["counts"]) >= 25  # every mart with a label key is served
    for tenant in ("northern_pulse", "kogen_sound", "atlas"):
        keys = api["keys"][tenant]
        for table, counts in api["counts"].items():
            expected = sum(n for k, n in counts.items() if k in keys)
            page = _get(api, tenant, f"/v1/tables/{table}", limit=1)
            assert page.status_code == 200, (tenant, table, page.text)
            assert page.json()["total"] == expected, (tenant, table)
        rows = _all_rows(api, tenant, "dim_track")
        assert {r["label_key"] for r in rows} <= keys and len(rows) == sum(
            n for k, n in api["counts"]["dim_track"].items() if k in keys) > 0


def test_the_platform_token_reads_every_row_and_every_table(api: dict) -> None:
    page = _get(api, PLATFORM, "/v1/tables/fct_usage_daily", limit=5).json()
    assert page["total"] == sum(api["counts"]["fct_usage_daily"].values())
    listed = {t["name"] for t in _get(api, PLATFORM, "/v1/tables").json()["tables"]}
    assert set(api["counts"]) | set(api["unlabelled"]) == listed
    tenant_listed = {t["name"] for t in _get(api, "kogen_sound", "/v1/tables").json()["tables"]}
    assert tenant_listed == set(api["counts"])


def test_pages_add_up_and_filters_narrow(api: dict) -> None:
    keys = api["keys"]["northern_pulse"]
    everything = _all_rows(api, "northern_pulse", "rpt_performance_overview")
    assert len(everything) == sum(n for k, n in api["counts"]["rpt_performance_overview"].items() if k in keys)
    # pages do not overlap: the order is stable
    assert len({tuple(sorted(r.items())) for r in everything}) == len(everything) > 0
    spotify = _all_rows(api, "northern_pulse", "rpt_performance_overview", platform_code="spotify")
    assert spotify and len(spotify) == sum(1 for r in everything if r["platform_code"] == "spotify")
    first_day = min(r["usage_date"] for r in everything)
    window = _all_rows(api, "northern_pulse", "rpt_performance_overview", usage_date_from=first_day,
                       usage_date_to=first_day)
    assert window and len(window) == sum(1 for r in everything if r["usage_date"] == first_day)
    streams = sum(r["streams"] for r in spotify)
    assert streams == sum(r["streams"] for r in everything if r["platform_code"] == "spotify") > 0


def test_refusals(api: dict) -> None:
    client = api["client"]
    assert client.get("/v1/tables/fct_usage_daily").status_code == 401
    bad = client.get("/v1/tables/fct_usage_daily", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    for table in api["unlabelled"][:5]:
        assert _get(api, "kogen_sound", f"/v1/tables/{table}").status_code == 403
        assert _get(api, PLATFORM, f"/v1/tables/{table}", limit=1).status_code == 200
    assert _get(api, "kogen_sound", "/v1/tables/fct_usage_daily", limit=5000).status_code == 422
    assert _get(api, "kogen_sound", "/v1/tables/no_such_table").status_code == 404


def test_tokens_are_kept_out_of_the_repository_and_compared_by_digest(tmp_path) -> None:
    path = tmp_path / "tokens.json"
    first = issue_tokens(path, ["a", "b"])
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert issue_tokens(path, ["a", "b"]) == first and len(set(first.values())) == 3
    book = TokenBook(first)
    assert book.tenant_of(first["a"]) == "a" and book.tenant_of(first["a"] + "x") is None


@pytest.mark.parametrize("tenant", ["northern_pulse", "atlas"])
def test_schemathesis_finds_no_server_error_no_answer_outside_the_spec_and_no_foreign_row(api: dict,
                                                                                           tenant: str) -> None:
    """Every operation of the spec, with valid and with invalid parameters generated from it, called with the
    tenant's token: no 5xx, every answer as the spec says (status, content type, body schema), and no row of a
    label the tenant does not own in any answer."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_asgi("/openapi.json", api["app"])
    keys, headers = api["keys"][tenant], {"Authorization": f"Bearer {api['tokens'][tenant]}"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    calls: dict[int, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(api["counts"]) + len(api["unlabelled"]) + 2  # + /health and /v1/tables
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            if mode is schemathesis.GenerationMode.NEGATIVE and not list(operation.query):
                continue  # no parameter to get wrong (/health, /v1/tables)
            _fuzz(api, operation, mode, headers, checks, keys, calls)()
    assert calls.get(200, 0) >= len(api["counts"]) and calls.get(403, 0) and calls.get(422, 0), calls


def _fuzz(api: dict, operation, mode, headers: dict, checks: list, keys: set[str], calls: dict[int, int]):
    from hypothesis import HealthCheck, given, settings

    table = operation.path.rsplit("/", 1)[-1]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=5, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def exercise(case) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks)
        calls[response.status_code] = calls.get(response.status_code, 0) + 1
        if response.status_code == 200 and "rows" in (body := response.json()):
            foreign = {r.get("label_key") for r in body["rows"]} - keys
            assert not foreign, f"{operation.label}: rows of other labels {foreign}"
        if table in api["unlabelled"]:
            assert response.status_code in (401, 403, 422), (operation.label, response.status_code)

    return exercise
