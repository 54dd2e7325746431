"""Instagram Reels: one monthly CSV of reels created with a track and the plays of those reels, per country.

Modelled on the music-usage insights Meta gives rights holders (not public in a standard layout): report
month, ISRC (written in groups separated by spaces), track title, artist, country, reels created and reel
plays. No revenue: Meta licenses its music library in bulk, not per reel. Truth: reels created and plays,
per file and in total (``families.instagram``). Extra ``instagram``.
"""

from __future__ import annotations

import numpy as np

from ingestion.generator import names
from ingestion.generator.context import GenerationContext
from ingestion.generator.families._platform import TableFile, catalogue_as_of, month_demand, record

SOURCE = "instagram"
HEADER = ("Report Month", "ISRC", "Track Title", "Artist", "Country", "Reels Created", "Reel Plays")
REELS_PER_STREAM = 0.0005
PLAYS_PER_REEL = 800


def write_instagram(ctx: GenerationContext) -> None:
    if not ctx.params.has(SOURCE):
        return
    tracks, territories = ctx.tracks, ctx.params.territories
    artists = names.spellings(ctx.shared, SOURCE, tracks)
    taste = ctx.rng(SOURCE).lognormal(0.0, 0.7, size=len(tracks))
    entries = []
    for month in ctx.months:
        rng = ctx.rng(f"{SOURCE}/{month:%Y-%m}")
        titles, _ = catalogue_as_of(ctx, month)
        reels = rng.poisson(month_demand(ctx, month) * taste[:, None] * REELS_PER_STREAM)
        plays = rng.poisson(reels * float(PLAYS_PER_REEL))
        table = TableFile(ctx.landing_dir / SOURCE / f"instagram_reels_{month:%Y-%m}.csv", HEADER)
        for t, r in zip(*np.nonzero(reels), strict=True):
            isrc = tracks[t].isrc
            table.add([f"{month:%Y-%m}", f"{isrc[:2]} {isrc[2:5]} {isrc[5:7]} {isrc[7:]}", titles[t], artists[t],
                         territories[r], str(int(reels[t, r])), str(int(plays[t, r]))])
        table.close()
        entries.append(record(ctx, table, SOURCE, month, 8, reels=int(reels.sum()), plays=int(plays.sum())))
    entries = [e for e in entries if e is not None]
    ctx.truth[SOURCE] = {
        "files": len(entries),
        "months_without_rows": ctx.shared.get("months_without_rows", {}).get(SOURCE, []),
        "rows": sum(e["data_lines"] for e in entries),
        "reels": sum(e["reels"] for e in entries),
        "plays": sum(e["plays"] for e in entries),
    }
