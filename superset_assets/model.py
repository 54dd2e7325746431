"""What a dashboard is made of (datasets, charts, native filters, the dashboard) and how each renders into the YAML
of Superset's asset bundle (the format ``superset export-dashboards`` writes and the importer reads, Superset 6.1).

Why code rather than hand-written YAML: a chart's ``params`` (what the browser draws) and its ``query_context``
(what the chart-data API, reports and CSV exports run) must say the same thing, native filters must not reach charts
whose dataset lacks the filtered column (the query would fail), and UUIDs must stay stable across edits; rendering
all three from one declaration keeps them in step.
"""

from __future__ import annotations

import dataclasses
import json
import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

NAMESPACE = uuidlib.UUID("5d0c1f3e-7a52-4c2e-9d55-1f0d6f3b7a10")  # TuneMantra's asset namespace
NO_TIME_FILTER = {"clause": "WHERE", "operator": "TEMPORAL_RANGE", "comparator": "No filter",
                  "expressionType": "SIMPLE"}
STREAMS_FORMAT = ",d"  # exact counts with thousands separators: users compare them with statements
EUR_FORMAT = ",.2f"
SHARE_FORMAT = ".1%"


def derived_uuid(*parts: str) -> str:
    """A stable UUID for an asset, from its kind and name: the same declaration always imports over itself."""
    return str(uuidlib.uuid5(NAMESPACE, "/".join(parts)))


# --- datasets ---------------------------------------------------------------------------------------------------------

