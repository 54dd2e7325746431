"""The label group's reference data: catalogue exports, the label hierarchy, the monthly FX reference rates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ingestion import fields as f
from ingestion.contract import Connector
from ingestion.fields import iswc, optional

# Dated exports (catalogue_tracks_<yyyy-mm-dd>.csv) carry their export date as the ledger period, so a later
# export of the same tracks is a new period (a new snapshot), not a restatement; the undated export has none.
# The first nine columns are the original layout (stg_catalogue__tracks selects them by name); the label
# hierarchy and the work identifier were added after them.
# what every catalogue source says of a track (the label's export, the distribution system's database)
TRACK_HEADER: tuple[str, ...] = ("isrc", "track_title", "artist_name", "release_title", "upc", "release_date",
                                 "label_name", "genre", "duration_seconds")
TRACK_FIELDS: tuple[f.Field, ...] = (
    f.isrc("isrc"),
    f.text("track_title"),
    f.text("artist_name"),
    f.text("release_title"),
    f.upc("upc"),
    f.date("release_date", "%Y-%m-%d"),
    f.text("label_name"),
    f.text("genre", required=False),
    f.integer("duration_seconds"),
)

CATALOGUE = Connector(
    source="catalogue",
    table="catalogue__tracks",
    file_patterns=("catalogue_*.csv",),
    name_pattern=r"_(?P<period>\d{4}-\d{2}-\d{2})\.csv$",
    header=(*TRACK_HEADER, "sub_label_name", "distributor", "label_id", "iswc"),
    fields=(
        *TRACK_FIELDS,
        f.text("sub_label_name", required=False),
        f.text("distributor"),
        f.text("label_id"),
        optional(iswc("iswc")),
    ),
)


@dataclasses.dataclass(frozen=True)
class FolderConnector(Connector):
    """A connector whose files sit in another source's folder (``labels.csv`` lives in ``catalogue/``)."""

    folder: str = ""

    def files(self, landing_dir: Path) -> list[Path]:
        folder = Path(landing_dir) / (self.folder or self.source)
        found = {p for pattern in self.file_patterns for p in folder.glob(pattern) if p.is_file()}
        return sorted(found)


# distributor -> label -> sub-label: a sub-label names its parent; a top-level label has no parent
LABELS = FolderConnector(
    source="catalogue_labels",
    table="catalogue__labels",
    folder="catalogue",
    file_patterns=("labels.csv",),
    header=("label_id", "label_name", "parent_label_id", "distributor"),
    fields=(
        f.text("label_id"),
        f.text("label_name"),
        f.text("parent_label_id", required=False),
        f.text("distributor"),
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
