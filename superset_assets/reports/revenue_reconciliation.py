"""Revenue & Statement Reconciliation: what the platforms paid, where the money comes from, and whether the monthly
statements agree with the daily feeds."""

from superset_assets import served_tables as t
from superset_assets.model import Dashboard, Highlight, big_number, pie, pivot, sankey, table
from superset_assets.reports import filters as f

DASHBOARD = Dashboard(
    "Revenue & Statement Reconciliation", "revenue-and-reconciliation",
    "Reported and estimated revenue by platform and territory, and statements reconciled line by line with feeds.",
    charts=(
        big_number("Reported revenue", t.REVENUE, "reported_eur", subheader="EUR, from statements", width=3),
        big_number("Estimated revenue", t.REVENUE, "estimated_eur", subheader="EUR, from daily feeds", width=3),
        big_number("Statement streams", t.RECONCILIATION, "recon_statement_streams", width=3),
        pie("Reconciliation status", t.RECONCILIATION, "recon_lines", "reconciliation_status", width=3),
        sankey("Revenue: platform → territory", t.REVENUE, "reported_eur", "platform_name", "territory_name",
               width=6, height=90),
        pivot("Reported revenue by platform and month", t.REVENUE, ["reported_eur"], ["platform_name"],
              ["usage_month"], width=6, height=90),
        table("Statements against daily feeds", t.RECONCILIATION,
              groupby=["period_label", "platform_name", "territory_name", "reconciliation_status"],
              metrics=["recon_statement_streams", "recon_feed_streams", "streams_variance", "revenue_variance_eur"],
              order_by="streams_variance", row_limit=500, width=12, height=80,
              highlights=[Highlight("streams_variance", ">", 1000, "#FF7F44"),
                          Highlight("streams_variance", "<", -1000, "#FF7F44")]),
    ),
    filters=(f.time_range("Usage month"), f.label(t.REVENUE), f.platform(t.REVENUE), f.territory(t.REVENUE)),
)
