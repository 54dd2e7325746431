"""Release Performance: how each release did in its first 7 and 28 days, against its label's median release."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, Highlight, big_number, bubble, table, timeseries
from superset_assets.reports import filters as f

DASHBOARD = Dashboard(
    "Release Performance", "release-performance",
    "First-7 and first-28-day streams of every release per platform, indexed on the label's median release.",
    charts=(
        big_number("Releases", t.RELEASES, "releases", subheader="in the catalogue", width=4),
        big_number("Streams, first 28 days", t.RELEASES, "streams_first_28_days", width=4),
        big_number("Streams, first 7 days", t.RELEASES, "streams_first_7_days", width=4),
        table("Releases against the label median", t.RELEASES,
              groupby=["release_title", "artist_name", "label_name", "release_date"],
              metrics=["streams_first_7_days", "streams_first_28_days", "index_vs_label"], width=12, height=70,
              highlights=[Highlight("index_vs_label", ">=", 1.5, "#5AC189"),
                          Highlight("index_vs_label", "<", 0.5, "#E04355")]),
        timeseries("First-28-day streams by release date", t.RELEASES, ["streams_first_28_days"], kind="scatter",
                   grain="P1D", groupby=["label_name"], width=6, height=60),
        bubble("First week against first month", t.RELEASES, entity="release_title", x="streams_first_7_days",
               y="streams_first_28_days", size="revenue_first_28_days", series="label_name", width=6, height=60),
        timeseries("First-28-day streams by platform", t.RELEASES, ["streams_first_28_days"], kind="bar",
                   x_axis="platform_name", grain=None, groupby=["label_name"], stacked=True, width=12, height=50),
    ),
    filters=(f.time_range("Release date"), *f.drill_down(t.RELEASES, track=None), f.platform(t.RELEASES)),
)
