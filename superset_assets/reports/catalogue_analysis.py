"""Catalogue Analysis: which tracks, releases and artists carry the catalogue, over their lifetime and lately."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, Highlight, big_number, bubble, table, timeseries, treemap, with_filters
from superset_assets.reports import filters as f

TRACKS = ("catalogue_level", "==", "track")

DASHBOARD = Dashboard(
    "Catalogue Analysis", "catalogue-analysis",
    "Lifetime and last-28-days streams of every track, release and artist, and each one's share of its label.",
    charts=(
        with_filters(big_number("Catalogue tracks", t.CATALOGUE, "catalogue_tracks", subheader="recordings",
                                width=4), TRACKS),
        with_filters(big_number("Lifetime streams", t.CATALOGUE, "lifetime_streams", subheader="all daily feeds",
                                width=4), TRACKS),
        with_filters(big_number("Streams, last 28 days", t.CATALOGUE, "streams_28d", width=4), TRACKS),
        with_filters(treemap("Lifetime streams by label, artist and release", t.CATALOGUE, "lifetime_streams",
                             ["label_name", "artist_name", "release_title"], width=6, height=80), TRACKS),
        with_filters(bubble("Artists: lifetime against recent streams", t.CATALOGUE, entity="entity_name",
                            x="lifetime_streams", y="streams_28d", size="estimated_revenue_eur", series="label_name",
                            width=6, height=80), ("catalogue_level", "==", "artist")),
        with_filters(timeseries("Releases by streams in the last 28 days", t.CATALOGUE, ["streams_28d"], kind="bar",
                                x_axis="entity_name", grain=None, row_limit=25, width=12, height=60),
                     ("catalogue_level", "==", "release")),
        with_filters(table("Tracks", t.CATALOGUE, groupby=["track_title", "artist_name", "release_title", "label_name",
                                                           "lifetime_streams_rank_in_label"],
                           metrics=["lifetime_streams", "streams_28d", "estimated_revenue_eur"], row_limit=500,
                           width=12, height=90,
                           highlights=[Highlight("lifetime_streams_rank_in_label", "<=", 3, "#5AC189")]), TRACKS),
    ),
    filters=f.drill_down(t.CATALOGUE),
)
