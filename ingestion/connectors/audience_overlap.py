"""Listeners two of the label's artists have in common, per platform and month
(ingestion/generator/families/audience_overlap.py); ``overlap_share`` = shared / (artist + related - shared)."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.analytics_kinds import PLATFORM_CODES
from ingestion.contract import Connector
from ingestion.fields import one_of, share

AUDIENCE_OVERLAP = Connector(
    source="audience_overlap",
    table="audience_overlap__artist_pairs",
    file_patterns=("artist_overlap_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("month", "platform", "artist_id", "artist_name", "related_artist_id", "related_artist_name",
            "artist_listeners", "related_artist_listeners", "shared_listeners", "overlap_share"),
    fields=(
        f.date("audience_month", "%Y-%m"),
        one_of("platform_code", PLATFORM_CODES),
        f.text("platform_artist_id"),
        f.text("artist_name"),
        f.text("related_platform_artist_id"),
        f.text("related_artist_name"),
        f.integer("artist_listeners"),
        f.integer("related_artist_listeners"),
        f.integer("shared_listeners"),
        share("overlap_share"),
    ),
)