# what users call the columns every dashboard shows (the rest: the column name, capitalised)
VERBOSE_NAMES = {"platform_name": "Platform", "platform_code": "Platform code", "label_name": "Label",
                 "artist_name": "Artist", "track_title": "Track", "release_title": "Release", "isrc": "ISRC",
                 "upc": "UPC", "territory_name": "Territory", "territory_code": "Country code", "city": "City",
                 "region": "Region", "genre": "Genre", "age_band": "Age band", "gender": "Gender"}


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    type: str  # the warehouse type (VARCHAR, BIGINT, DATE, ...)
    description: str = ""
    verbose_name: str | None = None

    @property
    def label(self) -> str:
        return self.verbose_name or VERBOSE_NAMES.get(self.name, self.name.replace("_", " ").capitalize())

    @property
    def is_dttm(self) -> bool:
        return self.type.upper().startswith(("DATE", "TIMESTAMP"))


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    expression: str
    verbose_name: str
    d3format: str = STREAMS_FORMAT
    description: str = ""


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A table of the serving layer with its metrics, defined once for every chart that reads it."""

    table: str
    schema: str  # the schema on the DuckDB serving copy (marts, ml, quality); PostgreSQL serves all in one schema
    description: str
    columns: tuple[Column, ...]
    metrics: tuple[Metric, ...] = ()
    main_dttm_col: str | None = None
    uuid: str | None = None  # kept for datasets that existed before the declarations

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.table} has no column {name!r}")

    def has_column(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"{self.table} has no metric {name!r}")

    def uuid_for(self, connection: str) -> str:
        """Each connection gets its own copy of the dataset (Superset cannot move a dataset between databases on a
        re-import): the DuckDB copy keeps the historical UUID, the others derive theirs from it."""
        base = self.uuid or derived_uuid("dataset", self.table)
        return base if connection == DUCKDB else derived_uuid("dataset", connection, base)

    def render(self, connection: Connection) -> dict[str, Any]:
        return {
            "table_name": self.table,
            "schema": connection.schema_for(self.schema),
            "main_dttm_col": self.main_dttm_col,
            "description": self.description,
            "default_endpoint": None, "offset": 0, "cache_timeout": None, "sql": None, "params": None,
            "template_params": None, "filter_select_enabled": True, "fetch_values_predicate": None,
            "extra": None, "normalize_columns": False, "always_filter_main_dttm": False,
            "uuid": self.uuid_for(connection.key),
            "database_uuid": connection.uuid,
            "version": "1.0.0",
            "metrics": [{"metric_name": m.name, "verbose_name": m.verbose_name, "metric_type": None,
                         "expression": m.expression, "d3format": m.d3format, "description": m.description or None,
                         "warning_text": None, "extra": None, "currency": None}
                        for m in self.metrics],
            "columns": [{"column_name": c.name,
                         "verbose_name": c.label,
                         "type": c.type, "is_dttm": c.is_dttm, "is_active": True, "groupby": True,
                         "filterable": True, "expression": None, "python_date_format": None,
                         "description": c.description or None, "extra": None, "advanced_data_type": None}
                        for c in self.columns],
        }


# --- connections ------------------------------------------------------------------------------------------------------

DUCKDB = "duckdb"
POSTGRES = "postgres"


@dataclasses.dataclass(frozen=True)
class Connection:
    key: str
    database_name: str
    uuid: str
    sqlalchemy_uri: str  # a template the bootstrap fills ({{ serving_path }}, {{ postgres_uri }})
    serving_schema: str | None  # None: the dataset's own schema (DuckDB); else every table is in this one
    extra: dict[str, Any]
    comment: str

    def schema_for(self, schema: str) -> str:
        return self.serving_schema or schema

    def render(self) -> dict[str, Any]:
        return {"database_name": self.database_name, "sqlalchemy_uri": self.sqlalchemy_uri, "uuid": self.uuid,
                "version": "1.0.0", "cache_timeout": None, "expose_in_sqllab": True, "allow_run_async": False,
                "allow_ctas": False, "allow_cvas": False, "allow_dml": False, "allow_csv_upload": False,
                "allow_file_upload": False, "impersonate_user": False, "extra": self.extra}


# --- charts -----------------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Chart:
    """One chart: its viz type, its dataset, the params Superset's front end reads and the query the API runs."""

    name: str
    viz_type: str
    dataset: Dataset
    params: dict[str, Any]
    query: dict[str, Any]  # columns, metrics, orderby, row_limit (the query_context's one query)
    description: str = ""
    width: int = 4
    height: int = 50
    uuid: str | None = None
    legacy_api: bool = False  # drawn from /superset/explore_json/ (world_map), not the chart-data API

    def uuid_for(self, dashboard_slug: str) -> str:
        return self.uuid or derived_uuid("chart", dashboard_slug, self.name)

    def columns_used(self) -> set[str]:
        """Every dataset column the chart reads: checked against the dataset by the tests."""
        used: set[str] = set()
        for col in self.query.get("columns", []):
            used.add(col["sqlExpression"] if isinstance(col, dict) else col)
        for flt in self.params.get("adhoc_filters", []):
            used.add(flt["subject"])
        return used

    def metrics_used(self) -> set[str]:
        return {m for m in self.query.get("metrics", []) if isinstance(m, str)}

    def render(self, dashboard_slug: str, connection: Connection) -> dict[str, Any]:
        params = {"viz_type": self.viz_type, **self.params}
        return {
            "slice_name": self.name,
            "description": self.description or None,
            "viz_type": self.viz_type,
            "uuid": self.uuid_for(dashboard_slug),
            "dataset_uuid": self.dataset.uuid_for(connection.key),
            "version": "1.0.0", "cache_timeout": None, "certified_by": None, "certification_details": None,
            "params": params,
            "query_context": json.dumps(self.query_context(), separators=(", ", ": ")),
        }

    def query_context(self) -> dict[str, Any]:
        """The saved query the chart-data API runs for ``GET /api/v1/chart/<id>/data/`` (reports, CSV/Excel
        export, the benchmark): the same columns, metrics and filters as the params."""
        filters = [{"col": f["subject"], "op": f["operator"], "val": f["comparator"]}
                   for f in self.params.get("adhoc_filters", [])]
        query = {
            "filters": filters,
            "extras": {"having": "", "where": ""},
            "applied_time_extras": {},
            "columns": self.query.get("columns", []),
            "metrics": self.query.get("metrics", []),
            "orderby": self.query.get("orderby", []),
            "annotation_layers": [],
            "row_limit": self.query.get("row_limit", self.params.get("row_limit", 1000)),
            "series_limit": 0,
            "order_desc": True,
            "url_params": {},
            "custom_params": {},
            "custom_form_data": {},
            "post_processing": [],
        }
        if "series_columns" in self.query:
            query["series_columns"] = self.query["series_columns"]
        return {"datasource": {"id": 0, "type": "table"}, "force": False, "queries": [query],
                "form_data": {"viz_type": self.viz_type, "datasource": "0__table"},
                "result_format": "json", "result_type": "full"}


def _time_filter(dataset: Dataset) -> list[dict[str, Any]]:
    return [{**NO_TIME_FILTER, "subject": dataset.main_dttm_col}] if dataset.main_dttm_col else []


def _axis(column: str, grain: str | None) -> dict[str, Any] | str:
    if grain is None:
        return column
    return {"timeGrain": grain, "columnType": "BASE_AXIS", "sqlExpression": column, "label": column,
            "expressionType": "SQL"}


