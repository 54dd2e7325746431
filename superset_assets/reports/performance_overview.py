"""Performance Overview: how much, where and what, at a glance (streams, revenue, platforms, top tracks, the
forecast). Its figures reconcile to the generator's totals to the stream and the cent."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, Highlight, big_number, pie, table, timeseries, treemap
from superset_assets.reports import filters as f

SLUG = "performance-overview"

DASHBOARD = Dashboard(
    "Performance Overview", SLUG,
    "Streams, revenue and the 28-day forecast per platform, territory and track.",
    charts=(
        big_number("Total streams", t.PERFORMANCE, "total_streams", subheader="streams in the period", width=3,
                   uuid="0c6b38ed-bfc9-4244-a442-16f4f35595d4"),
        big_number("Revenue (EUR)", t.PERFORMANCE, "revenue_eur", subheader="estimated from the daily feeds",
                   width=3, uuid="d1381c95-26b4-46a6-bebc-591784c5b4ef"),
        big_number("Weekly streams", t.PERFORMANCE, "total_streams", trend_axis="usage_date", grain="P1W", width=3),
        pie("Streams by platform", t.PERFORMANCE, "total_streams", "platform_name", width=3,
            uuid="ff76a236-65a6-4f54-85f9-1c15bdc174ab"),
        timeseries("Streams over time", t.PERFORMANCE, ["total_streams"], groupby=["platform_name"], width=12,
                   height=60, uuid="91ef22fc-aa6a-45c3-90e5-4e210e4086c8"),
        table("Top tracks", t.PERFORMANCE, groupby=["track_title", "artist_name", "label_name"],
              metrics=["total_streams", "revenue_eur"], row_limit=20, width=6, height=96,
              highlights=[Highlight("total_streams", ">=", 1_000_000, "#5AC189")],
              uuid="7ebe9ccc-60bf-4a79-b280-502f5db92c27"),
        timeseries("28-day stream forecast", t.FORECAST, ["forecast_streams", "forecast_lower", "forecast_upper"],
                   width=6, height=96, uuid="6899597c-374e-4b1e-b02a-5e9dfe876e96"),
        treemap("Streams by label and artist", t.PERFORMANCE, "total_streams", ["label_name", "artist_name"],
                width=12, height=70),
    ),
    filters=(f.platform(t.PERFORMANCE), f.time_range("Usage date range"), *f.drill_down(t.PERFORMANCE),
             f.territory(t.PERFORMANCE), f.genre(t.PERFORMANCE)),
    uuid="8709f6d3-1172-458b-a69e-65330001f861",
)
