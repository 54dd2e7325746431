"""Geographic Distribution: where the streams and listeners are, by country (a world map) and city."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, big_number, table, timeseries, treemap, with_filters, world_map
from superset_assets.reports import filters as f

COUNTRIES = ("geo_level", "==", "country")

DASHBOARD = Dashboard(
    "Geographic Distribution", "geographic-distribution",
    "Streams, revenue and listeners per country and city, per platform and month.",
    charts=(
        with_filters(big_number("Streams", t.GEOGRAPHY, "geo_streams", subheader="daily feeds, every country",
                                width=4), COUNTRIES),
        with_filters(big_number("Reported revenue", t.GEOGRAPHY, "geo_revenue_eur", subheader="EUR", width=4),
                     COUNTRIES),
        with_filters(big_number("City listeners", t.GEOGRAPHY, "geo_listeners", subheader="monthly, summed",
                                width=4), ("geo_level", "==", "city")),
        with_filters(world_map("Streams by country", t.GEOGRAPHY, "geo_streams", "territory_code", width=8,
                               height=90), COUNTRIES),
        with_filters(treemap("Streams by region and country", t.GEOGRAPHY, "geo_streams",
                             ["region", "territory_name"], width=4, height=90), COUNTRIES),
        with_filters(timeseries("Streams by region", t.GEOGRAPHY, ["geo_streams"], kind="bar", x_axis="region",
                                grain=None, width=6, height=60), COUNTRIES),
        with_filters(table("Listeners by city", t.GEOGRAPHY, groupby=["city", "territory_name", "region"],
                           metrics=["geo_listeners"], row_limit=200, width=6, height=60), ("geo_level", "==", "city")),
    ),
    # no platform filter: the mart's country rows add up every platform (only its city rows have one)
    filters=(f.time_range("Activity month"), f.label(t.GEOGRAPHY), f.region(t.GEOGRAPHY), f.territory(t.GEOGRAPHY)),
)
