"""The datasets: tables of the serving layer with their metrics, each defined once for every chart that reads it.

Columns of the dbt marts come from the marts' own YAML (their contracts name every column and its type), so a
column added to a mart is one ``python -m superset_assets.build`` away from the dashboards and a column dropped
from it fails the asset test instead of a chart in front of a user. The tables the Python steps write (``ml``,
``quality``, ``alerts``) declare their columns here.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from superset_assets.model import EUR_FORMAT, SHARE_FORMAT, Column, Dataset, Metric

REPO_ROOT = Path(__file__).resolve().parents[1]
MARTS_DIR = REPO_ROOT / "dbt_project" / "models" / "marts"


@functools.cache
def mart_columns() -> dict[str, tuple[Column, ...]]:
    """model name -> its documented columns (name, contract type, description), from every marts YAML."""
    out: dict[str, tuple[Column, ...]] = {}
    for path in sorted(MARTS_DIR.rglob("_*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []) or []:
            cols = tuple(Column(c["name"], str(c.get("data_type") or "varchar").upper(),
                                " ".join(str(c.get("description") or "").split()))
                         for c in model.get("columns", []))
            if cols:
                out[model["name"]] = cols
    return out


def mart(table: str, description: str, metrics: tuple[Metric, ...], *, time: str | None = None,
         uuid: str | None = None) -> Dataset:
    return Dataset(table, "marts", description, mart_columns()[table], metrics, time, uuid)


def total(name: str, column: str, label: str, fmt: str = ",d") -> Metric:
    return Metric(name, f"SUM({column})", label, fmt)


PERFORMANCE = mart(
    "rpt_performance_overview", "Daily streams and revenue per platform, territory and track.",
    (total("total_streams", "streams", "Streams"), total("revenue_eur", "revenue_eur", "Revenue (EUR)", EUR_FORMAT),
     Metric("tracks", "COUNT(DISTINCT isrc)", "Tracks"), Metric("artists", "COUNT(DISTINCT artist_name)", "Artists")),
    time="usage_date", uuid="8354c132-212e-46d5-90c4-01c23a1c98e8")

FORECAST = mart(
    "rpt_track_forecast", "Daily streams per track: the last 28 days observed, then the forecast with its interval.",
    (total("forecast_streams", "streams", "Streams"), total("forecast_lower", "streams_lower", "Lower bound"),
     total("forecast_upper", "streams_upper", "Upper bound"),
     Metric("forecast_tracks", "COUNT(DISTINCT isrc)", "Tracks")),
    time="day")

CATALOGUE = mart(
    "rpt_catalogue_analysis", "Lifetime and 28-day performance of every track, release, artist and label.",
    (total("lifetime_streams", "lifetime_streams", "Lifetime streams"),
     total("streams_28d", "streams_28d", "Streams, last 28 days"),
     total("estimated_revenue_eur", "estimated_revenue_eur", "Estimated revenue (EUR)", EUR_FORMAT),
     Metric("catalogue_tracks", "COUNT(DISTINCT isrc)", "Tracks"),
     Metric("best_rank", "MIN(lifetime_streams_rank_in_label)", "Rank in label")))

AUDIENCE = mart(
    "rpt_audience_insights", "Monthly listeners per artist by age and gender, territory and city (aggregated cells).",
    (total("listeners", "listeners", "Listeners"), Metric("artists_reached", "COUNT(DISTINCT artist_key)", "Artists"),
     Metric("avg_listener_share", "AVG(listener_share)", "Listener share", SHARE_FORMAT)),
    time="audience_month")

PLATFORMS = mart(
    "rpt_platform_comparison", "Monthly streams, revenue and rates per platform: daily feeds beside statements.",
    (total("daily_feed_streams", "daily_feed_streams", "Streams (daily feeds)"),
     total("statement_streams", "statement_streams", "Streams (statements)"),
     total("reported_revenue_eur", "reported_revenue_eur", "Reported revenue (EUR)", EUR_FORMAT),
     Metric("rate_per_1000_eur", "1000.0 * SUM(statement_revenue_eur) / NULLIF(SUM(statement_streams), 0)",
            "Revenue per 1,000 streams (EUR)", ",.3f")),
    time="usage_month")

GEOGRAPHY = mart(
    "rpt_geographic_distribution", "Monthly streams, revenue and listeners per country and city.",
    (total("geo_streams", "daily_feed_streams", "Streams (daily feeds)"),
     total("geo_revenue_eur", "reported_revenue_eur", "Reported revenue (EUR)", EUR_FORMAT),
     total("geo_listeners", "listeners", "Listeners")),
    time="activity_month")

TRENDS = mart(
    "rpt_trend_analysis", "Streams per day, week, month and quarter with growth and moving averages.",
    (total("trend_streams", "streams", "Streams"),
     Metric("avg_7d", "AVG(streams_7_day_moving_average)", "7-day moving average", ",.0f"),
     Metric("avg_28d", "AVG(streams_28_day_moving_average)", "28-day moving average", ",.0f"),
     Metric("growth", "AVG(period_over_period_growth)", "Growth on the previous period", "+.1%")),
    time="period_start")

SEASONALITY = mart(
    "rpt_trend_seasonality", "Seasonality indices: day of week and month of year per label.",
    (Metric("seasonality_index", "AVG(seasonality_index)", "Seasonality index", ".2f"),
     total("season_streams", "streams", "Streams")))

RELEASES = mart(
    "rpt_release_performance", "First 7 and 28 days of every release per platform against the label's median.",
    (total("streams_first_7_days", "streams_first_7_days", "Streams, first 7 days"),
     total("streams_first_28_days", "streams_first_28_days", "Streams, first 28 days"),
     Metric("releases", "COUNT(DISTINCT release_key)", "Releases"),
     total("revenue_first_28_days", "estimated_revenue_eur_first_28_days", "Estimated revenue, first 28 days (EUR)",
           EUR_FORMAT),
     Metric("index_vs_label", "AVG(index_vs_label_median_first_28_days)", "Index vs label median", ".2f")),
    time="release_date")

PLAYLISTS = mart(
    "rpt_playlists_and_charts", "Monthly playlist adds, removals, chart entries and stream sources per track.",
    (total("playlist_adds", "playlist_adds", "Playlist adds"),
     total("editorial_adds", "editorial_playlist_adds", "Editorial adds"),
     total("net_playlist_adds", "net_playlist_adds", "Net playlist adds"),
     total("playlist_reach", "playlist_reach_followers", "Playlist reach (followers)"),
     total("chart_entries", "new_chart_entries", "Chart entries"),
     Metric("best_chart_position", "MIN(best_chart_position)", "Best chart position"),
     total("editorial_streams", "editorial_playlist_streams", "Editorial playlist streams"),
     total("algorithmic_streams", "algorithmic_playlist_streams", "Algorithmic playlist streams"),
     total("user_playlist_streams", "user_playlist_streams", "User playlist streams"),
     total("search_streams", "search_streams", "Search streams")),
    time="activity_month")

REVENUE = mart(
    "rpt_revenue_by_source", "Monthly revenue per platform and territory: reported (statements) and estimated (feeds).",
    (total("reported_eur", "reported_revenue_eur", "Reported revenue (EUR)", EUR_FORMAT),
     total("estimated_eur", "estimated_revenue_eur", "Estimated revenue (EUR)", EUR_FORMAT),
     total("statement_revenue", "statement_revenue_eur", "Statement revenue (EUR)", EUR_FORMAT),
     total("reported_minus_estimated", "reported_minus_estimated_eur", "Reported − estimated (EUR)", EUR_FORMAT)),
    time="usage_month")

RECONCILIATION = mart(
    "rpt_statement_reconciliation", "Statements against daily feeds per period, platform and territory.",
    (total("recon_statement_streams", "statement_streams", "Streams (statements)"),
     total("recon_feed_streams", "daily_feed_streams", "Streams (daily feeds)"),
     total("streams_variance", "streams_variance", "Stream variance"),
     total("revenue_variance_eur", "revenue_variance_eur", "Revenue variance (EUR)", EUR_FORMAT),
     Metric("recon_lines", "COUNT(*)", "Lines")))

DELIVERIES = mart(
    "rpt_delivery_reconciliation", "Every delivered file per label: status, version, supersession. Its row counts "
    "repeat on each label row of a file, so the metrics here count files, never sum rows.",
    (Metric("files", "COUNT(DISTINCT batch_id)", "Files"),
     Metric("files_with_quarantine", "COUNT(DISTINCT CASE WHEN rows_quarantined > 0 THEN batch_id END)",
            "Files with quarantined lines")))

QUARANTINE = mart(
    "rpt_quarantined_lines", "Every line the landing contract refused: file, line, reason, exact text.",
    (Metric("quarantined_lines", "COUNT(*)", "Quarantined lines"),
     Metric("quarantined_files", "COUNT(DISTINCT file_name)", "Files")),
    time="quarantined_date")

UNMATCHED = mart(
    "rpt_unmatched_usage_queue", "Reported recordings no catalogue track matched, by revenue at stake.",
    (total("unmatched_revenue_eur", "revenue_eur", "Revenue at stake (EUR)", EUR_FORMAT),
     total("unmatched_streams", "streams", "Streams"), Metric("unmatched_recordings", "COUNT(*)", "Recordings")))


def _cols(*spec: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, type_) for name, type_ in spec)


INSIGHTS = Dataset(
    "insights", "ml", "Prioritised insights (trend breaks, anomalies, opportunities, risks) with their narrative.",
    _cols(("insight_id", "VARCHAR"), ("rank", "INTEGER"), ("insight_type", "VARCHAR"), ("entity_type", "VARCHAR"),
          ("entity_id", "VARCHAR"), ("entity_name", "VARCHAR"), ("isrc", "VARCHAR"), ("artist_key", "VARCHAR"),
          ("artist_name", "VARCHAR"), ("label_key", "VARCHAR"), ("label_id", "VARCHAR"), ("label_name", "VARCHAR"),
          ("platform", "VARCHAR"), ("territory", "VARCHAR"), ("period_start", "DATE"), ("period_end", "DATE"),
          ("impact_streams", "DOUBLE"), ("impact", "DOUBLE"), ("confidence", "DOUBLE"), ("urgency", "DOUBLE"),
          ("priority", "DOUBLE"), ("headline", "VARCHAR"), ("narrative", "VARCHAR"), ("entity_url", "VARCHAR"),
          ("model_version", "VARCHAR")),
    (Metric("insight_count", "COUNT(*)", "Insights"), Metric("max_priority", "MAX(priority)", "Top priority", ".3f"),
     total("impact_streams", "impact_streams", "Streams at stake")))

ANOMALIES = mart(
    "rpt_track_anomalies", "Spikes, drops and missing days the anomaly model found per track, platform, territory.",
    (Metric("anomaly_count", "COUNT(*)", "Anomalies"),
     Metric("anomaly_excess", "SUM(observed_streams - expected_streams)", "Observed − expected streams", ",.0f")),
    time="start_date")

CHURN = mart(
    "rpt_churn_risk", "Risk that a track's or artist's engagement drops in the next 28 days, with its label.",
    (Metric("entities_scored", "COUNT(*)", "Entities"),
     Metric("max_churn_probability", "MAX(churn_probability)", "Churn probability", ".0%")))

ALERTS = Dataset(
    "alert_deliveries", "alerts", "The latest alert run's decisions per alert, channel and recipient (sent, failed, "
    "snoozed, suppressed as a duplicate, or dry run); alerts.alert_history keeps every run's.",
    _cols(("fingerprint", "VARCHAR"), ("label_id", "VARCHAR"), ("rule", "VARCHAR"), ("channel", "VARCHAR"),
          ("recipient", "VARCHAR"), ("status", "VARCHAR"), ("subject", "VARCHAR"), ("sent_at", "TIMESTAMP"),
          ("error", "VARCHAR"), ("run_id", "VARCHAR"), ("source", "VARCHAR"), ("isrc", "VARCHAR"), ("kind", "VARCHAR"),
          ("rank_value", "DOUBLE")),
    (Metric("alert_decisions", "COUNT(*)", "Alert decisions"),))

COLLECTION = Dataset(
    "collection_monitoring", "quality", "Collection health per source and run: completeness, freshness, volume, "
    "error rate, reliability.",
    _cols(("run_id", "VARCHAR"), ("checked_at", "TIMESTAMP"), ("source", "VARCHAR"), ("check_name", "VARCHAR"),
          ("status", "VARCHAR"), ("value", "DOUBLE"), ("threshold", "VARCHAR"), ("detail", "VARCHAR")),
    (Metric("checks", "COUNT(*)", "Checks"),
     Metric("failing_checks", "SUM(CASE WHEN status = 'pass' THEN 0 ELSE 1 END)", "Checks not passing")),
    "checked_at")

VALIDATIONS = Dataset(
    "validation_results", "quality", "One row per Great Expectations validation: suite, asset, outcome.",
    _cols(("run_id", "VARCHAR"), ("validated_at", "TIMESTAMP"), ("asset", "VARCHAR"), ("suite_name", "VARCHAR"),
          ("success", "BOOLEAN"), ("evaluated", "INTEGER"), ("failed", "INTEGER"), ("error_failures", "INTEGER"),
          ("warning_failures", "INTEGER")),
    (Metric("validations", "COUNT(*)", "Validations"),
     Metric("expectations_evaluated", "SUM(evaluated)", "Expectations evaluated"),
     Metric("expectations_failed", "SUM(failed)", "Expectations failed")),
    "validated_at")

__all__ = [name for name, value in globals().items() if isinstance(value, Dataset)] + ["mart", "total"]

# Datasets without a label key, and why: no tenant role is granted them (infra/superset/tenancy_roles.py), so only
# the platform admin sees them. tests/unit/test_superset_assets.py keeps this list complete.
WITHOUT_LABEL_KEY = {
    "rpt_quarantined_lines": "a refused line is not yet anyone's: it failed before its label could be known",
    "alert_deliveries": "recipients and delivery errors are operators' business; labels get their own alerts",
    "collection_monitoring": "the health of each source, which serves every label",
    "validation_results": "the quality gates of each stage, which serve every label",
}
