"""iTunes Store download sales (monthly CSV; the generator's families/itunes.py says what it is modelled on).

A return is a row with a negative quantity and amount; an album row has no ISRC. Amounts stay in the row's
currency as delivered; the product type says song (S) or album (A).
"""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector
from ingestion.fields import optional, signed_integer

ITUNES = Connector(
    source="itunes",
    table="itunes__sales",
    file_patterns=("itunes_sales_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("Start Date", "End Date", "UPC", "ISRC/ISBN", "Vendor Identifier", "Quantity", "Partner Share",
            "Extended Partner Share", "Partner Share Currency", "Sales or Return", "Artist/Show/Developer/Author",
            "Title", "Label/Studio/Network/Developer/Publisher", "Product Type Identifier", "Country Of Sale",
            "Customer Price", "Customer Currency"),
    fields=(
        f.date("period_start", "%m/%d/%Y"),
        f.date("period_end", "%m/%d/%Y"),
        f.upc("upc"),
        optional(f.isrc("isrc")),
        f.text("vendor_identifier", required=False),
        signed_integer("units"),
        f.decimal("partner_share"),
        f.decimal("proceeds"),
        f.code("proceeds_currency", 3, "ISO 4217 currency"),
        f.code("sale_or_return", 1, "sale or return flag (S/R)"),
        f.text("artist_name"),
        f.text("title"),
        f.text("label_name", required=False),
        f.code("product_type", 1, "product type (S/A)"),
        f.code("territory_code", 2, "ISO 3166-1 alpha-2 territory"),
        f.decimal("customer_price"),
        f.code("customer_currency", 3, "ISO 4217 currency"),
    ),
)
