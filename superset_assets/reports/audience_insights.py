"""Audience Insights: who listens (age and gender cells, countries, cities) per artist and platform. Only the
platforms' aggregated cells: there is no listener-level data."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, big_number, heatmap, pie, select_filter, table, timeseries, with_filters
from superset_assets.reports import filters as f

AGE_GENDER = ("breakdown", "==", "age_gender")

DASHBOARD = Dashboard(
    "Audience Insights", "audience-insights",
    "Monthly listeners by age band and gender, country and city, per artist and platform (aggregated cells).",
    charts=(
        with_filters(big_number("Listeners", t.AUDIENCE, "listeners", subheader="monthly listeners, summed", width=3),
                     AGE_GENDER),
        with_filters(pie("Listeners by gender", t.AUDIENCE, "listeners", "gender", width=3), AGE_GENDER),
        with_filters(heatmap("Age band × gender", t.AUDIENCE, "listeners", "age_band", "gender", width=6),
                     AGE_GENDER),
        with_filters(timeseries("Listeners by age band", t.AUDIENCE, ["listeners"], kind="bar", x_axis="age_band",
                                grain=None, groupby=["gender"], stacked=True, width=6, height=60), AGE_GENDER),
        with_filters(timeseries("Listeners per month and platform", t.AUDIENCE, ["listeners"], grain="P1M",
                                groupby=["platform_name"], width=6, height=60), AGE_GENDER),
        with_filters(table("Top cities", t.AUDIENCE, groupby=["city", "territory_name", "artist_name"],
                           metrics=["listeners"], row_limit=50, width=12, height=70), ("breakdown", "==", "city")),
    ),
    filters=(f.time_range("Audience month"), f.label(t.AUDIENCE),
             select_filter("artist", "Artist", t.AUDIENCE, "artist_name", parent="label"),
             f.platform(t.AUDIENCE),
             select_filter("age-band", "Age band", t.AUDIENCE, "age_band", description="Demographic: age band"),
             select_filter("gender", "Gender", t.AUDIENCE, "gender", description="Demographic: gender")),
)
