"""Daily streaming analytics feeds of Spotify, Apple Music and Deezer, with the faults platforms make."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np

from ingestion.generator.context import GenerationContext, micros_text, write_lines
from ingestion.generator.formats import FORMATS, ReportFormat
from ingestion.generator.params import PLATFORMS
from ingestion.generator.usage import sample_month


def write_daily_streams(ctx: GenerationContext) -> None:
    rng = ctx.rng("daily_streams")
    for month_index, month in enumerate(ctx.months):
        days = ctx.days_of(month)
        for platform in ctx.params.platforms:
            streams = sample_month(rng, ctx.model, platform, days, ctx.params.start_date)
            _write_month(ctx, FORMATS[platform], days, streams, month, month_index)
    if ctx.params.inject_faults:
        _redeliver(ctx)
    usage = [f for f in ctx.files if f["source"] in PLATFORMS and f["redelivery_of"] is None]
    by_platform: dict[str, int] = {}
    by_currency: dict[str, int] = {}
    for f in usage:
        by_platform[f["source"]] = by_platform.get(f["source"], 0) + f["streams"]
        by_currency[f["currency"]] = by_currency.get(f["currency"], 0) + f["revenue_micros"]
    eur_pico = sum(f["revenue_eur_pico"] for f in usage)
    ctx.truth["daily_streams"] = {
        "usage_rows": sum(f["expected"]["landed"] for f in usage),
        "streams": sum(by_platform.values()),
        "streams_by_platform": by_platform,
        "revenue_by_currency": {c: micros_text(m) for c, m in by_currency.items()},
        "revenue_eur": f"{eur_pico // 10**12}.{eur_pico % 10**12:012d}",
    }


def _write_month(ctx: GenerationContext, fmt: ReportFormat, days: list[dt.date], streams: np.ndarray,
                 month: dt.date, month_index: int) -> None:
    currency = PLATFORMS[fmt.platform][1]
    rates = ctx.model.rate_micros[fmt.platform]
    territories, tracks = ctx.params.territories, ctx.tracks
    d_idx, t_idx, r_idx = np.nonzero(streams)  # C order: by day, then track, then territory
    values = streams[d_idx, t_idx, r_idx]
    revenue = values * rates[r_idx]
    lines = [
        fmt.line(days[d], territories[r], tracks[t].isrc, tracks[t].title, tracks[t].artist, int(s), int(m), currency)
        for d, t, r, s, m in zip(d_idx.tolist(), t_idx.tolist(), r_idx.tolist(), values.tolist(),
                                 revenue.tolist(), strict=True)
    ]
    good = len(lines)
    quarantined: list[dict] = []
    duplicates = 0
    if ctx.params.inject_faults and lines:
        faults = _faults(fmt, lines, month_index)
        for index, text, _reason in sorted(faults, key=lambda f: -f[0]):  # bottom up keeps indexes valid
            lines.insert(index, text)
        for index, _text, reason in sorted(faults, key=lambda f: f[0]):
            offset = sum(1 for other, _, _ in faults if other < index)
            line_no = index + offset + 2  # the header is line 1
            if reason == "duplicate":
                duplicates += 1
            else:
                quarantined.append({"line": line_no, "reason": reason})
    path = ctx.landing_dir / fmt.platform / fmt.file_name(month)
    write_lines(path, fmt.delimiter.join(fmt.header), lines, fmt.line_end)
    total_revenue = int(revenue.sum())
    entry = ctx.add_file(path, fmt.platform, len(lines), period=f"{month:%Y-%m}", currency=currency,
                         streams=int(values.sum()), revenue=micros_text(total_revenue),
                         revenue_micros=total_revenue,
                         revenue_eur_pico=total_revenue * ctx.fx_micros[(f"{month:%Y-%m}", currency)])
    entry["expected"] = {"landed": good, "quarantined": len(quarantined), "duplicates": duplicates}
    entry["quarantined_lines"] = quarantined


def _faults(fmt: ReportFormat, lines: list[str], month_index: int) -> list[tuple[int, str, str]]:
    """Deterministic damage, as platforms deliver it: (index to insert at, line text, expected reason)."""
    cells = lines[min(10, len(lines) - 1)].split(fmt.delimiter)
    out: list[tuple[int, str, str]] = []
    if fmt.platform == "spotify" and month_index == 0:
        out.append((5, lines[4], "duplicate"))  # the same line twice in a row
    if fmt.platform == "deezer" and month_index == 0:
        bad_streams = cells.copy()
        bad_streams[5] = "1O2"
        bad_isrc = cells.copy()
        bad_isrc[2] = "DEZ12"
        out.append((10, fmt.delimiter.join(bad_streams), "invalid_integer"))
        out.append((20, fmt.delimiter.join(bad_isrc), "invalid_isrc"))
        out.append((30, fmt.delimiter.join(cells[:-1]), "column_count"))
    if fmt.platform == "apple_music" and month_index == 1:
        bad_date = cells.copy()
        bad_date[0] = "13/45/2025"
        out.append((7, fmt.delimiter.join(bad_date), "invalid_date"))
    return [(min(i, len(lines)), text, reason) for i, text, reason in out]


def _redeliver(ctx: GenerationContext) -> None:
    """The platform sends the first Spotify file again under another name: it must not count twice."""
    original = next(f for f in ctx.files if f["source"] == "spotify")
    src = ctx.landing_dir / original["file"]
    dst = src.with_name(src.stem + "_resent" + src.suffix)
    shutil.copyfile(src, dst)
    entry = dict(original)
    entry.update(file=dst.relative_to(ctx.landing_dir).as_posix(), redelivery_of=original["file"],
                 expected={"landed": 0, "quarantined": 0, "duplicates": original["data_lines"]},
                 quarantined_lines=[])
    ctx.files.append(entry)