def _number_format(dataset: Dataset, metric: str) -> str:
    return dataset.metric(metric).d3format


def big_number(name: str, dataset: Dataset, metric: str, *, subheader: str = "", trend_axis: str | None = None,
               grain: str = "P1W", **layout: Any) -> Chart:
    """A headline figure; with ``trend_axis`` a trend line under it and the change against the previous period."""
    common = {"metric": metric, "adhoc_filters": _time_filter(dataset),
              "y_axis_format": _number_format(dataset, metric),
              "header_font_size": 0.4, "subheader_font_size": 0.15, "time_format": "smart_date",
              "force_timestamp_formatting": False}
    if trend_axis is None:
        return Chart(name, "big_number_total", dataset, {**common, "subheader": subheader},
                     {"columns": [], "metrics": [metric], "row_limit": 1}, **layout)
    params = {**common, "x_axis": trend_axis, "time_grain_sqla": grain, "compare_lag": 1,
              "compare_suffix": "vs previous period", "show_trend_line": True, "start_y_axis_at_zero": True,
              "rolling_type": "None", "show_timestamp": False}
    return Chart(name, "big_number", dataset, params,
                 {"columns": [_axis(trend_axis, grain)], "metrics": [metric], "orderby": [],
                  "row_limit": 10_000}, **layout)


def timeseries(name: str, dataset: Dataset, metrics: Sequence[str], *, kind: str = "line", x_axis: str | None = None,
               grain: str | None = "P1D", groupby: Sequence[str] = (), row_limit: int = 10_000,
               stacked: bool = False, series_limit: int = 0, **layout: Any) -> Chart:
    """Line, bar, area or scatter over a time axis (or, for bars with ``grain=None``, a category axis)."""
    viz = {"line": "echarts_timeseries_line", "bar": "echarts_timeseries_bar", "area": "echarts_area",
           "scatter": "echarts_timeseries_scatter"}[kind]
    x = x_axis or dataset.main_dttm_col
    assert x, f"{name}: no x axis"
    params: dict[str, Any] = {
        "x_axis": x, "metrics": list(metrics), "groupby": list(groupby), "adhoc_filters": _time_filter(dataset),
        "row_limit": row_limit, "truncate_metric": True, "show_legend": True, "legendType": "scroll",
        "legendOrientation": "top", "rich_tooltip": True, "tooltipTimeFormat": "smart_date",
        "y_axis_format": _number_format(dataset, metrics[0]), "x_axis_time_format": "smart_date",
        "order_desc": True, "comparison_type": "values", "annotation_layers": [], "sort_series_type": "sum",
        "color_scheme": "supersetColors", "zoomable": kind != "bar",
    }
    if grain:
        params["time_grain_sqla"] = grain
    else:
        params["x_axis_sort_asc"] = False
        params["x_axis_sort"] = metrics[0]
    if series_limit:
        params["series_limit"] = series_limit
        params["series_limit_metric"] = metrics[0]
    if kind == "bar":
        params.update(orientation="vertical", show_value=False, stack="Stack" if stacked else None)
    if kind == "area":
        params.update(stack="Stack" if stacked else None, opacity=0.3, seriesType="line", markerEnabled=False)
    if kind == "line":
        params.update(seriesType="line", markerEnabled=False)
    if kind == "scatter":
        params.update(markerSize=8)
    columns = [_axis(x, grain), *groupby]
    query = {"columns": columns, "metrics": list(metrics), "orderby": [[metrics[0], False]], "row_limit": row_limit}
    if groupby:
        query["series_columns"] = list(groupby)
    return Chart(name, viz, dataset, params, query, **layout)


def pie(name: str, dataset: Dataset, metric: str, groupby: str, *, donut: bool = True, **layout: Any) -> Chart:
    params = {"groupby": [groupby], "metric": metric, "adhoc_filters": _time_filter(dataset), "row_limit": 100,
              "sort_by_metric": True, "color_scheme": "supersetColors", "show_labels_threshold": 5,
              "show_legend": True, "legendType": "scroll", "legendOrientation": "top", "label_type": "key_percent",
              "number_format": _number_format(dataset, metric), "date_format": "smart_date", "show_labels": True,
              "labels_outside": True, "outerRadius": 70, "donut": donut, "innerRadius": 40, "show_total": True}
    return Chart(name, "pie", dataset, params,
                 {"columns": [groupby], "metrics": [metric], "orderby": [[metric, False]], "row_limit": 100}, **layout)


