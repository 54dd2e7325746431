"""What the analytics families (listener stats, stream sources, playlists, charts, audience, radio, surveys,
marketing) share: CSV lines, ISO weeks, artists, expected streams from the usage model, and a *replay* of the
daily streaming feeds.

The replay
----------
``listener_stats`` and ``stream_sources`` must agree with the daily feeds row by row (listeners never exceed
the streams the feed reports; the sources of a day's streams add up to the feed's streams). The feeds are not
handed over in ``ctx.shared``, so :func:`replay_months` re-creates them: ``daily_streams`` draws each
(platform, month) file from its own stream ``ctx.rng("daily_streams/<platform>/<yyyy-mm>")``, day by day with
:func:`ingestion.generator.usage.sample_day`; the replay builds a *fresh* generator on the same seed and repeats
those calls. It reads the same numbers and draws nothing from another family's generator (a new generator
object each time), so it cannot change any other family's bytes. The replay is the feed's first delivery
(version 1) and covers a month even when the fault plan leaves that platform's file undelivered (the streams
happened; the report is missing). If ``daily_streams`` ever changes how it draws, the replay stops matching:
``tests/unit/test_families_analytics.py`` compares the replayed streams with every delivered feed file's
``streams`` in the manifest and fails loudly.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.generator.catalogue import Track
from ingestion.generator.context import GenerationContext, write_lines
from ingestion.generator.usage import daily_intensity, sample_day

AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS: tuple[str, ...] = ("female", "male", "non-binary", "unknown")
CHART_TERRITORIES: tuple[str, ...] = ("US", "GB", "DE", "BR")
_REPLAY_KEY = "analytics.replay_totals"


def csv_line(cells: Sequence[Any], delimiter: str = ",") -> str:
    """One delimited line, quoting only cells that need it (a delimiter, a quote)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buffer.getvalue()


def write_report(ctx: GenerationContext, path: Path, source: str, header: str, lines: list[str],
                 line_end: str = "\n", **extra: Any) -> dict | None:
    """Write a report and record it in the manifest. A period with nothing to report is not delivered: two
    header-only files would have the same bytes, and the second would land as a re-delivery of the first."""
    if not lines:
        return None
    write_lines(path, header, lines, line_end)
    return ctx.add_file(path, source, len(lines), **extra)


def all_days(ctx: GenerationContext) -> list[dt.date]:
    return [ctx.params.start_date + dt.timedelta(days=i) for i in range(ctx.params.days)]


def iso_week_label(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def complete_weeks(ctx: GenerationContext) -> list[tuple[str, dt.date, dt.date]]:
    """(yyyy-Www, Monday, Sunday) of every ISO week lying wholly inside the reporting window."""
    start, end = ctx.params.start_date, ctx.params.end_date
    monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    out = []
    while monday + dt.timedelta(days=6) <= end:
        out.append((iso_week_label(monday), monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return out


def artist_key(track: Track) -> str:
    """Artists are told apart by the catalogue's hidden artist id (two artists may share a name)."""
    return getattr(track, "artist_id", "") or track.artist


def artists(ctx: GenerationContext) -> tuple[list[str], list[str], dict[str, list[int]]]:
    """(artist keys, their names, key -> indexes of their tracks), in catalogue order of first appearance."""
    keys: list[str] = []
    names: list[str] = []
    tracks_of: dict[str, list[int]] = {}
    for i, t in enumerate(ctx.tracks):
        key = artist_key(t)
        if key not in tracks_of:
            keys.append(key)
            names.append(t.artist)
            tracks_of[key] = []
        tracks_of[key].append(i)
    return keys, names, tracks_of


def display_artist(track: Track) -> str:
    return getattr(track, "display_artist", "") or track.artist


def platform_artist_id(platform: str, key: str) -> str:
    """A platform's own artist identifier, stable per (platform, artist); not drawn from any random stream."""
    digest = hashlib.sha256(f"{platform}|{key}".encode()).digest()
    if platform == "spotify":  # 22 base-62 characters
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        n = int.from_bytes(digest, "big")
        chars = []
        for _ in range(22):
            n, r = divmod(n, 62)
            chars.append(alphabet[r])
        return "".join(chars)
    return str(100_000 + int.from_bytes(digest[:5], "big") % 1_900_000_000)  # Apple, Deezer: numeric


def intensity(ctx: GenerationContext, days: list[dt.date]) -> np.ndarray:
    """The usage model's expected streams scale (days, tracks); expected streams of a cell = this x weight."""
    return daily_intensity(ctx.model, days, ctx.params.start_date)


def expected_streams_by_territory(ctx: GenerationContext, days: list[dt.date]) -> np.ndarray:
    """Expected streams (days, tracks, territories) over every platform, straight from the usage model."""
    weight = sum(ctx.model.territory_weight[p] for p in ctx.params.platforms)
    return intensity(ctx, days)[:, :, None] * weight[None, :, :]


def replay_months(ctx: GenerationContext) -> Iterator[tuple[dt.date, list[dt.date], str, np.ndarray]]:
    """The daily feeds' streams (days, tracks, territories), month by month and platform by platform, exactly
    as ``daily_streams`` sampled them (see the module docstring). Fills the replay totals on the way."""
    totals = None if _REPLAY_KEY in ctx.shared else _empty_totals(ctx)
    for month in ctx.months:
        days = ctx.days_of(month)
        day_intensity = daily_intensity(ctx.model, days, ctx.params.start_date)
        for platform in ctx.params.platforms:
            rng = ctx.rng(f"daily_streams/{platform}/{month:%Y-%m}")  # fresh, on the feed file's own seed
            streams = np.stack([sample_day(rng, ctx.model, platform, day, day_intensity[i])
                                for i, day in enumerate(days)])
            if totals is not None:
                _accumulate(ctx, totals, days, platform, streams)
            yield month, days, platform, streams
    if totals is not None:
        ctx.shared[_REPLAY_KEY] = totals


def replay_totals(ctx: GenerationContext) -> dict[str, np.ndarray]:
    """``by_platform`` (days, tracks, platforms): the feed's streams of a track, platform and day over every
    territory; ``by_chart_territory`` (days, tracks, chart territories): over every platform."""
    if _REPLAY_KEY not in ctx.shared:
        for _ in replay_months(ctx):
            pass
    return ctx.shared[_REPLAY_KEY]


def chart_territories(ctx: GenerationContext) -> list[str]:
    chosen = [t for t in CHART_TERRITORIES if t in ctx.params.territories]
    return chosen or list(ctx.params.territories[:4])


def _empty_totals(ctx: GenerationContext) -> dict[str, np.ndarray]:
    n_d, n_t = ctx.params.days, len(ctx.tracks)
    return {"by_platform": np.zeros((n_d, n_t, len(ctx.params.platforms)), dtype=np.int64),
            "by_chart_territory": np.zeros((n_d, n_t, len(chart_territories(ctx))), dtype=np.int64)}


def _accumulate(ctx: GenerationContext, totals: dict[str, np.ndarray], days: list[dt.date], platform: str,
                streams: np.ndarray) -> None:
    first = (days[0] - ctx.params.start_date).days
    span = slice(first, first + len(days))
    totals["by_platform"][span, :, ctx.params.platforms.index(platform)] += streams.sum(axis=2)
    cols = [ctx.params.territories.index(t) for t in chart_territories(ctx)]
    totals["by_chart_territory"][span] += streams[:, :, cols]
