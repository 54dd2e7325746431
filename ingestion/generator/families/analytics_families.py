"""The analytics families, in writing order (appended to ``FAMILIES`` after the spine's families).

They are written when ``GeneratorParams.extras`` names ``analytics`` (``ANALYTICS_EXTRA``), as it does by default
with every other extra (ingestion/generator/params.py, ``EXTRAS``); ``--extras none`` leaves them out. Their
connectors (``ingestion.connectors.ANALYTICS_CONNECTORS``) are raw assets the pipeline lands; they join
``CONNECTORS`` once staging models consume them.

The order matters where a family reads what an earlier one handed over in ``ctx.shared``: marketing's touches
(playlists, radio), playlists' reach (stream_sources), listener_stats' 28-day uniques (audience), audience's
listeners and profiles (audience_overlap, surveys). Each still draws only from its own random stream.
"""

from __future__ import annotations

from collections.abc import Callable

from ingestion.generator.context import GenerationContext
from ingestion.generator.families.audience import write_audience
from ingestion.generator.families.audience_overlap import write_audience_overlap
from ingestion.generator.families.charts import write_charts
from ingestion.generator.families.listener_stats import write_listener_stats
from ingestion.generator.families.marketing import write_marketing
from ingestion.generator.families.playlists import write_playlists
from ingestion.generator.families.radio import write_radio
from ingestion.generator.families.stream_sources import write_stream_sources
from ingestion.generator.families.surveys import write_surveys

ANALYTICS_EXTRA = "analytics"


def _when_named(write: Callable[[GenerationContext], None]) -> Callable[[GenerationContext], None]:
    def run(ctx: GenerationContext) -> None:
        if ctx.params.has(ANALYTICS_EXTRA):
            write(ctx)

    run.__name__ = run.__qualname__ = write.__name__
    run.__doc__ = write.__doc__
    return run


WRITERS: tuple[tuple[str, Callable[[GenerationContext], None]], ...] = (
    ("marketing", write_marketing),
    ("playlists", write_playlists),
    ("listener_stats", write_listener_stats),
    ("stream_sources", write_stream_sources),
    ("charts", write_charts),
    ("audience", write_audience),
    ("audience_overlap", write_audience_overlap),
    ("radio", write_radio),
    ("surveys", write_surveys),
)
ANALYTICS_FAMILIES: tuple[tuple[str, Callable[[GenerationContext], None]], ...] = tuple(
    (name, _when_named(write)) for name, write in WRITERS)
