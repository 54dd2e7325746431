"""YouTube Content ID asset report (monthly CSV; the generator's families/youtube.py says what it is modelled on).

Regular rows leave ``Adjustment Type`` and ``Original Month`` empty; adjustment rows (backpay,
dispute_resolution, spam_adjustment, revenue_correction) are additive and may carry negative views and
revenue, so both are signed. The ISWC is optional (not every asset is linked to its composition).
"""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector
from ingestion.fields import iswc, optional, signed_integer

YOUTUBE = Connector(
    source="youtube",
    table="youtube__asset_report",
    file_patterns=("youtube_asset_report_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("Adjustment Type", "Month", "Original Month", "Country", "Asset ID", "Asset Type", "ISRC", "UPC", "ISWC",
            "Asset Title", "Artist", "Label", "Claimed Views", "Active Claims", "Partner Revenue", "Currency"),
    fields=(
        f.text("adjustment_type", required=False),
        f.date("report_month", "%Y%m"),
        optional(f.date("original_month", "%Y%m")),
        f.code("territory_code", 2, "ISO 3166-1 alpha-2 territory"),
        f.text("asset_id"),
        f.text("asset_type", required=False),
        f.isrc("isrc"),
        optional(f.upc("upc")),
        optional(iswc("iswc")),
        f.text("asset_title"),
        f.text("artist_name", required=False),
        f.text("label_name", required=False),
        signed_integer("claimed_views"),
        f.integer("active_claims"),
        f.decimal("partner_revenue"),
        f.code("currency", 3, "ISO 4217 currency"),
    ),
)
