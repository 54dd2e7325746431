"""Source of streams: how each day's streams of a track on a platform were found.

``landing/stream_sources/stream_sources_<yyyymm>.tsv`` (tab-separated, CRLF, one per month)::

    Date  Platform  ISRC  Editorial Playlists  Algorithmic Playlists  User Playlists  Radio  Search
    Artist & Album Pages  Other

``Date`` is ``yyyymmdd``; ``Platform`` the platform code. The seven counts are streams, and **they add up to
the reference**: the streams the daily feed of that platform reports for the track on that day, summed over
every territory (``landing/<platform>/…``, the rows without faults: the manifest's
``totals.streams_by_platform`` is the sum of the references). One row per day, platform and track with at
least one stream. "Radio" is the platform's own radio feature (stations seeded from a track), not broadcast
radio (that is the ``radio`` family).

The split is a multinomial draw: a hidden base mix per track and platform (in the truth), raised on days the
track sits on editorial, algorithmic or user playlists (the ``playlists`` family's daily reach,
``ctx.shared["playlists"]``, saturating in followers / sqrt(position)), and with more search and artist-page
streams in the first weeks after a release. Editorial playlist streams therefore rise and fall with the
playlist stays the ``playlists`` family records; the daily totals do not change (they are the feed's).

Memory: the file has a row per day, platform and track (millions a month at 1e8 usage rows), so nothing
day-level is kept over the window. The references come from replaying the feed a day at a time
(``_analytics.replay_days``), the playlists' reach comes a month at a time (``playlists.Reach``), and a month is
written day by day; only that month's counts (32-bit, per platform) wait for the last platform, since each
platform's multinomials are drawn after the previous platform's whole month.
"""

from __future__ import annotations

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import Report, replay_days
from ingestion.generator.usage import daily_intensity

SOURCES = ("editorial_playlist", "algorithmic_playlist", "user_playlist", "radio", "search", "artist_album_page",
           "other")
HEADER = ("Date", "Platform", "ISRC", "Editorial Playlists", "Algorithmic Playlists", "User Playlists", "Radio",
          "Search", "Artist & Album Pages", "Other")
_BASE = np.array([0.06, 0.22, 0.20, 0.08, 0.12, 0.22, 0.10])
_PLAYLIST_BOOST = {"editorial": (0, 0.8), "algorithmic": (1, 0.5), "user": (2, 0.3)}  # source column, weight


def write_stream_sources(ctx: GenerationContext) -> None:
    rng = ctx.rng("stream_sources")
    params, tracks = ctx.params, ctx.tracks
    platforms = params.platforms
    base = rng.dirichlet(_BASE * 30, size=(len(platforms), len(tracks)))  # (platforms, tracks, sources)
    reach = ctx.shared.get("playlists", {}).get("reach")  # playlists.Reach, or None without the playlists
    scale = {}
    for p in platforms:  # the reach at which a playlist type's boost is half its maximum
        for curator in _PLAYLIST_BOOST:
            positive = reach.positive(p, curator) if reach is not None else np.zeros(0)
            scale[(p, curator)] = float(np.quantile(positive, 0.5)) if positive.size else 1.0
    release = np.array([(t.release_date - params.start_date).days for t in tracks])
    by_source = {p: np.zeros(len(SOURCES), dtype=np.int64) for p in platforms}
    rows_total = 0
    for month in ctx.months:
        days = ctx.days_of(month)
        first = (days[0] - params.start_date).days
        offsets = np.arange(first, first + len(days))
        age = np.clip(offsets[:, None] - release[None, :], 0, None).astype(float)
        day_intensity = daily_intensity(ctx.model, days, params.start_date)
        drawn: list[list[tuple[np.ndarray, np.ndarray]]] = []  # per platform, per day: (tracks, counts)
        month_streams = {}
        for p, platform in enumerate(platforms):
            # the reference: the feed's streams of each track and day over every territory, replayed day by day
            streams = np.stack([day.sum(axis=1) for day in replay_days(ctx, month, platform, day_intensity)])
            reached = {curator: reach.month(platform, curator, first, len(days)) for curator in _PLAYLIST_BOOST} \
                if reach is not None else {}
            # one multinomial row per (day, track) with streams, in day then track order, drawn day by day (the
            # same draws as one call over the month) with that day's mix of those tracks (each cell computed on its
            # own: the numbers of the month's (days, tracks, sources) array, without it)
            per_day = []
            for d in range(len(days)):
                t_i = np.flatnonzero(streams[d])
                weights = base[p][t_i]
                for curator, (column, strength) in _PLAYLIST_BOOST.items():
                    if curator in reached:
                        r = reached[curator][d, t_i].astype(float)
                        weights[:, column] += strength * r / (r + scale[(platform, curator)])
                weights[:, 4] *= 1.0 + 0.8 * np.exp(-age[d, t_i] / 7.0)
                weights[:, 5] *= 1.0 + 0.6 * np.exp(-age[d, t_i] / 7.0)
                weights /= weights.sum(axis=1, keepdims=True)
                counts = rng.multinomial(streams[d, t_i], weights) if t_i.size else np.zeros((0, 7), dtype=np.int64)
                by_source[platform] += counts.sum(axis=0)
                per_day.append((t_i.astype(np.int32), _compact(counts)))
            drawn.append(per_day)
            month_streams[platform] = int(streams.sum())
        # by day, then platform, then track (the order of the feed's rows)
        report = Report(ctx, ctx.landing_dir / "stream_sources" / f"stream_sources_{month:%Y%m}.tsv",
                        "stream_sources", "\t".join(HEADER), "\r\n")
        for d, day in enumerate(days):
            stamp = f"{day:%Y%m%d}"
            lines = []
            for p, platform in enumerate(platforms):
                t_i, counts = drawn[p][d]
                lines.extend("\t".join([stamp, platform, tracks[t].isrc, *map(str, c)])
                             for t, c in zip(t_i.tolist(), counts.tolist(), strict=True))
            report.write(lines)
        report.close(period=f"{month:%Y-%m}", streams_by_platform=month_streams)
        rows_total += report.lines
    ctx.truth["stream_sources"] = {
        "rows": rows_total,
        "reference": "streams of the platform's daily feed for the track and day, summed over territories",
        "streams_by_platform": {p: int(by_source[p].sum()) for p in platforms},
        "streams_by_source": {p: dict(zip(SOURCES, (int(x) for x in by_source[p]), strict=True)) for p in platforms},
        "hidden": {"base_mix": {tracks[t].isrc: {p: [round(float(x), 6) for x in base[i, t]]
                                                for i, p in enumerate(platforms)} for t in range(len(tracks))},
                   "sources": list(SOURCES)},
    }


def _compact(counts: np.ndarray) -> np.ndarray:
    """Counts kept until the month is written, in 32 bits when they fit (they always do in practice)."""
    return counts.astype(np.int32) if counts.size == 0 or counts.max() <= np.iinfo(np.int32).max else counts
