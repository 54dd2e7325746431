"""TikTok sound usage: one monthly CSV of video creations per sound (recording) and territory.

TikTok pays on video *creations* that use a sound, not on their views (shared/domain.md), so the report
carries creations and the revenue they earn (USD), and no views. Modelled on the sound-level creation reports
labels receive (not public in a standard layout): month, territory, TikTok's sound id, the ISRC (written with
hyphens), the sound title and artist, creations, revenue and currency. Viral tracks are used far more.
Truth: creations and revenue, per file and in total (``families.tiktok``). Extra ``tiktok``.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ingestion.generator import names
from ingestion.generator.context import GenerationContext, micros_text
from ingestion.generator.families._platform import TableFile, catalogue_as_of, month_demand, record

SOURCE = "tiktok"
HEADER = ("Month", "Territory", "Sound ID", "ISRC", "Sound Title", "Artist", "Video Creations", "Revenue",
          "Currency")
CREATIONS_PER_STREAM = 0.0008


def _sound_id(isrc: str) -> str:
    return str(7_000_000_000_000_000_000 + int(hashlib.sha256(("tt" + isrc).encode()).hexdigest()[:15], 16)
               % 1_000_000_000_000_000_000)


def write_tiktok(ctx: GenerationContext) -> None:
    if not ctx.params.has(SOURCE):
        return
    tracks, territories = ctx.tracks, ctx.params.territories
    artists = names.spellings(ctx.shared, SOURCE, tracks)
    setup = ctx.rng(SOURCE)
    boost = np.array([6.0 if t.archetype == "viral" else 1.0 for t in tracks]) * setup.lognormal(0, 0.8, len(tracks))
    rate = setup.integers(2_000, 30_000, size=len(territories))  # USD micro-units per creation
    entries = []
    for month in ctx.months:
        rng = ctx.rng(f"{SOURCE}/{month:%Y-%m}")
        titles, _ = catalogue_as_of(ctx, month)
        creations = rng.poisson(month_demand(ctx, month) * boost[:, None] * CREATIONS_PER_STREAM)
        table = TableFile(ctx.landing_dir / SOURCE / f"tiktok_sound_creations_{month:%Y-%m}.csv", HEADER)
        revenue = 0
        for t, r in zip(*np.nonzero(creations), strict=True):
            n, track = int(creations[t, r]), tracks[t]
            micros = n * int(rate[r])
            revenue += micros
            table.add([f"{month:%Y-%m}", territories[r], _sound_id(track.isrc),
                         f"{track.isrc[:2]}-{track.isrc[2:5]}-{track.isrc[5:7]}-{track.isrc[7:]}", titles[t],
                         artists[t], str(n), micros_text(micros), "USD"])
        table.close()
        entries.append(record(ctx, table, SOURCE, month, 15, creations=int(creations.sum()), revenue_micros=revenue,
                              revenue=micros_text(revenue), currency="USD"))
    entries = [e for e in entries if e is not None]
    ctx.truth[SOURCE] = {
        "files": len(entries),
        "months_without_rows": ctx.shared.get("months_without_rows", {}).get(SOURCE, []),
        "rows": sum(e["data_lines"] for e in entries),
        "creations": sum(e["creations"] for e in entries),
        "revenue_usd": micros_text(sum(e["revenue_micros"] for e in entries)),
    }
