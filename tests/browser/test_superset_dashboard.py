"""The "Performance Overview" dashboard, end to end: Superset on the pipeline's serving copy.

Needs Superset's environment (`uv sync --frozen --project infra/superset`) and Debian's chromium.
"""

from __future__ import annotations

import json
import shutil
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_SLUG = "performance-overview"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

EXPECTED_CHARTS = {
    "Total streams": "big_number_total",
    "Revenue (EUR)": "big_number_total",
    "Streams over time": "echarts_timeseries_line",
    "Top tracks": "table",
    "Streams by platform": "pie",
    "28-day stream forecast": "echarts_timeseries_line",
}
EXPECTED_NATIVE_FILTERS = {
    "NATIVE_FILTER-tm-platform": "filter_select",
    "NATIVE_FILTER-tm-time-range": "filter_time",
}
PERFORMANCE_DATASET_UUID = "8354c132-212e-46d5-90c4-01c23a1c98e8"
FORECAST_CHART_UUID = "6899597c-374e-4b1e-b02a-5e9dfe876e96"
# what "rendered" looks like inside a chart holder, per viz type
RENDERED_SELECTOR = {
    "big_number_total": ".header-line",
    "table": "table tbody tr",
    "pie": "[data-test='slice-container'] canvas, [data-test='slice-container'] svg",
    "echarts_timeseries_line": "[data-test='slice-container'] canvas, [data-test='slice-container'] svg",
}
ERROR_SELECTOR = ".ant-alert-error, [data-test='error-tooltip'], .alert-danger"
RENDER_TIMEOUT_S = 120


def save_screenshot(page: Any, var_dir: Path, name: str) -> Path:
    """Full-page screenshot under <var_dir>/screenshots/, copied to <repo>/var/screenshots/."""
    target = Path(var_dir) / "screenshots" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    repo_copy = REPO_ROOT / "var" / "screenshots" / name
    if repo_copy.resolve() != target.resolve():
        repo_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, repo_copy)
    return target


def _dashboard_charts(api: Any, base_url: str) -> list[dict[str, Any]]:
    resp = api.get(f"{base_url}/api/v1/dashboard/{DASHBOARD_SLUG}/charts", timeout=30)
    resp.raise_for_status()
    return resp.json()["result"]


def _dashboard(api: Any, base_url: str) -> dict[str, Any]:
    resp = api.get(f"{base_url}/api/v1/dashboard/{DASHBOARD_SLUG}", timeout=30)
    resp.raise_for_status()
    return resp.json()["result"]


def _count(api: Any, base_url: str, resource: str) -> int:
    resp = api.get(f"{base_url}/api/v1/{resource}/", params={"q": "(page_size:1)"}, timeout=30)
    resp.raise_for_status()
    return int(resp.json()["count"])


def _login(page: Any, server: Any) -> None:
    """Log in through the login form."""
    page.goto(f"{server.base_url}/login/")
    page.fill("#username", server.admin_user)
    page.fill("#password", server.admin_password)
    page.click("[data-test='login-button']")
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)


