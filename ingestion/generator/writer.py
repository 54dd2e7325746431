"""Build the shared catalogue and usage model, run every family, write the manifest of the truth."""

from __future__ import annotations

import json
from pathlib import Path

from ingestion.generator.catalogue import build_catalogue, catalogue_counts
from ingestion.generator.context import GenerationContext, months_between, stream_for
from ingestion.generator.families import FAMILIES
from ingestion.generator.families.analytics_families import ANALYTICS_EXTRA
from ingestion.generator.families.marketing import plan_touches
from ingestion.generator.params import GENERATOR_VERSION, USD_EUR_BASE_MICROS, GeneratorParams
from ingestion.generator.usage import build_usage_model

TOTALS_KEYS = ("usage_rows", "streams", "streams_by_platform", "rows_by_platform", "revenue_by_currency",
               "revenue_eur", "truth_rules")

# expected non-zero cells per (day, track, platform, territory); used to size the catalogue
_FILL_RATE = 0.42


def generate(params: GeneratorParams, landing_dir: Path) -> dict:
    """Write every report file under ``landing_dir/<source>/`` and return (and write) the manifest."""
    landing_dir = Path(landing_dir)
    ctx = build_context(params, landing_dir)
    for _name, write in FAMILIES:
        write(ctx)
    manifest = _manifest(ctx)
    # streamed to the file: json.dumps with an indent lists every token before joining them (75 MB for the 14 MB
    # manifest of 2e7 rows, whose truth lists every playlist stay and touch; 5x that at 1e8); json.dump writes the
    # same tokens as they come
    with (landing_dir / "manifest.json").open("w") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return manifest


def build_context(params: GeneratorParams, landing_dir: Path) -> GenerationContext:
    """The catalogue, the usage model and FX every family shares, before any family runs."""
    rng = stream_for(params.seed, "catalogue")
    cells_per_track = params.days * len(params.platforms) * len(params.territories) * _FILL_RATE
    n_tracks = max(12, round(params.target_rows / cells_per_track))
    tracks = build_catalogue(rng, n_tracks, params.start_date, params.end_date)
    model = build_usage_model(stream_for(params.seed, "usage_model"), tracks, params)
    if params.has(ANALYTICS_EXTRA):
        # the marketing touches are planned once, before any family samples a stream, so that their lift is in
        # every feed (usage.expected_day) and the marketing export lists the same touches (families/marketing.py)
        model.touches = tuple(plan_touches(stream_for(params.seed, "marketing"), tracks, params))
        model.start = params.start_date
    fx_rng = stream_for(params.seed, "fx")
    fx = {}
    for month in months_between(params.start_date, params.end_date):
        fx[(f"{month:%Y-%m}", "EUR")] = 1_000_000
        fx[(f"{month:%Y-%m}", "USD")] = USD_EUR_BASE_MICROS + int(fx_rng.integers(-25_000, 25_000))
    return GenerationContext(params=params, landing_dir=Path(landing_dir), tracks=tracks, model=model,
                             fx_micros=fx)


def _manifest(ctx: GenerationContext) -> dict:
    params, tracks = ctx.params, ctx.tracks
    daily = ctx.truth["daily_streams"]
    return {
        "generator_version": GENERATOR_VERSION,
        "params": params.as_dict(),
        "files": ctx.files,
        "catalogue": catalogue_counts(tracks),
        # the daily streaming feeds' truth, kept at the top level where the spine's tests read it (the
        # details of its faults stay under families.daily_streams); truth_rules says what the figures count
        "totals": {
            **{k: v for k, v in daily.items() if k in TOTALS_KEYS},
            "first_date": params.start_date.isoformat(),
            "last_date": params.end_date.isoformat(),
            "days": params.days,
            "territories": len(params.territories),
        },
        "families": ctx.truth,
        # hidden truth for later evaluation (archetypes, popularity): never shown to the pipeline
        "hidden": {"tracks": {t.isrc: {"archetype": t.archetype, "popularity": round(t.popularity, 6),
                                       "release_date": t.release_date.isoformat(), "artist_id": t.artist_id,
                                       "label_id": t.label_id}
                              for t in tracks},
                   # artists, homonyms, artist_variants, anomalies: what the families recorded
                   **ctx.shared.get("hidden", {})},
    }
