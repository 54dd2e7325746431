"""Daily streaming analytics exports of the DSPs (units plus the platform's revenue estimate).

Each platform is only a declaration: file names, header, delimiter and what each column is. All
three land into the same raw layout (report_date, territory_code, isrc, track_title, artist_name,
streams, revenue, currency), values kept as delivered apart from the type cast; staging normalises.
"""

from __future__ import annotations

from ingestion import fields as f
from ingestion.contract import Connector


def _usage_fields(date_format: str, decimal_separator: str = ".") -> tuple[f.Field, ...]:
    return (
        f.date("report_date", date_format),
        f.code("territory_code", 2, "ISO 3166-1 alpha-2 territory"),
        f.isrc("isrc"),
        f.text("track_title"),
        f.text("artist_name"),
        f.integer("streams"),
        f.decimal("revenue", decimal_separator=decimal_separator),
    )


CURRENCY = f.code("currency", 3, "ISO 4217 currency")

# one row per day, territory and recording as delivered
USAGE_GRAIN = ("report_date", "territory_code", "isrc")

SPOTIFY = Connector(
    source="spotify",
    table="spotify__daily_streams",
    file_patterns=("spotify_daily_streams_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})",
    cadence="monthly",
    grain=USAGE_GRAIN,
    header=("date", "country", "isrc", "track_name", "artist_name", "streams", "estimated_revenue_eur"),
    fields=_usage_fields("%Y-%m-%d"),
    constants=((CURRENCY, "EUR"),),  # the revenue column is named for its currency
)

APPLE_MUSIC = Connector(
    source="apple_music",
    table="apple_music__daily_streams",
    file_patterns=("AppleMusic_DailyPlays_*.txt",),
    name_pattern=r"_(?P<year>\d{4})(?P<month>\d{2})",
    cadence="monthly",
    grain=USAGE_GRAIN,
    header=("Report Date", "Storefront", "ISRC", "Song Name", "Artist Name", "Plays", "Estimated Proceeds",
            "Proceeds Currency"),
    fields=(*_usage_fields("%m/%d/%Y"), CURRENCY),
    delimiter="\t",
)

DEEZER = Connector(
    source="deezer",
    table="deezer__daily_streams",
    file_patterns=("deezer_streams_*.csv",),
    name_pattern=r"_(?P<year>\d{4})(?P<month>\d{2})",
    cadence="monthly",
    grain=USAGE_GRAIN,
    header=("Day", "Territory", "ISRC", "Title", "Artist", "Streams", "Revenue", "Currency"),
    fields=(*_usage_fields("%d/%m/%Y", decimal_separator=","), CURRENCY),
    delimiter=";",
)
