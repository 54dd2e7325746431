"""Platform Comparison: volume, revenue and the rate per 1,000 streams of each platform, daily feeds beside the
monthly statements."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, Highlight, big_number, pie, select_filter, table, timeseries
from superset_assets.reports import filters as f

DASHBOARD = Dashboard(
    "Platform Comparison", "platform-comparison",
    "Streams, revenue and revenue per 1,000 streams per platform and month: daily feeds beside statements.",
    charts=(
        big_number("Streams (daily feeds)", t.PLATFORMS, "daily_feed_streams", width=3),
        big_number("Streams (statements)", t.PLATFORMS, "statement_streams", width=3),
        big_number("Reported revenue", t.PLATFORMS, "reported_revenue_eur", subheader="EUR, from statements", width=3),
        pie("Revenue share by platform", t.PLATFORMS, "reported_revenue_eur", "platform_name", width=3),
        timeseries("Streams by platform", t.PLATFORMS, ["statement_streams", "daily_feed_streams"], kind="bar",
                   x_axis="platform_name", grain=None, width=6, height=60),
        timeseries("Statement streams per month", t.PLATFORMS, ["statement_streams"], kind="area", grain="P1M",
                   groupby=["platform_name"], stacked=True, width=6, height=60),
        table("Rates by platform", t.PLATFORMS, groupby=["platform_name", "service_type"],
              metrics=["statement_streams", "reported_revenue_eur", "rate_per_1000_eur"], width=12, height=60,
              highlights=[Highlight("rate_per_1000_eur", ">=", 4.0, "#5AC189"),
                          Highlight("rate_per_1000_eur", "<", 1.0, "#FF7F44")]),
    ),
    filters=(f.time_range("Usage month"), f.label(t.PLATFORMS), f.platform(t.PLATFORMS),
             select_filter("service-type", "Service type", t.PLATFORMS, "service_type",
                           description="Streaming, download, video, social")),
)
