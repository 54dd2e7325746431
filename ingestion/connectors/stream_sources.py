"""Source of streams per day, platform and track (ingestion/generator/families/stream_sources.py): seven counts
that add up to the daily feed's streams of that track, platform and day over every territory."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.analytics_kinds import PLATFORM_CODES
from ingestion.contract import Connector
from ingestion.fields import one_of

STREAM_SOURCES = Connector(
    source="stream_sources",
    cadence="monthly",  # one report per month of the window, every month
    table="stream_sources__daily_sources",
    file_patterns=("stream_sources_*.tsv",),
    name_pattern=r"_(?P<year>\d{4})(?P<month>\d{2})\.tsv$",
    header=("Date", "Platform", "ISRC", "Editorial Playlists", "Algorithmic Playlists", "User Playlists", "Radio",
            "Search", "Artist & Album Pages", "Other"),
    fields=(
        f.date("report_date", "%Y%m%d"),
        one_of("platform_code", PLATFORM_CODES),
        f.isrc("isrc"),
        f.integer("editorial_playlist_streams"),
        f.integer("algorithmic_playlist_streams"),
        f.integer("user_playlist_streams"),
        f.integer("radio_streams"),
        f.integer("search_streams"),
        f.integer("artist_album_page_streams"),
        f.integer("other_streams"),
    ),
    delimiter="\t",
)
