"""Data Quality & Collection Health: is the data complete and fresh, what was refused and why, which reported
recordings still need a decision, what the expectation suites found and which alerts went out. The platform's
operators' dashboard: its datasets belong to no one label, so only platform admins open it
(infra/superset/tenancy_roles.py)."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, big_number, select_filter, table, timeseries, with_filters
from superset_assets.reports import filters as f

DASHBOARD = Dashboard(
    "Data Quality & Collection Health", "data-quality",
    "Freshness, completeness, volume and error rate per source; the quarantine; the unmatched-usage queue; GX results; "
    "alert decisions.",
    charts=(
        big_number("Quarantined lines", t.QUARANTINE, "quarantined_lines", subheader="refused, kept for review",
                   width=3),
        big_number("Unmatched recordings", t.UNMATCHED, "unmatched_recordings", subheader="waiting for a decision",
                   width=3),
        big_number("Checks not passing", t.COLLECTION, "failing_checks", subheader="collection monitoring", width=3),
        big_number("Expectations failed", t.VALIDATIONS, "expectations_failed", subheader="Great Expectations",
                   width=3),
        table("Quarantine", t.QUARANTINE, columns=["source_name", "file_name", "line_number", "reason_code", "reason",
                                                   "raw_line"],
              order_by="file_name", ascending=True, width=12, height=60),
        timeseries("Collection checks by source", t.COLLECTION, ["checks"], kind="bar", x_axis="source", grain=None,
                   groupby=["status"], stacked=True, width=6, height=60),
        with_filters(table("Freshness", t.COLLECTION, columns=["source", "status", "value", "threshold", "detail"],
                           order_by="value", formats={"value": ",.1f"}, width=6, height=60),
                     ("check_name", "==", "freshness")),
        table("Unmatched usage queue", t.UNMATCHED, columns=["queue_rank", "reported_isrc", "reported_artist_name",
                                                             "reported_track_title", "revenue_eur", "streams",
                                                             "best_candidate_isrc", "best_candidate_score"],
              order_by="queue_rank", ascending=True, formats={"revenue_eur": ",.2f", "best_candidate_score": ".2f"},
              width=6, height=60),
        timeseries("Validations by suite", t.VALIDATIONS, ["expectations_evaluated", "expectations_failed"],
                   kind="bar", x_axis="suite_name", grain=None, width=6, height=60),
        timeseries("Files delivered by source", t.DELIVERIES, ["files", "files_with_quarantine"], kind="bar",
                   x_axis="source_name", grain=None, width=12, height=50),
        big_number("Alerts in the latest run", t.ALERTS, "alert_decisions", subheader="latest alert run", width=3),
        table("Alert decisions", t.ALERTS, columns=["label_id", "rule", "channel", "status", "subject", "sent_at"],
              order_by="label_id", ascending=True, width=9, height=60),
    ),
    filters=(select_filter("source", "Source", t.QUARANTINE, "source_name", description="Connector"),
             f.time_range("Checked / refused on")),
)
