"""Every dashboard of superset_assets/, end to end: Superset on the session pipeline's serving copy, Chromium.

Each dashboard opens with every chart drawn and no error (screenshots under var/screenshots/), every chart's saved
query returns rows through the API, one figure per dashboard equals the generator's truth before and after a
native filter is applied in the browser, charts export CSV and Excel, and a second bootstrap changes nothing.
Needs Superset's environment (`make setup-superset`) and Debian's chromium (`make setup-browser`).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest

from superset_assets.reports import DASHBOARDS
from tests.support import superset_browser as browser
from tests.support.dashboard_truth import FIGURES, Figure, Truth

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
SLUGS = [d.slug for d in DASHBOARDS]


@pytest.fixture(scope="module")
def truth(pipeline_run: Any) -> Truth:
    return Truth(pipeline_run.manifest, pipeline_run.landing_dir)


def _charts(api: Any, base: str, slug: str) -> list[dict[str, Any]]:
    resp = api.get(f"{base}/api/v1/dashboard/{slug}/charts", timeout=30)
    resp.raise_for_status()
    return resp.json()["result"]


def _chart_rows(api: Any, base: str, chart: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the chart's saved query through the chart-data API (the legacy world map draws from
    explore_json in the browser, but its saved query is the same SQL)."""
    resp = api.get(f"{base}/api/v1/chart/{chart['id']}/data/", timeout=120)
    assert resp.status_code == 200, f"{chart['slice_name']}: {resp.status_code} {resp.text[:500]}"
    results = resp.json()["result"]
    for result in results:
        assert not result.get("error"), f"{chart['slice_name']}: {result['error']}"
    return results[0]["data"]


@pytest.mark.parametrize("slug", SLUGS)
def test_dashboard_draws_and_its_figure_follows_a_native_filter(slug, truth, superset_server, superset_api,
                                                                superset_page, pipeline_run):
    """Every chart drawn with no error, the filter bar as declared, then the dashboard's checked figure equals the
    truth before and after one native filter is applied in the browser, as a user would."""
    declared = next(d for d in DASHBOARDS if d.slug == slug)
    charts = _charts(superset_api, superset_server.base_url, slug)
    assert {c["slice_name"]: c["form_data"]["viz_type"] for c in charts} == \
        {c.name: c.viz_type for c in declared.charts}

    page = superset_page
    responses = browser.record_chart_data(page)
    browser.login(page, superset_server)
    errors, pending, seconds = browser.open_dashboard(page, superset_server.base_url, slug, charts)
    page.wait_for_timeout(500)  # let the entry animations settle before the picture
    shot = browser.save_screenshot(page, pipeline_run.var_dir, f"{slug}.png")  # first, so a failure leaves it
    assert shot.stat().st_size > 20_000

    assert not errors, f"charts show errors or no rows: {errors}"
    assert not pending, f"charts not drawn: {pending}"
    page.wait_for_load_state("networkidle")
    assert len(responses) >= len(charts)
    for r in responses:
        assert r["status"] == 200, r
        assert all(not q.get("error") for q in r["body"].get("result", [])), r
    names = [n.strip() for n in page.locator("[data-test='filter-control-name']").all_inner_texts()]
    assert names == [f.name for f in declared.filters]
    assert page.blocked_requests == [], "the page tried to reach outside this Superset"  # type: ignore[attr-defined]
    print(f"{slug}: {len(charts)} charts drawn in {seconds:.1f}s")

    figure: Figure = next(f for f in FIGURES if f.slug == slug)
    chart_id = next(c["id"] for c in charts if c["slice_name"] == figure.chart)
    want = f"{figure.expected(truth):,}"  # exact, with thousands separators: never 14.2M
    assert browser.wait_for_text(page, chart_id, want) == want
    option = figure.option(truth)
    if isinstance(option, tuple):
        browser.apply_time_range(page, *option)
    else:
        browser.apply_select_filter(page, figure.filter_id, option)
    filtered = f"{figure.filtered(truth):,}"
    assert filtered != want, "the filter must change the figure for the test to mean anything"
    assert browser.wait_for_text(page, chart_id, filtered) == filtered, f"{figure.chart} after {option!r}"


def test_every_dashboard_has_a_checked_figure():
    assert sorted(f.slug for f in FIGURES) == sorted(SLUGS)


