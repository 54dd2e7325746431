"""TikTok sound creations (monthly CSV; the generator's families/tiktok.py says what it is modelled on).

The measure is video creations using the sound, not views: staging must not unify it with streams.
"""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector

TIKTOK = Connector(
    source="tiktok",
    table="tiktok__sound_creations",
    file_patterns=("tiktok_sound_creations_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("Month", "Territory", "Sound ID", "ISRC", "Sound Title", "Artist", "Video Creations", "Revenue",
            "Currency"),
    fields=(
        f.date("report_month", "%Y-%m"),
        f.code("territory_code", 2, "ISO 3166-1 alpha-2 territory"),
        f.text("sound_id"),
        f.isrc("isrc"),
        f.text("sound_title"),
        f.text("artist_name", required=False),
        f.integer("video_creations"),
        f.decimal("revenue"),
        f.code("currency", 3, "ISO 4217 currency"),
    ),
)
