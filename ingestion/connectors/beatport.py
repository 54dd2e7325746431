"""Beatport download sales (monthly TSV; the generator's families/beatport.py says what it is modelled on).

ISRCs arrive lower-case with hyphens and are kept as delivered (staging normalises them).
"""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector

BEATPORT = Connector(
    source="beatport",
    table="beatport__sales",
    file_patterns=("beatport_sales_*.tsv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.tsv$",
    delimiter="\t",
    header=("Sale Date", "Beatport Track ID", "Track Title", "Mix Name", "Artists", "Label", "Catalog Number",
            "ISRC", "UPC", "Format", "Quantity", "Unit Net", "Net Amount", "Currency", "Country"),
    fields=(
        f.date("sale_date", "%Y-%m-%d"),
        f.integer("beatport_track_id"),
        f.text("track_title"),
        f.text("mix_name", required=False),
        f.text("artist_name"),
        f.text("label_name", required=False),
        f.text("catalog_number", required=False),
        f.isrc("isrc"),
        f.upc("upc"),
        f.text("file_format"),
        f.integer("units"),
        f.decimal("unit_net"),
        f.decimal("net_amount"),
        f.code("currency", 3, "ISO 4217 currency"),
        f.code("territory_code", 2, "ISO 3166-1 alpha-2 territory"),
    ),
)
