"""Tenants see only their own data in Superset: the bootstrap turns infra/tenancy.yml into a role and a row-level
filter per tenant and the configured users; a label analyst's chart-data queries return only their labels' rows on
every dataset with a label key, datasets without one are refused, and SQL Lab is closed to them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _session(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(f"{base}/api/v1/security/login", json={"username": username, "password": password,
                                                               "provider": "db", "refresh": False}, timeout=30)
    resp.raise_for_status()
    session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return session


def _by_label(session: requests.Session, base: str, dataset_id: int) -> requests.Response:
    """Rows per label_key of one dataset, through the chart-data API (what every chart and export goes through)."""
    return session.post(f"{base}/api/v1/chart/data", json={
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"columns": ["label_key"], "metrics": [{"expressionType": "SQL", "sqlExpression": "COUNT(*)",
                                                             "label": "row_count"}],
                     "filters": [], "row_limit": 10_000, "orderby": []}],
        "result_format": "json", "result_type": "full"}, timeout=120)


@pytest.mark.parametrize("username, tenant", [("northern_pulse_analyst", "northern_pulse"),
                                              ("meridian_lead", "meridian")])
def test_a_tenant_sees_only_its_labels_on_every_dataset(username: str, tenant: str, superset_server: Any,
                                                         superset_api: Any):
    base = superset_server.base_url
    tenancy = superset_server.bootstrap_summary["tenancy"]
    mine = tenancy["tenants"][tenant]
    keys = set(mine["label_keys"])
    creds = json.loads((superset_server.var_dir / "superset" / "tenant_credentials.json").read_text())
    user = _session(base, username, creds[username])
    listing = superset_api.get(f"{base}/api/v1/dataset/", params={"q": "(page_size:100)"}, timeout=30).json()
    ids = {d["table_name"]: d["id"] for d in listing["result"]}

    seen_rows, hidden = 0, set()
    for table in mine["datasets"]:
        everything = _by_label(superset_api, base, ids[table])
        assert everything.status_code == 200, everything.text[:300]
        all_rows = {r["label_key"]: r["row_count"] for r in everything.json()["result"][0]["data"]}
        resp = _by_label(user, base, ids[table])
        assert resp.status_code == 200, f"{table}: {resp.status_code} {resp.text[:300]}"
        got = {r["label_key"]: r["row_count"] for r in resp.json()["result"][0]["data"]}
        # exactly the tenant's share of what the admin sees: no other label, no unlabelled row, nothing missing
        assert got == {k: n for k, n in all_rows.items() if k in keys}, table
        seen_rows += sum(got.values())
        hidden |= set(all_rows) - keys
    assert seen_rows > 0
    assert hidden, "other labels' (or unlabelled) rows must exist for the test to mean anything"

    for table in tenancy["datasets_without_label_key"]:  # not any one label's rows: refused outright
        resp = _by_label(user, base, ids[table])
        assert resp.status_code in (403, 404), f"{table}: {resp.status_code}"

    databases = superset_api.get(f"{base}/api/v1/database/", timeout=30).json()["result"]
    csrf = user.get(f"{base}/api/v1/security/csrf_token/", timeout=30).json()["result"]
    resp = user.post(f"{base}/api/v1/sqllab/execute/", json={"database_id": databases[0]["id"], "sql": "SELECT 1",
                                                             "runAsync": False},
                     headers={"X-CSRFToken": csrf, "Referer": base}, timeout=60)
    assert resp.status_code == 403, f"SQL Lab answered a label user: {resp.status_code} {resp.text[:200]}"


def test_tenancy_is_idempotent(superset_server: Any):
    before = superset_server.bootstrap_summary["tenancy"]
    assert superset_server.bootstrap()["tenancy"] == before


def test_sql_lab_cannot_reach_other_files_even_for_the_admin(superset_server: Any, superset_api: Any,
                                                             pipeline_run: Any):
    """The serving connection has DuckDB's external access off: no read_csv of a landing file, no ATTACH of another
    database file, whoever asks (label users cannot open SQL Lab at all: the test above)."""
    base = superset_server.base_url
    database_id = superset_api.get(f"{base}/api/v1/database/", timeout=30).json()["result"][0]["id"]
    csrf = superset_api.get(f"{base}/api/v1/security/csrf_token/", timeout=30).json()["result"]

    def run(sql: str) -> requests.Response:
        return superset_api.post(f"{base}/api/v1/sqllab/execute/",
                                 json={"database_id": database_id, "sql": sql, "runAsync": False},
                                 headers={"X-CSRFToken": csrf, "Referer": base}, timeout=60)

    assert run("SELECT 1 AS one").json()["data"] == [{"one": 1}]  # SQL Lab itself works for the admin
    landing = pipeline_run.landing_dir / "catalogue" / "labels.csv"
    for sql in (f"SELECT count(*) FROM read_csv('{landing}')",
                f"ATTACH '{pipeline_run.warehouse_path}' AS other (READ_ONLY)"):
        resp = run(sql)
        assert resp.status_code >= 400 and "disabled by configuration" in resp.text, (sql, resp.text[:300])


def test_the_audit_log_records_logins_exports_and_permission_changes(superset_server: Any, superset_api: Any):
    base = superset_server.base_url
    creds = json.loads((superset_server.var_dir / "superset" / "tenant_credentials.json").read_text())
    refused = requests.post(f"{base}/api/v1/security/login", json={
        "username": "kogen_analyst", "password": "not the password", "provider": "db", "refresh": False}, timeout=30)
    assert refused.status_code == 401
    user = _session(base, "kogen_analyst", creds["kogen_analyst"])
    listing = superset_api.get(f"{base}/api/v1/dataset/", params={"q": "(page_size:100)"}, timeout=30).json()
    dataset = next(d["id"] for d in listing["result"] if d["table_name"] == "rpt_performance_overview")
    export = user.post(f"{base}/api/v1/chart/data", json={
        "datasource": {"id": dataset, "type": "table"},
        "queries": [{"columns": ["platform_name"], "row_limit": 100,
                     "metrics": [{"expressionType": "SQL", "sqlExpression": "SUM(streams)", "label": "streams"}]}],
        "result_format": "csv", "result_type": "full"}, timeout=120)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")

    text = (superset_server.var_dir / "superset" / "audit.jsonl").read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    mine = [(e["event"], e["user"]) for e in lines]
    assert ("login_failed", "kogen_analyst") in mine and ("login", "kogen_analyst") in mine
    exports = [e for e in lines if e["event"] == "export" and e["user"] == "kogen_analyst"]
    assert exports and exports[-1]["details"]["format"] == "csv" and exports[-1]["ip"] == "127.0.0.1"
    changes = {(e["details"]["object"], e["details"]["name"], e["details"]["change"])
               for e in lines if e["event"] == "permission_change" and e["user"] == "bootstrap"}
    # the bootstrap's own changes: the tenant roles, their row-level filters and the users it created
    assert {("role", "tenant_kogen_sound", "created"), ("row_level_filter", "tenant_kogen_sound_labels", "created"),
            ("user", "kogen_analyst", "created")} <= changes
    assert creds["kogen_analyst"] not in text and "not the password" not in text  # no secret is ever written


def test_the_executive_reads_but_cannot_change_anything(superset_server: Any, superset_api: Any):
    base = superset_server.base_url
    creds = json.loads((superset_server.var_dir / "superset" / "tenant_credentials.json").read_text())
    assert superset_server.bootstrap_summary["tenancy"]["users"]["northern_pulse_exec"]["superset_roles"] == [
        "tenant_northern_pulse", "tm_read_only"]
    executive = _session(base, "northern_pulse_exec", creds["northern_pulse_exec"])
    analyst = _session(base, "northern_pulse_analyst", creds["northern_pulse_analyst"])
    listing = superset_api.get(f"{base}/api/v1/dataset/", params={"q": "(page_size:100)"}, timeout=30).json()
    dataset = next(d["id"] for d in listing["result"] if d["table_name"] == "rpt_performance_overview")
    assert _by_label(executive, base, dataset).status_code == 200  # reads its tenant's rows
    dashboard = superset_api.get(f"{base}/api/v1/dashboard/performance-overview", timeout=30).json()["result"]
    new_chart = {"slice_name": "mine", "viz_type": "table", "datasource_id": dataset, "datasource_type": "table"}
    for session, allowed in ((executive, False), (analyst, True)):
        csrf = session.get(f"{base}/api/v1/security/csrf_token/", timeout=30).json()["result"]
        headers = {"X-CSRFToken": csrf, "Referer": base}
        created = session.post(f"{base}/api/v1/chart/", json=new_chart, headers=headers, timeout=30)
        assert (created.status_code == 201) == allowed, (allowed, created.status_code, created.text[:200])
        if allowed:
            session.delete(f"{base}/api/v1/chart/{created.json()['id']}", headers=headers, timeout=30)
    csrf = executive.get(f"{base}/api/v1/security/csrf_token/", timeout=30).json()["result"]
    renamed = executive.put(f"{base}/api/v1/dashboard/{dashboard['id']}", json={"dashboard_title": "hijacked"},
                            headers={"X-CSRFToken": csrf, "Referer": base}, timeout=30)
    assert renamed.status_code in (403, 404), renamed.status_code
    title = superset_api.get(f"{base}/api/v1/dashboard/performance-overview", timeout=30).json()["result"]
    assert title["dashboard_title"] == dashboard["dashboard_title"]


def test_a_tenant_opens_every_dashboard_whole_but_the_operators_one(superset_server: Any, superset_api: Any):
    """Every chart of every dashboard a label analyst may open answers with data (none refused); the dashboard whose
    datasets are no label's (Data Quality) is the platform's and does not open for them at all."""
    from superset_assets.reports import DASHBOARDS

    base = superset_server.base_url
    assert superset_server.bootstrap_summary["tenancy"]["platform_only_dashboards"] == ["data-quality"]
    creds = json.loads((superset_server.var_dir / "superset" / "tenant_credentials.json").read_text())
    user = _session(base, "kogen_analyst", creds["kogen_analyst"])
    listed = {d["slug"] for d in user.get(f"{base}/api/v1/dashboard/", params={"q": "(page_size:100)"},
                                             timeout=30).json()["result"]}
    assert listed == {d.slug for d in DASHBOARDS} - {"data-quality"}
    assert user.get(f"{base}/api/v1/dashboard/data-quality", timeout=30).status_code in (403, 404)
    for slug in sorted(listed):
        charts = user.get(f"{base}/api/v1/dashboard/{slug}/charts", timeout=30)
        assert charts.status_code == 200, slug
        for chart in charts.json()["result"]:
            resp = user.get(f"{base}/api/v1/chart/{chart['id']}/data/", timeout=120)
            assert resp.status_code == 200, f"{slug}/{chart['slice_name']}: {resp.status_code} {resp.text[:200]}"
