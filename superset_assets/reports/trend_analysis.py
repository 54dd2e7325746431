"""Trend Analysis: is it growing? Streams per day, week, month and quarter with moving averages, growth on the
previous period and the seasonality the trend has to be read against."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, Highlight, big_number, heatmap, table, timeseries, with_filters
from superset_assets.reports import filters as f

MONTHS = ("period_grain", "==", "month")

DASHBOARD = Dashboard(
    "Trend Analysis", "trend-analysis",
    "Streams per day, week, month and quarter: moving averages, growth on the previous period, seasonality.",
    charts=(
        with_filters(big_number("Streams", t.TRENDS, "trend_streams", subheader="sum of the months", width=4), MONTHS),
        with_filters(big_number("Monthly streams", t.TRENDS, "trend_streams", trend_axis="period_start", grain="P1M",
                                width=8), MONTHS),
        with_filters(timeseries("Daily streams and moving averages", t.TRENDS, ["trend_streams", "avg_7d", "avg_28d"],
                                width=12, height=60), ("period_grain", "==", "day")),
        with_filters(timeseries("Weekly streams by label", t.TRENDS, ["trend_streams"], kind="bar", grain="P1W",
                                groupby=["label_name"], stacked=True, width=6, height=60),
                     ("period_grain", "==", "week")),
        with_filters(timeseries("Growth on the previous month", t.TRENDS, ["growth"], kind="bar", grain="P1M",
                                width=6, height=60), MONTHS),
        with_filters(heatmap("Day-of-week seasonality", t.SEASONALITY, "seasonality_index", "season_name",
                             "label_name", normalise="y", width=6, height=60),
                     ("seasonality_type", "==", "day_of_week")),
        with_filters(table("Quarters", t.TRENDS, columns=["period_start", "label_name", "streams",
                                                          "period_over_period_growth", "year_over_year_growth"],
                           order_by="period_start", formats={"period_over_period_growth": "+.1%",
                                                             "year_over_year_growth": "+.1%", "streams": ",d"},
                           highlights=[Highlight("period_over_period_growth", "<", -0.1, "#E04355"),
                                       Highlight("period_over_period_growth", ">", 0.1, "#5AC189")],
                           width=6, height=60), ("period_grain", "==", "quarter")),
    ),
    filters=(f.time_range("Period start"), f.label(t.TRENDS)),
)
