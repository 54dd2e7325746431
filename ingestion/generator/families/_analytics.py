"""What the analytics families (listener stats, stream sources, playlists, charts, audience, radio, surveys,
marketing) share: CSV lines written chunk by chunk, ISO weeks, artists, expected streams from the usage model,
and a *replay* of the daily streaming feeds.

The replay
----------
``listener_stats``, ``stream_sources`` and ``charts`` must agree with the daily feeds row by row (listeners never
exceed the streams the feed reports; the sources of a day's streams add up to the feed's streams; chart units are
the feeds' streams). The feeds are not handed over in ``ctx.shared``, so :func:`replay_days` re-creates them:
``daily_streams`` draws each (platform, month) file from its own stream ``ctx.rng("daily_streams/<platform>/
<yyyy-mm>")``, day by day with :func:`ingestion.generator.usage.sample_day`; the replay builds a *fresh* generator
on the same seed and repeats those calls. It reads the same numbers and draws nothing from another family's
generator (a new generator object each time), so it cannot change any other family's bytes. The replay is the
feed's first delivery (version 1) and covers a month even when the fault plan leaves that platform's file
undelivered (the streams happened; the report is missing). If ``daily_streams`` ever changes how it draws, the
replay stops matching: ``tests/unit/test_families_analytics.py`` compares the replayed streams with every
delivered feed file's ``streams`` in the manifest and fails loudly.

Bounded memory
--------------
The generator runs from 1e4 to 1e8 usage rows, and the analytics families must not hold anything that grows with
the rows: a replayed month of one platform is (days, tracks, territories) — 46 MB of int64 at 1e8 rows — and a
month of a row-level report (listener stats, stream sources, playlist positions) is millions of lines. So the
replay yields **one day at a time** (:func:`replay_days`; a family that needs the feed again replays it again,
which is cheap next to writing it: half a second for the whole window at 5e6 rows, about ten at 1e8), nothing
keeps the replayed streams over the window (each family sums what it needs as it goes: per week, per month;
they used to share (days, tracks, platforms) totals, 220 MB at 1e8), and row-level reports go to disk through a
:class:`Report`, a chunk of lines at a time, in the order a sorted month would have had them. What the families
do keep is bounded by the catalogue (tracks x territories x months or weeks, playlist stays, touches).
``tests/unit/test_generator_memory.py`` checks that the peak memory of the analytics families hardly grows with
the rows.
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


class Report:
    """A report written a chunk of lines at a time, with the bytes :func:`write_report` would give the whole list
    (header, lines joined by ``line_end``, a final ``line_end``): a month of a row-level report never sits in
    memory. Like :func:`write_report`, a report with no line is not delivered (the file is opened on the first
    line); :meth:`close` records it in the manifest and returns the entry, or None."""

    def __init__(self, ctx: GenerationContext, path: Path, source: str, header: str, line_end: str = "\n") -> None:
        self._ctx, self.path, self._source, self._header, self._end = ctx, path, source, header, line_end
        self._fh: io.TextIOWrapper | None = None
        self.lines = 0

    def write(self, lines: list[str]) -> None:
        if not lines:  # an empty chunk would add a blank line
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", encoding="utf-8", newline="")
            self._fh.write(self._header + self._end)
        self._fh.write(self._end.join(lines) + self._end)
        self.lines += len(lines)

    def close(self, **extra: Any) -> dict | None:
        if self._fh is None:
            return None
        self._fh.close()
        self._fh = None
        return self._ctx.add_file(self.path, self._source, self.lines, **extra)


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


def intensity(ctx: GenerationContext, days: list[dt.date], tracks: Sequence[int] | None = None) -> np.ndarray:
    """The usage model's expected streams scale (days, tracks); expected streams of a cell = this x weight.
    ``tracks`` (catalogue indexes): those columns only."""
    return daily_intensity(ctx.model, days, ctx.params.start_date, tracks)


def expected_streams_by_territory(ctx: GenerationContext, days: list[dt.date]) -> np.ndarray:
    """Expected streams (days, tracks, territories) over every platform, straight from the usage model."""
    weight = sum(ctx.model.territory_weight[p] for p in ctx.params.platforms)
    return intensity(ctx, days)[:, :, None] * weight[None, :, :]


def replay_days(ctx: GenerationContext, month: dt.date, platform: str,
                day_intensity: np.ndarray | None = None) -> Iterator[np.ndarray]:
    """The daily feed's streams (tracks, territories) of one platform, day by day over ``month``, exactly as
    ``daily_streams`` sampled them (see the module docstring); ``day_intensity`` is the month's
    :func:`ingestion.generator.usage.daily_intensity`, when the caller has it already. One day is held at a time:
    a caller that needs the month again replays it again."""
    days = ctx.days_of(month)
    if day_intensity is None:
        day_intensity = daily_intensity(ctx.model, days, ctx.params.start_date)
    rng = ctx.rng(f"daily_streams/{platform}/{month:%Y-%m}")  # fresh, on the feed file's own seed
    for i, day in enumerate(days):
        yield sample_day(rng, ctx.model, platform, day, day_intensity[i])


def chart_territories(ctx: GenerationContext) -> list[str]:
    chosen = [t for t in CHART_TERRITORIES if t in ctx.params.territories]
    return chosen or list(ctx.params.territories[:4])
