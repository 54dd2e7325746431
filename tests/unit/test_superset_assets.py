"""The dashboards as code (superset_assets/): the committed bundle is what the declarations render, every chart and
filter reads columns its dataset has, and the bootstrap points the bundle at the connection it is asked for."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import yaml

from superset_assets import build
from superset_assets.model import DUCKDB, POSTGRES
from superset_assets.reports import DASHBOARDS

REPO = Path(__file__).resolve().parents[2]


def load_bootstrap():
    spec = importlib.util.spec_from_file_location("tm_superset_bootstrap", REPO / "infra/superset/bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_bundle_is_what_the_declarations_render(capsys):
    assert build.main(["--check"]) == 0, capsys.readouterr().out


def test_one_dashboard_per_standard_report_and_the_operational_ones():
    assert [d.title for d in DASHBOARDS] == [
        "Performance Overview", "Catalogue Analysis", "Audience Insights", "Platform Comparison",
        "Geographic Distribution", "Trend Analysis", "Release Performance", "Playlists & Charts",
        "Revenue & Statement Reconciliation", "Insights & Forecasts", "Data Quality & Collection Health"]
    assert len({d.slug for d in DASHBOARDS}) == len({d.dashboard_uuid for d in DASHBOARDS}) == 11


def test_every_chart_type_the_reports_need_is_used():
    used = Counter(c.viz_type for d in DASHBOARDS for c in d.charts)
    for viz in ("echarts_timeseries_line", "echarts_timeseries_bar", "pie", "echarts_area",
                "echarts_timeseries_scatter", "heatmap_v2", "bubble_v2", "treemap_v2", "sankey_v2", "big_number",
                "big_number_total", "table", "world_map", "pivot_table_v2"):
        assert used[viz] >= 1, viz
    formatted = [c.name for d in DASHBOARDS for c in d.charts if c.params.get("conditional_formatting")]
    assert len(formatted) >= 8, formatted
    assert any(c.params.get("donut") for d in DASHBOARDS for c in d.charts)


def test_charts_and_filters_read_columns_and_metrics_their_datasets_have():
    for dashboard in DASHBOARDS:
        for chart in dashboard.charts:
            for column in chart.columns_used():
                assert chart.dataset.has_column(column), (dashboard.slug, chart.name, column)
            for metric in chart.metrics_used():
                chart.dataset.metric(metric)  # raises when the dataset does not define it
            for key in ("metric", "x", "y", "size"):
                if isinstance(chart.params.get(key), str):
                    chart.dataset.metric(chart.params[key])
        for flt in dashboard.filters:
            if flt.kind == "filter_select":
                assert flt.dataset.has_column(flt.column), (dashboard.slug, flt.name)


def test_filters_leave_out_the_charts_whose_dataset_lacks_the_column():
    rendered = {d.slug: d.render(build.CONNECTIONS[0]) for d in DASHBOARDS}
    overview = rendered["performance-overview"]
    local = {v["meta"]["sliceName"]: v["meta"]["chartId"] for v in overview["position"].values()
             if isinstance(v, dict) and v.get("type") == "CHART"}
    filters = {f["name"]: f for f in overview["metadata"]["native_filter_configuration"]}
    # the forecast mart has no platform, territory, genre or release: those filters would break its query
    for name in ("Platform", "Territory", "Genre", "Release"):
        assert filters[name]["scope"]["excluded"] == [local["28-day stream forecast"]], name
    for name in ("Label", "Artist", "Track", "Time range"):
        assert filters[name]["scope"]["excluded"] == [], name
    # the drill-down cascades label -> artist -> release -> track
    assert filters["Artist"]["cascadeParentIds"] == ["NATIVE_FILTER-label"]
    assert filters["Release"]["cascadeParentIds"] == ["NATIVE_FILTER-artist"]
    assert filters["Track"]["cascadeParentIds"] == ["NATIVE_FILTER-release"]
    # cross-filters: a chart filters the charts of its own dataset only
    config = overview["metadata"]["chart_configuration"]
    forecast = local["28-day stream forecast"]
    assert config[str(local["Top tracks"])]["crossFilters"]["scope"]["excluded"] == [local["Top tracks"], forecast]
    every_dimension = {f["name"] for d in rendered.values() for f in d["metadata"]["native_filter_configuration"]}
    assert {"Time range", "Track", "Territory", "Platform", "Age band", "Gender", "Genre", "Label"} <= every_dimension


def test_no_query_asks_for_one_label_twice():
    """Superset refuses a query whose columns and metrics repeat a label (a 400 for the chart-data API)."""
    for dashboard in DASHBOARDS:
        for chart in dashboard.charts:
            labels = [c["label"] if isinstance(c, dict) else c for c in chart.query["columns"]] + chart.query["metrics"]
            assert len(labels) == len(set(labels)), (dashboard.slug, chart.name, labels)


def test_numbers_users_compare_are_exact():
    charts = {c.name: c for d in DASHBOARDS for c in d.charts}
    assert charts["Total streams"].params["y_axis_format"] == ",d"
    assert charts["Revenue (EUR)"].params["y_axis_format"] == ",.2f"
    assert charts["Top tracks"].params["column_config"]["revenue_eur"] == {"d3NumberFormat": ",.2f"}


def test_query_context_says_what_the_params_say():
    chart = next(c for d in DASHBOARDS for c in d.charts if c.name == "Streams over time")
    query = json.loads(chart.render("performance-overview", build.CONNECTIONS[0])["query_context"])["queries"][0]
    assert query["metrics"] == ["total_streams"]
    assert query["columns"][0] == {"timeGrain": "P1D", "columnType": "BASE_AXIS", "sqlExpression": "usage_date",
                                   "label": "usage_date", "expressionType": "SQL"}
    assert query["columns"][1:] == ["platform_name"] == chart.params["groupby"]
    assert query["filters"] == [{"col": "usage_date", "op": "TEMPORAL_RANGE", "val": "No filter"}]


def _bundle(tmp_path: Path, **kwargs) -> dict[str, dict]:
    bootstrap = load_bootstrap()
    data, contents = bootstrap.build_bundle(REPO / "superset_assets", tmp_path / "serving.duckdb", **kwargs)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(n.split("/", 1)[1] for n in zf.namelist()) == sorted(contents)
    return {rel: yaml.safe_load(text) for rel, text in contents.items()}


def test_bundle_on_duckdb_only(tmp_path):
    docs = _bundle(tmp_path)
    databases = [d for rel, d in docs.items() if rel.startswith("databases/")]
    assert [d["sqlalchemy_uri"] for d in databases] == [f"duckdb:///{tmp_path}/serving.duckdb"]
    datasets = {d["uuid"]: d for rel, d in docs.items() if rel.startswith("datasets/")}
    assert {d["schema"] for d in datasets.values()} == {"marts", "ml", "quality", "alerts"}
    charts = [d for rel, d in docs.items() if rel.startswith("charts/")]
    assert len(charts) == sum(len(d.charts) for d in DASHBOARDS) == 84
    assert all(c["dataset_uuid"] in datasets for c in charts)


def test_bundle_served_from_postgres(tmp_path):
    uri = "postgresql://tm@127.0.0.1:5433/warehouse"
    docs = _bundle(tmp_path, postgres_uri=uri, connection=POSTGRES)
    databases = {d["uuid"]: d for rel, d in docs.items() if rel.startswith("databases/")}
    pg = next(d for d in databases.values() if d["sqlalchemy_uri"] == uri)
    datasets = {d["uuid"]: d for rel, d in docs.items() if rel.startswith("datasets/")}
    assert len(datasets) == 2 * len(build.datasets_of(DASHBOARDS))  # both connections registered
    for rel, doc in docs.items():
        if rel.startswith("charts/"):
            ds = datasets[doc["dataset_uuid"]]
            assert ds["database_uuid"] == pg["uuid"] and ds["schema"] == "serving", rel
        if rel.startswith("dashboards/"):
            for flt in doc["metadata"]["native_filter_configuration"]:
                for target in flt["targets"]:
                    if "datasetUuid" in target:
                        assert datasets[target["datasetUuid"]]["database_uuid"] == pg["uuid"]
    table = next(d for d in DASHBOARDS if d.slug == "performance-overview").charts[0].dataset
    assert table.uuid_for(DUCKDB) != table.uuid_for(POSTGRES)


def test_scopes_are_filled_from_the_excluded_lists():
    bootstrap = load_bootstrap()
    meta = {"native_filter_configuration": [{"id": "a", "scope": {"excluded": [12]}}],
            "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"], "excluded": []}},
            "chart_configuration": {"11": {"id": 11, "crossFilters": {"scope": {"excluded": [11, 12]}}}}}
    out = bootstrap.scoped_metadata(meta, [12, 11, 13])
    assert out["native_filter_configuration"][0]["chartsInScope"] == [11, 13]
    assert out["global_chart_configuration"]["chartsInScope"] == [11, 12, 13]
    assert out["chart_configuration"]["11"]["crossFilters"]["chartsInScope"] == [13]


def test_every_dashboard_is_a_dbt_exposure_of_the_marts_it_reads():
    doc = yaml.safe_load((REPO / "dbt_project/models/marts/reporting/_reporting__exposures.yml").read_text())
    exposures = {e["url"].rstrip("/").rsplit("/", 1)[-1]: e for e in doc["exposures"] if e["type"] == "dashboard"}
    assert set(exposures) == {d.slug for d in DASHBOARDS}
    for dashboard in DASHBOARDS:
        marts = {f"ref('{ds.table}')" for ds in dashboard.datasets if ds.schema == "marts"}
        assert set(exposures[dashboard.slug]["depends_on"]) == marts, dashboard.slug
        assert exposures[dashboard.slug]["label"] == dashboard.title


def test_every_dataset_without_a_label_key_is_listed_with_why():
    from superset_assets.served_tables import WITHOUT_LABEL_KEY

    unlabelled = {ds.table for ds in build.datasets_of(DASHBOARDS) if not ds.has_column("label_key")}
    assert unlabelled == set(WITHOUT_LABEL_KEY)
    assert all(len(why) > 20 for why in WITHOUT_LABEL_KEY.values())
