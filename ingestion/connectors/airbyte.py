"""Streams Airbyte syncs into ``<landing>/airbyte/<stream>/`` (a file destination, CSV, root level flattening).

Each file holds Airbyte's own columns first (``_airbyte_raw_id``, ``_airbyte_extracted_at``,
``_airbyte_generation_id``, ``_airbyte_meta``), then the stream's. One connector per stream: all share the
source ``airbyte`` and each globs its stream's folder.
"""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector
from ingestion.fields import one_of, timestamp_utc

_AIRBYTE_FIELDS = (
    f.text("airbyte_raw_id"),
    timestamp_utc("airbyte_extracted_at"),
    f.integer("airbyte_generation_id"),
    f.text("airbyte_meta", required=False),
)

MERCH_ORDERS = Connector(
    source="airbyte",
    table="airbyte__merch_orders",
    file_patterns=("merch_orders/*.csv",),  # never the ``.csv.part`` being written
    header=("_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_generation_id", "_airbyte_meta", "order_id",
            "ordered_at", "artist_name", "product_type", "sku", "quantity", "unit_price", "currency",
            "country_code"),
    fields=(
        *_AIRBYTE_FIELDS,
        f.text("order_id"),
        timestamp_utc("ordered_at"),
        f.text("artist_name"),
        one_of("product_type", ("vinyl", "cd", "cassette", "t-shirt", "hoodie", "poster")),
        f.text("sku"),
        f.integer("quantity", minimum=1),
        f.decimal("unit_price", scale=2),
        f.code("currency", 3, "ISO 4217 currency"),
        f.code("country_code", 2, "ISO 3166-1 alpha-2 territory"),
    ),
)
