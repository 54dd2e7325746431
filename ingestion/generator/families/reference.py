"""The label's catalogue export and the monthly FX reference rates."""

from __future__ import annotations

from ingestion.generator.context import GenerationContext, micros_text, write_lines


def _csv(text: str) -> str:
    return f'"{text}"' if "," in text else text


def write_catalogue(ctx: GenerationContext) -> None:
    """One row per track: the metadata the usage reports lack."""
    path = ctx.landing_dir / "catalogue" / "catalogue_tracks.csv"
    header = "isrc,track_title,artist_name,release_title,upc,release_date,label_name,genre,duration_seconds"
    lines = [
        f"{t.isrc},{_csv(t.title)},{_csv(t.artist)},{_csv(t.release_title)},{t.upc},"
        f"{t.release_date.isoformat()},{_csv(t.label)},{_csv(t.genre)},{t.duration_seconds}"
        for t in ctx.tracks
    ]
    write_lines(path, header, lines)
    ctx.add_file(path, "catalogue", len(lines))


def write_fx(ctx: GenerationContext) -> None:
    path = ctx.landing_dir / "fx" / "fx_rates_monthly.csv"
    lines = [f"{month},{currency},{micros_text(rate)}" for (month, currency), rate in sorted(ctx.fx_micros.items())]
    write_lines(path, "month,currency,eur_per_unit", lines)
    ctx.add_file(path, "fx", len(lines))