def test_dashboard_renders_with_exact_totals(superset_server, superset_api, superset_page, pipeline_run):
    base = superset_server.base_url
    charts = _dashboard_charts(superset_api, base)
    assert {c["slice_name"]: c["form_data"]["viz_type"] for c in charts} == EXPECTED_CHARTS

    page = superset_page
    data_responses: list[dict[str, Any]] = []

    def _on_response(resp: Any) -> None:
        if "/api/v1/chart/data" in resp.url:
            try:
                body = resp.json()
            except Exception:  # a non-JSON body is itself the failure to report
                body = {"unparsable": resp.text()[:500]}
            data_responses.append({"url": resp.url, "status": resp.status, "body": body})

    page.on("response", _on_response)

    _login(page, superset_server)

    started = time.monotonic()
    page.goto(f"{base}/superset/dashboard/{DASHBOARD_SLUG}/")
    page.wait_for_selector("[data-test='dashboard-component-chart-holder']", timeout=60_000)

    # wait until every chart drew its visualisation (or one of them shows an error)
    pending = {c["id"]: c for c in charts}
    errors: dict[str, str] = {}
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    while pending and time.monotonic() < deadline:
        for chart_id, chart in list(pending.items()):
            holder = page.locator(f".dashboard-chart-id-{chart_id}")
            if holder.locator(ERROR_SELECTOR).count():
                errors[chart["slice_name"]] = holder.inner_text()[:500]
                del pending[chart_id]
                continue
            rendered = holder.locator(RENDERED_SELECTOR[chart["form_data"]["viz_type"]]).count() > 0
            loading = holder.locator("[data-test='loading-indicator']").count() > 0
            if rendered and not loading:
                del pending[chart_id]
        if pending:
            page.wait_for_timeout(250)
    render_seconds = time.monotonic() - started

    # screenshot first, so that a failing assertion below still leaves the picture behind
    page.wait_for_timeout(500)  # let the charts' entry animations settle
    shot = save_screenshot(page, pipeline_run.var_dir, "performance_overview.png")
    assert shot.stat().st_size > 10_000

    assert not errors, f"charts show errors: {errors}"
    not_rendered = [c["slice_name"] for c in pending.values()]
    assert not pending, f"charts not rendered after {RENDER_TIMEOUT_S}s: {not_rendered}"

    # no chart anywhere on the page shows an error, and every data request succeeded
    assert page.locator(f"[data-test='grid-container'] :is({ERROR_SELECTOR})").count() == 0
    page.wait_for_load_state("networkidle")
    assert len(data_responses) >= len(charts), data_responses
    for r in data_responses:
        assert r["status"] == 200, r
        assert all(not q.get("error") for q in r["body"].get("result", [])), r

    # the big number is the exact total, formatted with thousands separators (never 91.1M)
    by_name = {c["slice_name"]: c["id"] for c in charts}
    shown = page.locator(f".dashboard-chart-id-{by_name['Total streams']} .header-line").inner_text().strip()
    expected = f"{int(pipeline_run.manifest['totals']['streams']):,}"
    assert shown == expected, f"Total streams shows {shown!r}, manifest says {expected!r}"

    # native filters made it to the page
    names = page.locator("[data-test='filter-bar'] [data-test='filter-control-name']").all_inner_texts()
    assert [n.strip() for n in names] == ["Platform", "Time range"]

    print(f"dashboard rendered in {render_seconds:.1f}s; blocked outbound requests: {page.blocked_requests}")


def test_platform_filter_narrows_the_dashboard(superset_server, superset_api, superset_page, pipeline_run):
    """The native Platform filter works after import: picking one platform shows that platform's streams."""
    import duckdb

    with duckdb.connect(str(pipeline_run.serving_path), read_only=True) as con:
        rows = con.execute(
            "select platform_code, platform_name, sum(streams) from marts.rpt_performance_overview group by all"
        ).fetchall()
    by_platform = pipeline_run.manifest["totals"].get("streams_by_platform")  # truth, when the manifest has it
    code, name, served = max(rows, key=lambda r: r[2])
    expected = int(by_platform[code]) if by_platform and code in by_platform else int(served)
    assert expected < int(pipeline_run.manifest["totals"]["streams"]), "need two platforms to test the filter"

    page = superset_page
    _login(page, superset_server)
    charts = {c["slice_name"]: c["id"] for c in _dashboard_charts(superset_api, superset_server.base_url)}
    page.goto(f"{superset_server.base_url}/superset/dashboard/{DASHBOARD_SLUG}/")
    total = page.locator(f".dashboard-chart-id-{charts['Total streams']} .header-line")
    total.wait_for(timeout=RENDER_TIMEOUT_S * 1000)

    page.click("[data-test='NATIVE_FILTER-tm-platform'] .ant-select-selector")
    page.click(f".ant-select-item-option[title={json.dumps(name)}]")
    page.keyboard.press("Escape")
    page.click("[data-test='filter-bar__apply-button']")
    want = f"{expected:,}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and total.inner_text().strip() != want:
        page.wait_for_timeout(250)
    assert total.inner_text().strip() == want, f"Total streams for {name}: {total.inner_text()!r}, want {want!r}"


