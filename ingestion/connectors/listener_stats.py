"""Daily listeners and saves, and the 7-day / 28-day unique listeners (ingestion/generator/families/listener_stats.py
describes both layouts). Daily listeners must never be summed over days or platforms: the uniques are the
non-additive figures for their windows."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.analytics_kinds import PLATFORM_CODES, TERRITORY
from ingestion.contract import Connector
from ingestion.fields import one_of

LISTENER_STATS = Connector(
    source="listener_stats",
    cadence="monthly",  # one report per month of the window, every month
    table="listener_stats__daily_listeners",
    file_patterns=("listeners_daily_*.csv",),
    name_pattern=r"_(?P<year>\d{4})-(?P<month>\d{2})\.csv$",
    header=("date", "platform", "country", "isrc", "listeners", "saves"),
    fields=(
        f.date("report_date", "%Y-%m-%d"),
        one_of("platform_code", PLATFORM_CODES),
        f.code("territory_code", 2, TERRITORY),
        f.isrc("isrc"),
        f.integer("listeners"),
        f.integer("saves"),
    ),
)

LISTENER_UNIQUES = Connector(
    source="listener_uniques",
    table="listener_uniques__unique_listeners",
    file_patterns=("unique_listeners_7d_*.csv", "unique_listeners_28d_*.csv"),
    name_pattern=r"_(?P<period>\d{4}-W\d{2}|\d{4}-\d{2})\.csv$",
    header=("window_days", "window_start", "window_end", "platform", "isrc", "unique_listeners"),
    fields=(
        f.integer("window_days", minimum=1),
        f.date("window_start", "%Y-%m-%d"),
        f.date("window_end", "%Y-%m-%d"),
        one_of("platform_code", PLATFORM_CODES),
        f.isrc("isrc"),
        f.integer("unique_listeners"),
    ),
)
