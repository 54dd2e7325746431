"""Generator families, in writing order. Each writes its files under the landing folder, records them
with ``ctx.add_file`` and its truth under ``ctx.truth[<family>]``; each draws from its own random stream.
"""

from __future__ import annotations

from collections.abc import Callable

from ingestion.generator.context import GenerationContext
from ingestion.generator.families.daily_streams import write_daily_streams
from ingestion.generator.families.reference import write_catalogue, write_fx

FAMILIES: tuple[tuple[str, Callable[[GenerationContext], None]], ...] = (
    ("catalogue", write_catalogue),
    ("fx", write_fx),
    ("daily_streams", write_daily_streams),
)