@dataclasses.dataclass(frozen=True)
class Highlight:
    """Conditional formatting of a table column: colour the cells where ``value <op> target``."""

    column: str
    operator: str  # <, <=, >, >=, ==, !=
    target: float
    colour: str  # "#5AC189" green, "#FF7F44" orange, "#E04355" red


def table(name: str, dataset: Dataset, *, groupby: Sequence[str] = (), metrics: Sequence[str] = (),
          columns: Sequence[str] = (), order_by: str | None = None, ascending: bool = False, row_limit: int = 100,
          highlights: Sequence[Highlight] = (), formats: dict[str, str] | None = None, **layout: Any) -> Chart:
    """An aggregated table (``groupby`` + ``metrics``) or a raw one (``columns``), with conditional formatting."""
    raw = bool(columns)
    column_config = {m: {"d3NumberFormat": _number_format(dataset, m)} for m in metrics}
    column_config.update({c: {"d3NumberFormat": f} for c, f in (formats or {}).items()})
    params: dict[str, Any] = {
        "query_mode": "raw" if raw else "aggregate", "adhoc_filters": _time_filter(dataset), "row_limit": row_limit,
        "server_page_length": 10, "order_desc": not ascending, "table_timestamp_format": "%Y-%m-%d",
        "show_cell_bars": True, "color_pn": True, "allow_rearrange_columns": True, "include_search": True,
        "column_config": column_config,
        "conditional_formatting": [{"colorScheme": h.colour, "column": h.column, "operator": h.operator,
                                    "targetValue": h.target} for h in highlights],
    }
    if raw:
        params["all_columns"] = list(columns)
        params["order_by_cols"] = [json.dumps([order_by, ascending])] if order_by else []
        query = {"columns": list(columns), "metrics": [],
                 "orderby": [[order_by, ascending]] if order_by else [], "row_limit": row_limit}
    else:
        params["groupby"] = list(groupby)
        params["metrics"] = list(metrics)
        params["timeseries_limit_metric"] = order_by or (metrics[0] if metrics else None)
        key = order_by or (metrics[0] if metrics else None)
        query = {"columns": list(groupby), "metrics": list(metrics),
                 "orderby": [[key, ascending]] if key else [], "row_limit": row_limit}
    return Chart(name, "table", dataset, params, query, **layout)


def heatmap(name: str, dataset: Dataset, metric: str, x: str, y: str, *, normalise: str = "heatmap",
            **layout: Any) -> Chart:
    params = {"x_axis": x, "groupby": y, "metric": metric, "adhoc_filters": _time_filter(dataset), "row_limit": 10_000,
              "sort_x_axis": "alpha_asc", "sort_y_axis": "alpha_asc", "normalize_across": normalise,
              "linear_color_scheme": "superset_seq_1", "legend_type": "continuous", "show_legend": True,
              "show_percentage": True, "show_values": True, "xscale_interval": -1, "yscale_interval": -1,
              "left_margin": "auto", "bottom_margin": "auto", "value_bounds": [None, None],
              "y_axis_format": _number_format(dataset, metric), "x_axis_time_format": "smart_date",
              "time_format": "smart_date", "currency_format": {}}
    return Chart(name, "heatmap_v2", dataset, params,
                 {"columns": [x, y], "metrics": [metric], "orderby": [], "row_limit": 10_000}, **layout)


def bubble(name: str, dataset: Dataset, *, entity: str, x: str, y: str, size: str, series: str | None = None,
           **layout: Any) -> Chart:
    params = {"entity": entity, "series": series, "x": x, "y": y, "size": size, "adhoc_filters": _time_filter(dataset),
              "row_limit": 500, "color_scheme": "supersetColors", "show_legend": True, "legendType": "scroll",
              "legendOrientation": "top", "max_bubble_size": "25", "x_axis_format": _number_format(dataset, x),
              "y_axis_format": _number_format(dataset, y), "opacity": 0.6, "tooltipSizeFormat": ",d",
              "truncateYAxis": False, "xAxisTitleMargin": 30, "yAxisTitleMargin": 30, "logXAxis": False,
              "logYAxis": False}
    columns = [entity, *([series] if series else [])]
    return Chart(name, "bubble_v2", dataset, params,
                 {"columns": columns, "metrics": [x, y, size], "orderby": [[size, False]], "row_limit": 500}, **layout)


