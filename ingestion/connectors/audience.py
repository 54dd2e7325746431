"""Aggregated audience demographics per artist, platform and month (ingestion/generator/families/audience.py):
age band x gender, country and top-city rows in one long table; ``breakdown`` says which columns are filled."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.analytics_kinds import PLATFORM_CODES, TERRITORY
from ingestion.contract import Connector
from ingestion.fields import one_of, optional

AUDIENCE = Connector(
    source="audience",
    cadence="monthly",  # one report per month of the window, every month
    table="audience__demographics",
    file_patterns=("audience_demographics_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("month", "platform", "platform_artist_id", "artist_name", "breakdown", "age_band", "gender", "country",
            "city", "listeners"),
    fields=(
        f.date("audience_month", "%Y-%m"),
        one_of("platform_code", PLATFORM_CODES),
        f.text("platform_artist_id"),
        f.text("artist_name"),
        one_of("breakdown", ("age_gender", "country", "city")),
        optional(one_of("age_band", ("18-24", "25-34", "35-44", "45-54", "55-64", "65+"))),
        optional(one_of("gender", ("female", "male", "non-binary", "unknown"))),
        optional(f.code("territory_code", 2, TERRITORY)),
        f.text("city", required=False),
        f.integer("listeners"),
    ),
    delimiter=";",
)
