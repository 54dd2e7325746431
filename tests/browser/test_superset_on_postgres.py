"""The same dashboards on PostgreSQL: the bootstrap registers both databases, keeps Superset's own metadata in
PostgreSQL and points every chart and native filter at the PostgreSQL copies of the datasets (``serving`` schema);
every dashboard then draws, every chart's query returns rows and the figures match the generator's truth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestration.local_superset import SupersetServer, start_superset
from orchestration.processes import free_port
from superset_assets.reports import DASHBOARDS
from tests.support import superset_browser as browser
from tests.support.dashboard_truth import FIGURES, Truth
from tests.support.superset_postgres import SERVING_SCHEMA, copy_serving_to_postgres, fresh_database

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def pg_superset(postgres: Any, pipeline_run: Any, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[SupersetServer]:
    warehouse_uri = fresh_database(postgres, "tm_dashboards_warehouse")
    metadata_uri = fresh_database(postgres, "tm_superset_metadata")
    tables = sorted({(c.dataset.schema, c.dataset.table) for d in DASHBOARDS for c in d.charts}
                    | {(f.dataset.schema, f.dataset.table) for d in DASHBOARDS for f in d.filters if f.dataset}
                    | {("marts", "dim_label")})  # the tenancy's labels (infra/superset/tenancy_roles.py)
    dsn = postgres.dsn.replace("dbname=postgres", "dbname=tm_dashboards_warehouse")
    counts = copy_serving_to_postgres(pipeline_run.serving_path, dsn, tables)
    assert counts["marts.rpt_performance_overview"] > 10_000
    server = start_superset(pipeline_run.serving_path, tmp_path_factory.mktemp("superset_pg"), free_port(),
                            bootstrap_args=["--postgres-uri", warehouse_uri, "--connection", "postgres"],
                            extra_env={"SUPERSET_METADATA_URI": metadata_uri})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pg_api(pg_superset: SupersetServer) -> Iterator[Any]:
    import requests

    session = requests.Session()
    resp = session.post(f"{pg_superset.base_url}/api/v1/security/login",
                        json={"username": pg_superset.admin_user, "password": pg_superset.admin_password,
                              "provider": "db", "refresh": False}, timeout=30)
    resp.raise_for_status()
    session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    yield session
    session.close()


def test_metadata_and_datasets_live_in_postgres(pg_superset: SupersetServer, pg_api: Any, postgres: Any):
    import psycopg2

    summary = pg_superset.bootstrap_summary
    assert summary["connection"] == "postgres" and summary["counts"]["databases"] == 2
    dsn = postgres.dsn.replace("dbname=postgres", "dbname=tm_superset_metadata")
    with psycopg2.connect(dsn) as con, con.cursor() as cur:  # Superset's own tables are in PostgreSQL
        cur.execute("SELECT count(*) FROM dashboards")
        assert cur.fetchone()[0] == len(DASHBOARDS)
        cur.execute("SELECT database_name FROM dbs ORDER BY 1")
        assert [r[0] for r in cur.fetchall()] == ["TuneMantra serving (DuckDB)", "TuneMantra warehouse (PostgreSQL)"]
    con.close()
    datasets = pg_api.get(f"{pg_superset.base_url}/api/v1/dataset/", params={"q": "(page_size:100)"}, timeout=30)
    used: set[str] = set()  # the datasets the dashboards' charts read
    for declared in DASHBOARDS:
        charts = pg_api.get(f"{pg_superset.base_url}/api/v1/dashboard/{declared.slug}/charts", timeout=30).json()
        used |= {c["form_data"]["datasource"].split("__")[0] for c in charts["result"]}
    by_id = {str(d["id"]): d for d in datasets.json()["result"]}
    assert {by_id[i]["database"]["database_name"] for i in used} == {"TuneMantra warehouse (PostgreSQL)"}
    assert {by_id[i]["schema"] for i in used} == {SERVING_SCHEMA}


def test_every_chart_query_returns_rows_on_postgres(pg_superset: SupersetServer, pg_api: Any, pipeline_run: Any):
    base = pg_superset.base_url
    truth = Truth(pipeline_run.manifest, pipeline_run.landing_dir)
    empty, figures = [], {}
    for declared in DASHBOARDS:
        for chart in pg_api.get(f"{base}/api/v1/dashboard/{declared.slug}/charts", timeout=30).json()["result"]:
            resp = pg_api.get(f"{base}/api/v1/chart/{chart['id']}/data/", timeout=120)
            assert resp.status_code == 200, f"{chart['slice_name']}: {resp.text[:500]}"
            result = resp.json()["result"][0]
            assert not result.get("error"), result["error"]
            rows = result["data"]
            if not rows:
                empty.append(f"{declared.slug}/{chart['slice_name']}")
            figures[(declared.slug, chart["slice_name"])] = rows
    assert not empty, empty
    for figure in FIGURES:  # each dashboard's checked figure, unfiltered, on PostgreSQL
        (value,) = figures[(figure.slug, figure.chart)][0].values()
        assert int(value) == figure.expected(truth), figure.slug


@pytest.mark.parametrize("slug", [d.slug for d in DASHBOARDS])
def test_dashboard_draws_on_postgres(slug: str, pg_superset: SupersetServer, pg_api: Any, chromium: Any,
                                     pipeline_run: Any):
    charts = pg_api.get(f"{pg_superset.base_url}/api/v1/dashboard/{slug}/charts", timeout=30).json()["result"]
    context = chromium.new_context(viewport={"width": 1600, "height": 1200})
    try:
        page = context.new_page()
        browser.login(page, pg_superset)
        errors, pending, _ = browser.open_dashboard(page, pg_superset.base_url, slug, charts)
        browser.save_screenshot(page, Path(pipeline_run.var_dir), f"postgres/{slug}.png")
        assert not errors and not pending, (errors, pending)
        if slug == "performance-overview":  # and a native filter works there too
            truth = Truth(pipeline_run.manifest, pipeline_run.landing_dir)
            figure = next(f for f in FIGURES if f.slug == slug)
            chart_id = next(c["id"] for c in charts if c["slice_name"] == figure.chart)
            browser.apply_select_filter(page, figure.filter_id, figure.option(truth))
            want = f"{figure.filtered(truth):,}"
            assert browser.wait_for_text(page, chart_id, want) == want
    finally:
        context.close()