def treemap(name: str, dataset: Dataset, metric: str, groupby: Sequence[str], **layout: Any) -> Chart:
    params = {"groupby": list(groupby), "metric": metric, "adhoc_filters": _time_filter(dataset), "row_limit": 1000,
              "color_scheme": "supersetColors", "show_labels": True, "show_upper_labels": True,
              "label_type": "key_value", "number_format": _number_format(dataset, metric), "date_format": "smart_date"}
    return Chart(name, "treemap_v2", dataset, params,
                 {"columns": list(groupby), "metrics": [metric], "orderby": [[metric, False]], "row_limit": 1000},
                 **layout)


def sankey(name: str, dataset: Dataset, metric: str, source: str, target: str, **layout: Any) -> Chart:
    params = {"source": source, "target": target, "metric": metric, "adhoc_filters": _time_filter(dataset),
              "row_limit": 1000, "color_scheme": "supersetColors"}
    return Chart(name, "sankey_v2", dataset, params,
                 {"columns": [source, target], "metrics": [metric], "orderby": [[metric, False]], "row_limit": 1000},
                 **layout)


def world_map(name: str, dataset: Dataset, metric: str, country: str, **layout: Any) -> Chart:
    """The legacy world map (ISO 3166 alpha-2 codes); its data comes from /superset/explore_json/."""
    params = {"entity": country, "country_fieldtype": "cca2", "metric": metric, "secondary_metric": metric,
              "adhoc_filters": _time_filter(dataset), "row_limit": 500, "show_bubbles": True, "max_bubble_size": "25",
              "color_by": "metric", "linear_color_scheme": "superset_seq_1",
              "color_picker": {"r": 0, "g": 122, "b": 135, "a": 1},
              "y_axis_format": _number_format(dataset, metric)}
    return Chart(name, "world_map", dataset, params,
                 {"columns": [country], "metrics": [metric], "orderby": [[metric, False]], "row_limit": 500},
                 legacy_api=True, **layout)


def pivot(name: str, dataset: Dataset, metrics: Sequence[str], rows: Sequence[str], columns: Sequence[str],
          **layout: Any) -> Chart:
    params = {"groupbyRows": list(rows), "groupbyColumns": list(columns), "metrics": list(metrics),
              "adhoc_filters": _time_filter(dataset), "row_limit": 10_000, "aggregateFunction": "Sum",
              "rowTotals": True, "colTotals": True, "valueFormat": _number_format(dataset, metrics[0]),
              "metricsLayout": "COLUMNS", "rowOrder": "key_a_to_z", "colOrder": "key_a_to_z",
              "date_format": "smart_date", "time_grain_sqla": "P1M"}
    return Chart(name, "pivot_table_v2", dataset, params,
                 {"columns": [*rows, *columns], "metrics": list(metrics), "orderby": [[metrics[0], False]],
                  "row_limit": 10_000}, **layout)


def with_filters(chart: Chart, *filters: tuple[str, str, Any]) -> Chart:
    """The chart restricted by fixed (column, operator, value) filters, e.g. one grain of a multi-grain mart."""
    adhoc = [{"clause": "WHERE", "subject": col, "operator": op, "comparator": val, "expressionType": "SIMPLE"}
             for col, op, val in filters]
    return dataclasses.replace(chart, params={**chart.params, "adhoc_filters": [*chart.params.get("adhoc_filters", []),
                                                                                 *adhoc]})


# --- native filters and the dashboard ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class NativeFilter:
    """A filter of the dashboard's filter bar. A select filter acts on every chart whose dataset has its column (the
    others are left out of its scope, where the filter would break their query); a time filter on the charts whose
    dataset has a time column, unless ``time_excluded`` names them."""

    key: str
    name: str
    kind: str  # filter_select | filter_time
    column: str | None = None
    dataset: Dataset | None = None
    parent: str | None = None  # cascade: the options follow the parent filter (label -> artist -> release -> track)
    description: str = ""
    multi: bool = True

    @property
    def id(self) -> str:
        return f"NATIVE_FILTER-{self.key}"

    def applies_to(self, chart: Chart) -> bool:
        if self.kind == "filter_time":
            return chart.dataset.main_dttm_col is not None
        assert self.column
        return chart.dataset.has_column(self.column)


def select_filter(key: str, name: str, dataset: Dataset, column: str, *, parent: str | None = None,
                  description: str = "") -> NativeFilter:
    return NativeFilter(key, name, "filter_select", column, dataset, parent, description)


