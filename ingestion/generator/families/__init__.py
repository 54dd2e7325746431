"""Generator families, in writing order. Each writes its files under the landing folder, records them
with ``ctx.add_file`` and its truth under ``ctx.truth[<family>]``; each draws from its own random stream.
"""

from __future__ import annotations

from collections.abc import Callable

from ingestion.generator.context import GenerationContext
from ingestion.generator.families.daily_streams import write_daily_streams
from ingestion.generator.families.distribution_db import write_distribution_catalogue
from ingestion.generator.families.dsr import write_dsr_statements
from ingestion.generator.families.merch_orders import write_merch_orders
from ingestion.generator.families.playlist_events import write_playlist_events
from ingestion.generator.families.reference import write_catalogue, write_fx
from ingestion.generator.families.social import write_social_engagement

FAMILIES: tuple[tuple[str, Callable[[GenerationContext], None]], ...] = (
    ("catalogue", write_catalogue),
    ("fx", write_fx),
    ("daily_streams", write_daily_streams),
    ("dsr_statements", write_dsr_statements),
    ("social_engagement", write_social_engagement),
    ("playlist_events", write_playlist_events),
    ("distribution_catalogue", write_distribution_catalogue),
    ("merch_orders", write_merch_orders),
)

# Platform families written when named in GeneratorParams.extras, as by default (their connectors: EXTRA_CONNECTORS).
from ingestion.generator.families.beatport import write_beatport  # noqa: E402
from ingestion.generator.families.instagram import write_instagram  # noqa: E402
from ingestion.generator.families.itunes import write_itunes  # noqa: E402
from ingestion.generator.families.tiktok import write_tiktok  # noqa: E402
from ingestion.generator.families.youtube import write_youtube  # noqa: E402

FAMILIES += (
    ("itunes", write_itunes),
    ("beatport", write_beatport),
    ("youtube", write_youtube),
    ("tiktok", write_tiktok),
    ("instagram", write_instagram),
)

# the analytics families (listener stats, stream sources, playlists, charts, audience, radio, surveys, marketing)
from ingestion.generator.families.analytics_families import ANALYTICS_FAMILIES  # noqa: E402

FAMILIES = (*FAMILIES, *ANALYTICS_FAMILIES)
