"""The playlist catalogue (monthly follower snapshots) and the daily positions of the label's tracks on them
(ingestion/generator/families/playlists.py). Adds and removals are derived from consecutive snapshots."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.analytics_kinds import PLATFORM_CODES
from ingestion.contract import Connector
from ingestion.fields import one_of

PLAYLISTS = Connector(
    source="playlists",
    cadence="monthly",  # one report per month of the window, every month
    table="playlists__catalogue",
    file_patterns=("playlist_catalogue_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("snapshot_month", "platform", "playlist_id", "playlist_name", "curator_type", "followers"),
    fields=(
        f.date("snapshot_month", "%Y-%m"),
        one_of("platform_code", PLATFORM_CODES),
        f.text("playlist_id"),
        f.text("playlist_name"),
        one_of("curator_type", ("editorial", "algorithmic", "user")),
        f.integer("followers"),
    ),
)

PLAYLIST_POSITIONS = Connector(
    source="playlist_positions",
    table="playlist_positions__daily_positions",
    file_patterns=("playlist_positions_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("snapshot_date", "platform", "playlist_id", "isrc", "position", "added_on"),
    fields=(
        f.date("snapshot_date", "%Y-%m-%d"),
        one_of("platform_code", PLATFORM_CODES),
        f.text("playlist_id"),
        f.isrc("isrc"),
        f.integer("position", minimum=1),
        f.date("added_on", "%Y-%m-%d"),
    ),
)
