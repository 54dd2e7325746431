"""The label's own catalogue export and the monthly FX reference rates."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector

CATALOGUE = Connector(
    source="catalogue",
    table="catalogue__tracks",
    file_patterns=("catalogue_*.csv",),
    header=("isrc", "track_title", "artist_name", "release_title", "upc", "release_date", "label_name", "genre",
            "duration_seconds"),
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
    ),
)

FX = Connector(
    source="fx",
    table="fx__monthly_rates",
    file_patterns=("fx_rates_*.csv",),
    header=("month", "currency", "eur_per_unit"),
    fields=(
        f.date("rate_month", "%Y-%m"),
        f.code("currency", 3, "ISO 4217 currency"),
        f.decimal("eur_per_unit"),
    ),
)
