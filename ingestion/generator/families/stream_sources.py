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
"""

from __future__ import annotations

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import replay_totals, write_report

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
    totals = replay_totals(ctx)["by_platform"]  # (days, tracks, platforms)
    base = rng.dirichlet(_BASE * 30, size=(len(platforms), len(tracks)))  # (platforms, tracks, sources)
    reach = ctx.shared.get("playlists", {}).get("reach", {})
    scale = {}
    for p in platforms:  # the reach at which a playlist type's boost is half its maximum
        for curator in _PLAYLIST_BOOST:
            values = reach.get(p, {}).get(curator)
            positive = values[values > 0] if values is not None else np.zeros(0)
            scale[(p, curator)] = float(np.quantile(positive, 0.5)) if positive.size else 1.0
    release = np.array([(t.release_date - params.start_date).days for t in tracks])
    by_source = {p: np.zeros(len(SOURCES), dtype=np.int64) for p in platforms}
    rows_total = 0
    for month in ctx.months:
        days = ctx.days_of(month)
        first = (days[0] - params.start_date).days
        offsets = np.arange(first, first + len(days))
        age = np.clip(offsets[:, None] - release[None, :], 0, None).astype(float)
        keyed = []
        for p, platform in enumerate(platforms):
            streams = totals[first:first + len(days), :, p]
            weights = np.repeat(base[p][None, :, :], len(days), axis=0)
            for curator, (column, strength) in _PLAYLIST_BOOST.items():
                values = reach.get(platform, {}).get(curator)
                if values is not None:
                    r = values[first:first + len(days)].astype(float)
                    weights[:, :, column] += strength * r / (r + scale[(platform, curator)])
            weights[:, :, 4] *= 1.0 + 0.8 * np.exp(-age / 7.0)
            weights[:, :, 5] *= 1.0 + 0.6 * np.exp(-age / 7.0)
            weights /= weights.sum(axis=2, keepdims=True)
            d_i, t_i = np.nonzero(streams)
            counts = rng.multinomial(streams[d_i, t_i], weights[d_i, t_i])
            by_source[platform] += counts.sum(axis=0)
            keyed.extend((d, p, "\t".join([f"{days[d]:%Y%m%d}", platform, tracks[t].isrc, *map(str, c)]))
                         for d, t, c in zip(d_i.tolist(), t_i.tolist(), counts.tolist(), strict=True))
        keyed.sort(key=lambda x: (x[0], x[1]))
        lines = [line for _, _, line in keyed]
        path = ctx.landing_dir / "stream_sources" / f"stream_sources_{month:%Y%m}.tsv"
        month_streams = {q: int(totals[first:first + len(days), :, i].sum()) for i, q in enumerate(platforms)}
        write_report(ctx, path, "stream_sources", "\t".join(HEADER), lines, "\r\n", period=f"{month:%Y-%m}",
                     streams_by_platform=month_streams)
        rows_total += len(lines)
    ctx.truth["stream_sources"] = {
        "rows": rows_total,
        "reference": "streams of the platform's daily feed for the track and day, summed over territories",
        "streams_by_platform": {p: int(by_source[p].sum()) for p in platforms},
        "streams_by_source": {p: dict(zip(SOURCES, (int(x) for x in by_source[p]), strict=True)) for p in platforms},
        "hidden": {"base_mix": {tracks[t].isrc: {p: [round(float(x), 6) for x in base[i, t]]
                                                for i, p in enumerate(platforms)} for t in range(len(tracks))},
                   "sources": list(SOURCES)},
    }
