"""Playlists & Charts: where the tracks are placed and ranked, and how many streams placements bring."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, Highlight, big_number, table, timeseries
from superset_assets.reports import filters as f

DASHBOARD = Dashboard(
    "Playlists & Charts", "playlists-and-charts",
    "Playlist adds and removals by curator type, chart entries and peaks, and the streams each source brings.",
    charts=(
        big_number("Playlist adds", t.PLAYLISTS, "playlist_adds", subheader="all curator types", width=3),
        big_number("Editorial adds", t.PLAYLISTS, "editorial_adds", width=3),
        big_number("Chart entries", t.PLAYLISTS, "chart_entries", subheader="new entries", width=3),
        big_number("Playlist reach", t.PLAYLISTS, "playlist_reach", subheader="followers of the playlists",
                   width=3),
        timeseries("Net playlist adds per month", t.PLAYLISTS, ["net_playlist_adds"], kind="bar", grain="P1M",
                   width=6, height=60),
        timeseries("Streams by source", t.PLAYLISTS, ["editorial_streams", "algorithmic_streams",
                                                      "user_playlist_streams", "search_streams"],
                   kind="area", grain="P1M", stacked=True, width=6, height=60),
        table("Tracks on playlists and charts", t.PLAYLISTS, groupby=["track_title", "artist_name", "label_name"],
              metrics=["playlist_adds", "editorial_adds", "playlist_reach", "chart_entries", "best_chart_position"],
              width=12, height=80, highlights=[Highlight("best_chart_position", "<=", 10, "#5AC189")]),
    ),
    filters=(f.time_range("Activity month"), *f.drill_down(t.PLAYLISTS)),
)