def time_filter(description: str = "Reporting period") -> NativeFilter:
    return NativeFilter("time-range", "Time range", "filter_time", description=description)


@dataclasses.dataclass(frozen=True)
class Dashboard:
    title: str
    slug: str
    description: str
    charts: tuple[Chart, ...]
    filters: tuple[NativeFilter, ...]
    uuid: str | None = None

    @property
    def dashboard_uuid(self) -> str:
        return self.uuid or derived_uuid("dashboard", self.slug)

    @property
    def datasets(self) -> list[Dataset]:
        seen: dict[str, Dataset] = {}
        for chart in self.charts:
            seen.setdefault(chart.dataset.table, chart.dataset)
        for f in self.filters:
            if f.dataset:
                seen.setdefault(f.dataset.table, f.dataset)
        return list(seen.values())

    def render(self, connection: Connection) -> dict[str, Any]:
        """The dashboard YAML. Chart ids in it are local placeholders (1..n): the importer maps them to the real ids
        through the charts' UUIDs, and the bootstrap fills the scopes' ``chartsInScope`` it does not map."""
        local = {c.name: n for n, c in enumerate(self.charts, start=1)}
        position: dict[str, Any] = {"DASHBOARD_VERSION_KEY": "v2",
                                    "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
                                    "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": self.title}}}
        rows: list[list[Chart]] = [[]]
        for chart in self.charts:
            if sum(c.width for c in rows[-1]) + chart.width > 12:
                rows.append([])
            rows[-1].append(chart)
        row_ids = []
        for r, row in enumerate(rows, start=1):
            row_id = f"ROW-{r}"
            row_ids.append(row_id)
            children = []
            for chart in row:
                chart_id = f"CHART-{local[chart.name]}"
                children.append(chart_id)
                position[chart_id] = {"type": "CHART", "id": chart_id, "children": [],
                                      "parents": ["ROOT_ID", "GRID_ID", row_id],
                                      "meta": {"chartId": local[chart.name], "uuid": chart.uuid_for(self.slug),
                                               "width": chart.width, "height": chart.height,
                                               "sliceName": chart.name}}
            position[row_id] = {"type": "ROW", "id": row_id, "children": children, "parents": ["ROOT_ID", "GRID_ID"],
                                "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        position["GRID_ID"] = {"type": "GRID", "id": "GRID_ID", "children": row_ids, "parents": ["ROOT_ID"]}

        native = []
        for f in self.filters:
            excluded = [local[c.name] for c in self.charts if not f.applies_to(c)]
            entry: dict[str, Any] = {
                "id": f.id, "name": f.name, "type": "NATIVE_FILTER", "filterType": f.kind,
                "description": f.description,
                "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                "cascadeParentIds": [f"NATIVE_FILTER-{f.parent}"] if f.parent else [],
                "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
                "tabsInScope": [],
            }
            if f.kind == "filter_select":
                assert f.dataset and f.column
                entry["targets"] = [{"column": {"name": f.column}, "datasetUuid": f.dataset.uuid_for(connection.key)}]
                entry["controlValues"] = {"multiSelect": f.multi, "enableEmptyFilter": False,
                                          "defaultToFirstItem": False, "inverseSelection": False,
                                          "searchAllOptions": False, "sortAscending": True}
            else:
                entry["targets"] = [{}]
                entry["controlValues"] = {"enableEmptyFilter": False}
            native.append(entry)

        # cross-filters: a click on a chart filters the charts of the same dataset (other datasets may lack the column)
        chart_configuration = {}
        for chart in self.charts:
            others = [local[c.name] for c in self.charts if c.dataset.table != chart.dataset.table]
            chart_configuration[str(local[chart.name])] = {
                "id": local[chart.name],
                "crossFilters": {"scope": {"rootPath": ["ROOT_ID"], "excluded": [local[chart.name], *others]},
                                 "chartsInScope": []}}
        return {
            "dashboard_title": self.title,
            "description": self.description,
            "slug": self.slug,
            "uuid": self.dashboard_uuid,
            "version": "1.0.0", "published": True, "css": "", "certified_by": None, "certification_details": None,
            "position": position,
            "metadata": {
                "color_scheme": "supersetColors", "refresh_frequency": 0, "cross_filters_enabled": True,
                "expanded_slices": {}, "label_colors": {}, "shared_label_colors": [],
                "timed_refresh_immune_slices": [],
                "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                                               "chartsInScope": []},
                "chart_configuration": chart_configuration,
                "native_filter_configuration": native,
            },
        }
