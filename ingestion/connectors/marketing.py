"""The label's marketing-tool export (ingestion/generator/families/marketing.py): one row per activity with its
dates and spend. UTF-8 with a byte-order mark (read as utf-8-sig), CRLF, dd/mm/yyyy dates; ``Territory`` WW is
worldwide; ``Track ISRC`` is empty for artist-level activities, ``Platform`` for all but playlist pitches."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector
from ingestion.fields import one_of, optional

MARKETING = Connector(
    source="marketing",
    table="marketing__activities",
    file_patterns=("marketing_activities_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("Activity ID", "Activity Type", "Artist", "Track ISRC", "Platform", "Territory", "Channel", "Start Date",
            "End Date", "Spend", "Currency"),
    fields=(
        f.text("activity_id"),
        one_of("activity_type", ("Playlist pitch", "Social campaign", "Radio add", "Press")),
        f.text("artist_name"),
        optional(f.isrc("isrc")),
        f.text("platform_name", required=False),
        f.code("territory_code", 2, "ISO 3166-1 alpha-2 territory or WW"),
        f.text("channel"),
        f.date("start_date", "%d/%m/%Y"),
        f.date("end_date", "%d/%m/%Y"),
        f.decimal("spend", scale=2),
        f.code("currency", 3, "ISO 4217 currency"),
    ),
)
