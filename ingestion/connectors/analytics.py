"""The analytics connectors, in landing order (appended to ``CONNECTORS`` after the spine's connectors)."""

from __future__ import annotations

from ingestion.connectors.audience import AUDIENCE
from ingestion.connectors.audience_overlap import AUDIENCE_OVERLAP
from ingestion.connectors.charts import CHARTS
from ingestion.connectors.listener_stats import LISTENER_STATS, LISTENER_UNIQUES
from ingestion.connectors.marketing import MARKETING
from ingestion.connectors.playlists import PLAYLIST_POSITIONS, PLAYLISTS
from ingestion.connectors.radio import RADIO
from ingestion.connectors.stream_sources import STREAM_SOURCES
from ingestion.connectors.surveys import SURVEYS
from ingestion.contract import Connector

ANALYTICS_CONNECTORS: tuple[Connector, ...] = (
    MARKETING, PLAYLISTS, PLAYLIST_POSITIONS, LISTENER_STATS, LISTENER_UNIQUES, STREAM_SOURCES, CHARTS, AUDIENCE,
    AUDIENCE_OVERLAP, RADIO, SURVEYS,
)
