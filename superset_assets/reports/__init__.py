"""One module per dashboard: the standard reports of the product, then the operational ones. ``DASHBOARDS`` is the
order the bundle, the bootstrap's summary and the browser tests list them in."""

from superset_assets.model import Dashboard
from superset_assets.reports import (
    audience_insights,
    catalogue_analysis,
    data_quality,
    geographic_distribution,
    insights_and_forecasts,
    performance_overview,
    platform_comparison,
    playlists_and_charts,
    release_performance,
    revenue_reconciliation,
    trend_analysis,
)

DASHBOARDS: tuple[Dashboard, ...] = tuple(module.DASHBOARD for module in (
    performance_overview, catalogue_analysis, audience_insights, platform_comparison, geographic_distribution,
    trend_analysis, release_performance, playlists_and_charts, revenue_reconciliation, insights_and_forecasts,
    data_quality))
