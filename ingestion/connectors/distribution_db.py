"""CSV extracts of the distribution system's catalogue table (ingestion/collectors/postgres_catalogue.py).

Every extract holds the rows changed since the previous one, each with its ``updated_at``: the raw table keeps
every version (the change history); the latest ``updated_at`` per ISRC is the current state.
"""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.extra_fields import timestamp_utc
from ingestion.contract import Connector

DISTRIBUTION_CATALOGUE = Connector(
    source="distribution_db",
    table="distribution_db__tracks",
    file_patterns=("catalogue_extract_*.csv",),  # never the ``.csv.part`` being written
    header=("isrc", "track_title", "artist_name", "release_title", "upc", "release_date", "label_name", "genre",
            "duration_seconds", "updated_at"),
    fields=(
        f.isrc("isrc"),
        f.text("track_title"),
        f.text("artist_name"),
        f.text("release_title"),
        f.upc("upc"),
        f.date("release_date", "%Y-%m-%d"),
        f.text("label_name"),
        f.text("genre", required=False),
        f.integer("duration_seconds"),
        timestamp_utc("updated_at"),
    ),
)
