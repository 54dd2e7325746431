"""YouTube Content ID: one monthly CSV of claimed views, active claims and partner revenue per asset and country,
with revenue adjustments as additional rows.

Modelled on the asset-level reports of YouTube's content owner (CMS) reporting, whose full layout is not
public: one row per sound-recording asset and country with its identifiers (ISRC, UPC written as a 13-digit
GTIN, ISWC of the underlying work when known), claimed views, active claims (user videos claimed with the
sound) and partner revenue in USD. A row with an ``Adjustment Type`` (``backpay``, ``dispute_resolution``,
``spam_adjustment``, ``revenue_correction``) corrects an ``Original Month``: its views and revenue are ADDED
to the totals (a spam adjustment removes views and revenue with negative figures). Regular rows leave both
empty. Truth: views, claims and revenue per adjustment type, per file and in total (``families.youtube``).
Extra ``youtube``.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ingestion.generator import names
from ingestion.generator.context import GenerationContext, micros_text
from ingestion.generator.families._platform import TableFile, catalogue_as_of, month_demand, record

SOURCE = "youtube"
HEADER = ("Adjustment Type", "Month", "Original Month", "Country", "Asset ID", "Asset Type", "ISRC", "UPC", "ISWC",
          "Asset Title", "Artist", "Label", "Claimed Views", "Active Claims", "Partner Revenue", "Currency")
ADJUSTMENTS = ("backpay", "dispute_resolution", "spam_adjustment", "revenue_correction")
VIEWS_PER_STREAM = 0.35


def _asset_id(isrc: str) -> str:
    return "A" + hashlib.sha256(("yt" + isrc).encode()).hexdigest()[:15].upper()


def _has_iswc(isrc: str) -> bool:  # the composition is linked for about three assets in four
    return int(hashlib.sha256(("iswc" + isrc).encode()).hexdigest()[:2], 16) % 4 != 0


def _row(cells: tuple, sums: tuple[dict[str, int], dict[str, int]], kind: str, original: str, t: int, r: int,
         n_views: int, n_claims: int, micros: int) -> list[str]:
    """One line; adds its revenue and views to ``sums`` under its adjustment type ("none" for a regular row)."""
    month, tracks, titles, labels, artists, territories = cells
    track = tracks[t]
    sums[0][kind or "none"] += micros
    sums[1][kind or "none"] += n_views
    return [kind, f"{month:%Y%m}", original, territories[r], _asset_id(track.isrc), "Sound Recording",
            track.isrc, track.upc.zfill(13), track.iswc if _has_iswc(track.isrc) else "", titles[t],
            artists[t], labels[t], str(n_views), str(n_claims), micros_text(micros), "USD"]


def write_youtube(ctx: GenerationContext) -> None:
    if not ctx.params.has(SOURCE):
        return
    tracks, territories = ctx.tracks, ctx.params.territories
    artists = names.spellings(ctx.shared, SOURCE, tracks)
    setup = ctx.rng(SOURCE)
    rate = setup.integers(400, 2_500, size=len(territories))  # USD micro-units per view (RPM 0.40-2.50)
    taste = setup.lognormal(0.0, 0.6, size=len(tracks))
    entries = []
    for month_index, month in enumerate(ctx.months):
        rng = ctx.rng(f"{SOURCE}/{month:%Y-%m}")
        titles, labels = catalogue_as_of(ctx, month)
        demand = month_demand(ctx, month) * taste[:, None] * VIEWS_PER_STREAM
        views = rng.poisson(demand)
        claims = rng.poisson(1.0 + np.sqrt(views) / 20.0) * (views > 0)
        table = TableFile(ctx.landing_dir / SOURCE / f"youtube_asset_report_{month:%Y-%m}.csv", HEADER)
        revenue = {kind: 0 for kind in ("none", *ADJUSTMENTS)}
        view_sum = {kind: 0 for kind in ("none", *ADJUSTMENTS)}
        sums = (revenue, view_sum)
        cells = (month, tracks, titles, labels, artists, territories)
        t_idx, r_idx = np.nonzero(views)
        for t, r in zip(t_idx.tolist(), r_idx.tolist(), strict=True):
            n = int(views[t, r])
            table.add(_row(cells, sums, "", "", t, r, n, int(claims[t, r]), n * int(rate[r])))
        adjusted = 0
        if month_index >= 1 and len(t_idx):
            earlier = ctx.months[max(0, month_index - 2)]
            for kind in ADJUSTMENTS:
                k = int(rng.integers(len(t_idx)))
                t, r = int(t_idx[k]), int(r_idx[k])
                if kind == "spam_adjustment":
                    removed = -int(rng.integers(1, max(2, int(views[t, r]) // 10 + 2)))
                    n_views, micros = removed, removed * int(rate[r])
                elif kind == "dispute_resolution":
                    n_views = int(rng.integers(50, 2_000))
                    micros = n_views * int(rate[r])
                elif kind == "backpay":
                    n_views, micros = 0, int(rng.integers(500, 5_000)) * 10_000
                else:
                    n_views, micros = 0, int(rng.integers(-1_000, 1_000)) * 10_000 or 10_000
                table.add(_row(cells, sums, kind, f"{earlier:%Y%m}", t, r, n_views, 0, micros))
                adjusted += 1
        table.close()
        entries.append(record(
            ctx, table, SOURCE, month, 12, views=sum(view_sum.values()), claims=int(claims.sum()),
            views_by_adjustment=view_sum, revenue_micros=sum(revenue.values()),
            revenue=micros_text(sum(revenue.values())), revenue_by_adjustment={k: micros_text(v)
                                                                                for k, v in revenue.items()},
            revenue_micros_by_adjustment=revenue, currency="USD",
            adjustment_rows=adjusted))
    entries = [e for e in entries if e is not None]
    by_kind = {k: sum(e["revenue_micros_by_adjustment"][k] for e in entries) for k in ("none", *ADJUSTMENTS)}
    ctx.truth[SOURCE] = {
        "files": len(entries),
        "months_without_rows": ctx.shared.get("months_without_rows", {}).get(SOURCE, []),
        "rows": sum(e["data_lines"] for e in entries),
        "adjustment_rows": sum(e["adjustment_rows"] for e in entries),
        "views": sum(e["views"] for e in entries),
        "claims": sum(e["claims"] for e in entries),
        "revenue_usd": micros_text(sum(by_kind.values())),
        "revenue_by_adjustment": {k: micros_text(v) for k, v in by_kind.items()},
        "rule": "adjustment rows are additive: views and revenue are the plain sums of every row",
    }
