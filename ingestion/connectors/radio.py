"""Weekly radio airplay logs (ingestion/generator/families/radio.py): the station's local time with its UTC
offset in a separate column (``played_at_local - utc_offset`` is UTC); the ISRC is missing where the monitor
did not get the code, and then only artist and title identify the recording."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.analytics_kinds import TERRITORY
from ingestion.contract import Connector
from ingestion.fields import local_timestamp, optional, utc_offset

RADIO = Connector(
    source="radio",
    table="radio__airplay",
    file_patterns=("airplay_*.csv",),
    name_pattern=r"airplay_(?P<period>\d{4}-W\d{2})\.csv$",
    header=("station", "country", "played_at_local", "utc_offset", "isrc", "artist", "title", "duration_played_s",
            "audience_estimate"),
    fields=(
        f.text("station_name"),
        f.code("territory_code", 2, TERRITORY),
        local_timestamp("played_at_local", "%Y-%m-%d %H:%M:%S"),
        utc_offset("utc_offset"),
        optional(f.isrc("isrc")),
        f.text("artist"),
        f.text("title"),
        f.integer("duration_played_s"),
        f.integer("audience_estimate"),
    ),
)
