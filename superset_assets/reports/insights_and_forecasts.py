"""Insights & Forecasts: what the models say: the prioritised insights with their narrative, the 28-day forecast,
churn risk and detected anomalies, each with its label so that a label's users see their own (the alert decisions
are operators' business: the Data Quality dashboard)."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, Highlight, big_number, pie, table, timeseries
from superset_assets.reports import filters as f

DASHBOARD = Dashboard(
    "Insights & Forecasts", "insights-and-forecasts",
    "Prioritised insights, the 28-day forecast per track, churn risk and anomalies.",
    charts=(
        big_number("Tracks forecast", t.FORECAST, "forecast_tracks", subheader="28 days ahead", width=3),
        big_number("Insights", t.INSIGHTS, "insight_count", subheader="prioritised", width=3),
        big_number("Anomalies", t.ANOMALIES, "anomaly_count", subheader="detected", width=3),
        big_number("Scored for churn", t.CHURN, "entities_scored", subheader="tracks and artists", width=3),
        table("Prioritised insights", t.INSIGHTS, columns=["rank", "headline", "insight_type", "entity_name",
                                                           "label_name", "priority", "narrative"],
              order_by="rank", ascending=True, formats={"priority": ".3f"}, width=12, height=80,
              highlights=[Highlight("priority", ">=", 0.5, "#E04355")]),
        timeseries("Streams and the 28-day forecast", t.FORECAST,
                   ["forecast_streams", "forecast_lower", "forecast_upper"], width=6, height=70),
        pie("Insights by type", t.INSIGHTS, "insight_count", "insight_type", width=6, height=70),
        table("Churn risk", t.CHURN, columns=["entity_type", "entity_name", "label_name", "risk_band",
                                              "churn_probability", "top_reason"],
              order_by="churn_probability", formats={"churn_probability": ".0%"}, width=6, height=70,
              highlights=[Highlight("churn_probability", ">=", 0.5, "#E04355")]),
        table("Detected anomalies", t.ANOMALIES, columns=["start_date", "end_date", "kind", "track_title",
                                                          "label_name", "platform", "territory", "observed_streams",
                                                          "expected_streams"],
              order_by="start_date", formats={"observed_streams": ",.0f", "expected_streams": ",.0f"}, width=6,
              height=70),
    ),
    filters=(f.label(t.FORECAST), f.time_range("Forecast day")),
)
