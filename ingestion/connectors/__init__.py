"""Every connector the platform knows, in landing order (reference data before usage)."""

from ingestion.connectors.reference import CATALOGUE, FX
from ingestion.connectors.streaming import APPLE_MUSIC, DEEZER, SPOTIFY
from ingestion.contract import Connector

CONNECTORS: tuple[Connector, ...] = (CATALOGUE, FX, SPOTIFY, APPLE_MUSIC, DEEZER)
USAGE_CONNECTORS: tuple[Connector, ...] = (SPOTIFY, APPLE_MUSIC, DEEZER)
BY_SOURCE: dict[str, Connector] = {c.source: c for c in CONNECTORS}

__all__ = ["BY_SOURCE", "CONNECTORS", "USAGE_CONNECTORS"]