def test_every_chart_query_returns_rows(superset_server, superset_api, truth, pipeline_run):
    base = superset_server.base_url
    empty, counted = [], 0
    values: dict[str, list[dict[str, Any]]] = {}
    for slug in SLUGS:
        for chart in _charts(superset_api, base, slug):
            rows = _chart_rows(superset_api, base, chart)
            counted += 1
            if not rows:
                empty.append(f"{slug}/{chart['slice_name']}")
            values[f"{slug}/{chart['slice_name']}"] = rows
    assert not empty, f"charts whose query returned no rows: {empty}"
    assert counted == sum(len(d.charts) for d in DASHBOARDS)
    # the saved queries say what the dashboards show: the totals, to the stream and the cent
    assert values["performance-overview/Total streams"][0]["total_streams"] == truth.streams
    revenue = Decimal(str(values["performance-overview/Revenue (EUR)"][0]["revenue_eur"]))
    assert abs(revenue - Decimal(truth.manifest["totals"]["revenue_eur"])) < Decimal("0.005")
    import duckdb

    with duckdb.connect(str(pipeline_run.serving_path), read_only=True) as con:
        tracks = con.execute("""select track_title, artist_name, label_name, sum(streams) as streams
                                from marts.rpt_performance_overview group by all order by streams desc""").fetchall()
    top = values["performance-overview/Top tracks"]
    assert len(top) == min(20, len(tracks))  # the row limit, or every track when there are fewer
    assert [(r["track_title"], r["total_streams"]) for r in top] == [(t[0], t[3]) for t in tracks[:len(top)]]
    world = values["geographic-distribution/Streams by country"]
    assert sum(row["geo_streams"] for row in world) == truth.streams  # the map covers every country's streams


def test_charts_export_csv_and_excel(superset_server, superset_api, truth):
    base = superset_server.base_url
    charts = {c["slice_name"]: c["id"] for c in _charts(superset_api, base, "platform-comparison")}
    chart_id = charts["Rates by platform"]
    resp = superset_api.get(f"{base}/api/v1/chart/{chart_id}/data/", params={"format": "csv"}, timeout=120)
    assert resp.status_code == 200 and "text/csv" in resp.headers["Content-Type"], resp.text[:300]
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    # the export names the columns as the dashboard does (the dataset's verbose names)
    column = "Streams (statements)"
    assert list(rows[0])[:3] == ["Platform", "Service type", column], rows[0]
    by_platform = {r["Platform"]: r for r in rows}
    assert int(float(by_platform["Amazon Music"][column])) == truth.statement_streams("amazon_music")
    resp = superset_api.get(f"{base}/api/v1/chart/{chart_id}/data/", params={"format": "xlsx"}, timeout=120)
    assert resp.status_code == 200 and resp.content[:2] == b"PK", resp.text[:300]  # an Office Open XML file

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(resp.content), read_only=True).worksheets[0]
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = list(cells[0])
    amazon = next(row for row in cells[1:] if "Amazon Music" in row)
    assert int(amazon[header.index(column)]) == truth.statement_streams("amazon_music")


def test_bootstrap_rerun_updates_in_place(superset_server, superset_api):
    base = superset_server.base_url

    def count(resource: str) -> int:
        resp = superset_api.get(f"{base}/api/v1/{resource}/", params={"q": "(page_size:1)"}, timeout=30)
        resp.raise_for_status()
        return int(resp.json()["count"])

    before = superset_server.bootstrap_summary
    counts_before = {r: count(r) for r in ("dashboard", "chart", "dataset", "database")}
    after = superset_server.bootstrap()

    assert after["ids"] == before["ids"], "a re-import changed ids: it duplicated or recreated objects"
    assert after["counts"] == before["counts"]
    assert after["db_upgraded"] is False and after["admin_created"] is False
    assert {r: count(r) for r in ("dashboard", "chart", "dataset", "database")} == counts_before
    assert counts_before == {"dashboard": 11, "chart": sum(len(d.charts) for d in DASHBOARDS),
                             "dataset": len({c.dataset.table for d in DASHBOARDS for c in d.charts}
                                            | {f.dataset.table for d in DASHBOARDS for f in d.filters if f.dataset}),
                             "database": 1}

    # native filters and cross-filter scopes survived, pointing at real datasets and real chart ids
    dataset_ids = set(after["ids"]["datasets"].values())
    for declared in DASHBOARDS:
        resp = superset_api.get(f"{base}/api/v1/dashboard/{declared.slug}", timeout=30)
        resp.raise_for_status()
        meta = json.loads(resp.json()["result"]["json_metadata"])
        chart_ids = {c["id"] for c in _charts(superset_api, base, declared.slug)}
        by_name = {c["slice_name"]: c["id"] for c in _charts(superset_api, base, declared.slug)}
        filters = {f["name"]: f for f in meta["native_filter_configuration"]}
        assert list(filters) == [f.name for f in declared.filters]
        for flt in declared.filters:
            got = filters[flt.name]
            excluded = {by_name[c.name] for c in declared.charts if not flt.applies_to(c)}
            assert set(got["scope"]["excluded"]) == excluded, (declared.slug, flt.name)
            assert set(got["chartsInScope"]) == chart_ids - excluded, (declared.slug, flt.name)
            if flt.dataset is not None:
                assert got["targets"][0]["datasetId"] in dataset_ids
                assert got["targets"][0]["column"]["name"] == flt.column
        assert meta["cross_filters_enabled"] is True
        for chart in declared.charts:
            config = meta["chart_configuration"][str(by_name[chart.name])]
            same = {by_name[c.name] for c in declared.charts if c.dataset.table == chart.dataset.table}
            assert set(config["crossFilters"]["chartsInScope"]) == same - {by_name[chart.name]}, chart.name