def test_every_chart_returns_rows_through_the_api(superset_server, superset_api, pipeline_run):
    base = superset_server.base_url
    charts = _dashboard_charts(superset_api, base)
    assert len(charts) == len(EXPECTED_CHARTS)
    values: dict[str, list[dict[str, Any]]] = {}
    for chart in charts:
        # the chart's saved query_context, run by the server
        resp = superset_api.get(f"{base}/api/v1/chart/{chart['id']}/data/", timeout=120)
        assert resp.status_code == 200, f"{chart['slice_name']}: {resp.status_code} {resp.text[:500]}"
        results = resp.json()["result"]
        assert results, chart["slice_name"]
        for result in results:
            assert not result.get("error"), f"{chart['slice_name']}: {result['error']}"
            assert result["rowcount"] >= 1 and result["data"], f"{chart['slice_name']} returned no rows"
        values[chart["slice_name"]] = results[0]["data"]

    totals = pipeline_run.manifest["totals"]
    assert values["Total streams"][0]["total_streams"] == int(totals["streams"])
    revenue = Decimal(str(values["Revenue (EUR)"][0]["revenue_eur"]))
    assert abs(revenue - Decimal(totals["revenue_eur"])) < Decimal("0.005")
    assert len(values["Top tracks"]) <= 20


def test_bootstrap_rerun_updates_in_place(superset_server, superset_api):
    base = superset_server.base_url
    before = superset_server.bootstrap_summary
    counts_before = {r: _count(superset_api, base, r) for r in ("dashboard", "chart", "dataset", "database")}

    after = superset_server.bootstrap()

    assert after["ids"] == before["ids"], "a re-import changed ids: it duplicated or recreated objects"
    assert after["counts"] == before["counts"]
    assert after["db_upgraded"] is False and after["admin_created"] is False
    counts_after = {r: _count(superset_api, base, r) for r in ("dashboard", "chart", "dataset", "database")}
    assert counts_after == counts_before
    assert counts_after["chart"] == len(EXPECTED_CHARTS)

    # native filters survived the re-import, pointing at the right dataset, scoped by real chart ids
    dashboard = _dashboard(superset_api, base)
    meta = json.loads(dashboard["json_metadata"])
    filters = {f["id"]: f for f in meta.get("native_filter_configuration", [])}
    assert {k: f["filterType"] for k, f in filters.items()} == EXPECTED_NATIVE_FILTERS
    dataset_id = after["ids"]["datasets"][PERFORMANCE_DATASET_UUID]
    assert filters["NATIVE_FILTER-tm-platform"]["targets"][0]["datasetId"] == dataset_id
    assert filters["NATIVE_FILTER-tm-platform"]["targets"][0]["column"]["name"] == "platform_name"
    chart_ids = set(after["ids"]["charts"].values())
    forecast_id = after["ids"]["charts"][FORECAST_CHART_UUID]
    for f in filters.values():
        assert set(f["chartsInScope"]) == chart_ids - {forecast_id}
        assert f["scope"]["excluded"] == [forecast_id]

    # and the charts still answer after the re-import
    charts = _dashboard_charts(superset_api, base)
    total_id = next(c["id"] for c in charts if c["slice_name"] == "Total streams")
    resp = superset_api.get(f"{base}/api/v1/chart/{total_id}/data/", timeout=120)
    assert resp.status_code == 200 and resp.json()["result"][0]["rowcount"] == 1
