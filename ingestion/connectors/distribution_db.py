"""CSV extracts of the distribution system's catalogue table (ingestion/collectors/postgres_catalogue.py).

Every extract holds the rows changed since the previous one, each with its ``updated_at``: the raw table keeps
every version (the change history); the latest ``updated_at`` per ISRC is the current state.
"""

from __future__ import annotations

from ingestion.connectors.reference import TRACK_FIELDS, TRACK_HEADER
from ingestion.contract import Connector
from ingestion.fields import timestamp_utc

DISTRIBUTION_CATALOGUE = Connector(
    source="distribution_db",
    table="distribution_db__tracks",
    file_patterns=("catalogue_extract_*.csv",),  # never the ``.csv.part`` being written
    header=(*TRACK_HEADER, "updated_at"),
    fields=(*TRACK_FIELDS, timestamp_utc("updated_at")),
)
