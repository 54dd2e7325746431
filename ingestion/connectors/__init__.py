"""Every connector the platform knows, in landing order (reference data before usage)."""

from ingestion.connectors.airbyte import MERCH_ORDERS
from ingestion.connectors.distribution_db import DISTRIBUTION_CATALOGUE
from ingestion.connectors.dsr import DSR_CONNECTORS
from ingestion.connectors.reference import CATALOGUE, FX
from ingestion.connectors.social import SOCIAL_ENGAGEMENT
from ingestion.connectors.streaming import APPLE_MUSIC, DEEZER, SPOTIFY
from ingestion.connectors.webhooks import PLAYLIST_EVENTS
from ingestion.contract import Connector

CONNECTORS: tuple[Connector, ...] = (CATALOGUE, FX, SPOTIFY, APPLE_MUSIC, DEEZER, *DSR_CONNECTORS)
# sources fetched by ingestion/collectors/; they join CONNECTORS (raw assets) once staging models consume them
COLLECTED_CONNECTORS: tuple[Connector, ...] = (SOCIAL_ENGAGEMENT, PLAYLIST_EVENTS, DISTRIBUTION_CATALOGUE, MERCH_ORDERS)
ALL_CONNECTORS: tuple[Connector, ...] = (*CONNECTORS, *COLLECTED_CONNECTORS)
USAGE_CONNECTORS: tuple[Connector, ...] = (SPOTIFY, APPLE_MUSIC, DEEZER)
BY_SOURCE: dict[str, Connector] = {c.source: c for c in CONNECTORS}

__all__ = ["ALL_CONNECTORS", "BY_SOURCE", "COLLECTED_CONNECTORS", "CONNECTORS", "DSR_CONNECTORS", "USAGE_CONNECTORS"]

# Connectors of the generator's extras (GeneratorParams.extras: the label hierarchy and the download-store and
# video/UGC platform families), which the default sample writes. They are raw assets (ALL_CONNECTORS), landed by
# every pipeline run, and join CONNECTORS once staging models consume them.
from ingestion.connectors.beatport import BEATPORT  # noqa: E402
from ingestion.connectors.instagram import INSTAGRAM  # noqa: E402
from ingestion.connectors.itunes import ITUNES  # noqa: E402
from ingestion.connectors.reference import LABELS  # noqa: E402
from ingestion.connectors.tiktok import TIKTOK  # noqa: E402
from ingestion.connectors.youtube import YOUTUBE  # noqa: E402

EXTRA_CONNECTORS: tuple[Connector, ...] = (LABELS, ITUNES, BEATPORT, YOUTUBE, TIKTOK, INSTAGRAM)
ALL_CONNECTORS = (*ALL_CONNECTORS, *EXTRA_CONNECTORS)
__all__ += ["EXTRA_CONNECTORS"]

# The analytics connectors (listener stats, stream sources, playlists, charts, audience, radio, surveys, marketing),
# for the families written with GeneratorParams.extras naming "analytics" (the default). They are raw assets
# (ALL_CONNECTORS) and join CONNECTORS once staging models consume them.
from ingestion.connectors.analytics import ANALYTICS_CONNECTORS  # noqa: E402

ALL_CONNECTORS = (*ALL_CONNECTORS, *ANALYTICS_CONNECTORS)
__all__ += ["ANALYTICS_CONNECTORS"]
