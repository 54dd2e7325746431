"""Instagram Reels music usage (monthly CSV; the generator's families/instagram.py says what it is modelled on).

Reels created with a track and the plays of those reels; no revenue. ISRCs arrive in space-separated groups.
"""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector

INSTAGRAM = Connector(
    source="instagram",
    table="instagram__reels",
    file_patterns=("instagram_reels_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("Report Month", "ISRC", "Track Title", "Artist", "Country", "Reels Created", "Reel Plays"),
    fields=(
        f.date("report_month", "%Y-%m"),
        f.isrc("isrc"),
        f.text("track_title"),
        f.text("artist_name", required=False),
        f.code("territory_code", 2, "ISO 3166-1 alpha-2 territory"),
        f.integer("reels_created"),
        f.integer("reel_plays"),
    ),
)
