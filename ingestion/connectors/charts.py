"""Weekly national top-50 charts (ingestion/generator/families/charts.py): positions with last week, peak and
weeks on chart as chart companies publish them; no ISRC, so the label's tracks are matched by title and artist."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.analytics_kinds import TERRITORY
from ingestion.contract import Connector
from ingestion.fields import optional

CHARTS = Connector(
    source="charts",
    table="charts__weekly_positions",
    file_patterns=("charts_top50_*.csv",),
    name_pattern=r"_top50_(?P<period>\d{4}-W\d{2})\.csv$",
    header=("chart_week_ending", "country", "this_week", "last_week", "peak", "weeks_on_chart", "title", "artist",
            "label"),
    fields=(
        f.date("chart_week_ending", "%Y-%m-%d"),
        f.code("territory_code", 2, TERRITORY),
        f.integer("this_week", minimum=1),
        optional(f.integer("last_week", minimum=1)),  # empty: a new entry or a re-entry
        f.integer("peak", minimum=1),
        f.integer("weeks_on_chart", minimum=1),
        f.text("title"),
        f.text("artist"),
        f.text("label_name"),
    ),
)
