"""Listeners and saves: daily per track, platform and territory, and the true 7-day and 28-day unique listeners.

Listener counts are *not additive* over days (or platforms): someone who listens on Monday and Tuesday is one
listener of the week, not two. Platforms therefore publish unique listeners for fixed windows, and so does this
family — nobody should sum daily listeners.

``landing/listener_stats/listeners_daily_<yyyy-mm>.csv`` (comma-separated, one per month)::

    date,platform,country,isrc,listeners,saves

One row per day, platform (``spotify``, ``apple_music``, ``deezer``), territory and track that has streams in
the daily feed that day; ``1 <= listeners <= streams`` of the feed's row with the same keys, and ``saves <=
listeners`` (a small fraction of them).

``landing/listener_uniques/unique_listeners_7d_<yyyy>-W<ww>.csv`` (each complete ISO week, Monday to Sunday) and
``landing/listener_uniques/unique_listeners_28d_<yyyy-mm>.csv`` (the 28 days ending on the month's last day)::

    window_days,window_start,window_end,platform,isrc,unique_listeners

One row per track and platform with listeners in the window (over every territory: a listener is counted in one
territory, so uniques add over territories, not over days or platforms).

The model (hidden truth)
------------------------
Daily listeners are drawn from the replayed daily feed (``_analytics.replay_months``):
``listeners = 1 + Binomial(streams - 1, 1 / streams_per_listener)`` with ``streams_per_listener`` hidden per
track and platform (1.15-2.0); ``saves = Binomial(listeners, save_rate)``. The listeners of a track, platform and
territory over a window of W days are drawn from a pool of ``N = max(max L_d, ceil(k * mean L_d * sqrt(W / 7)))``
people, each day's listeners a uniform sample of the pool, so the expected number of distinct listeners is
``N * (1 - prod_d (1 - L_d / N))``, rounded and kept within ``[max L_d, sum L_d]``; ``k`` (audience breadth,
hidden per track and platform) is small for loyal audiences (evergreen tracks) and large for casual ones (viral).
Across platforms a hidden share of each track's listeners uses more than one service; the truth carries the
all-platform 28-day uniques that no single file can give.
"""

from __future__ import annotations

import collections
import datetime as dt

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import complete_weeks, replay_months, write_report

_BREADTH = {"evergreen": (3.0, 6.0), "decaying": (4.0, 8.0), "seasonal": (5.0, 9.0), "viral": (8.0, 14.0)}
DAILY_HEADER = "date,platform,country,isrc,listeners,saves"
UNIQUE_HEADER = "window_days,window_start,window_end,platform,isrc,unique_listeners"


def unique_listeners(daily: np.ndarray, breadth: np.ndarray) -> np.ndarray:
    """Distinct listeners (tracks, territories) of a window from its daily listeners (days, tracks, territories)
    and the audience breadth per track: the pool model of the module docstring."""
    days = daily.shape[0]
    total = daily.sum(axis=0)
    peak = daily.max(axis=0)
    pool = np.maximum(peak, np.ceil(breadth[:, None] * total / days * np.sqrt(days / 7.0)))
    ratio = np.divide(daily, pool[None], out=np.zeros(daily.shape), where=pool[None] > 0)
    unique = np.rint(pool * (1.0 - np.prod(1.0 - ratio, axis=0)))
    return np.clip(unique, peak, total).astype(np.int64)


def write_listener_stats(ctx: GenerationContext) -> None:
    rng = ctx.rng("listener_stats")
    params, tracks = ctx.params, ctx.tracks
    platforms = params.platforms
    n_p, n_t = len(platforms), len(tracks)
    spl = rng.uniform(1.15, 2.0, (n_p, n_t))
    save_rate = rng.uniform(0.01, 0.06, (n_p, n_t))
    lo = np.array([_BREADTH.get(t.archetype, (4.0, 8.0))[0] for t in tracks])
    hi = np.array([_BREADTH.get(t.archetype, (4.0, 8.0))[1] for t in tracks])
    breadth = lo[None, :] + rng.random((n_p, n_t)) * (hi - lo)[None, :]
    multi = rng.uniform(0.03, 0.12, n_t)
    week_of_sunday = {sunday: (label, monday) for label, monday, sunday in complete_weeks(ctx)}
    buffers = {p: collections.deque(maxlen=28) for p in platforms}
    isrcs = [t.isrc for t in tracks]

    daily_truth = {"rows": 0, "listeners": 0, "saves": 0,
                   "by_platform": {p: {"listeners": 0, "saves": 0} for p in platforms}}
    truth7 = {"files": 0, "rows": 0, "unique_listeners": 0, "sum_daily_listeners": 0}
    truth28 = {"files": 0, "rows": 0, "unique_listeners": 0, "sum_daily_listeners": 0, "by_month": {}}
    all_platform: dict[str, dict[str, int]] = {}
    cells28: dict[str, dict[str, np.ndarray]] = {}
    month_parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    weekly: dict[str, dict[str, tuple[dt.date, dt.date, np.ndarray, int]]] = {}
    monthly: dict[str, tuple[dt.date, dt.date, np.ndarray, int]] = {}

    for month, days, platform, streams in replay_months(ctx):
        p = platforms.index(platform)
        listeners = np.zeros(streams.shape, dtype=np.int64)
        d_i, t_i, r_i = np.nonzero(streams)
        listeners[d_i, t_i, r_i] = 1 + rng.binomial(streams[d_i, t_i, r_i] - 1, 1.0 / spl[p, t_i])
        saves = np.zeros(streams.shape, dtype=np.int64)
        saves[d_i, t_i, r_i] = rng.binomial(listeners[d_i, t_i, r_i], save_rate[p, t_i])
        month_parts[platform] = (listeners, saves)
        for k, day in enumerate(days):
            buffers[platform].append(listeners[k])
            if day in week_of_sunday:
                window = np.stack(list(buffers[platform])[-7:])
                label, monday = week_of_sunday[day]
                unique = unique_listeners(window, breadth[p])
                weekly.setdefault(label, {})[platform] = (monday, day, unique.sum(axis=1), int(window.sum()))
        if len(buffers[platform]) == 28:
            window = np.stack(list(buffers[platform]))
            unique = unique_listeners(window, breadth[p])
            cells28.setdefault(f"{month:%Y-%m}", {})[platform] = unique.astype(np.int32)
            monthly[platform] = (days[-1] - dt.timedelta(days=27), days[-1], unique.sum(axis=1), int(window.sum()))
        if platform != platforms[-1]:
            continue
        _write_daily(ctx, month, days, month_parts, daily_truth)
        month_parts = {}
        for label in list(weekly):  # every week that ended this month, now complete on every platform
            rows = _write_uniques(ctx, f"unique_listeners_7d_{label}.csv", label, 7, weekly.pop(label), isrcs)
            for key in ("files", "rows", "unique_listeners", "sum_daily_listeners"):
                truth7[key] += rows[key]
        if monthly:
            key_m = f"{month:%Y-%m}"
            rows = _write_uniques(ctx, f"unique_listeners_28d_{key_m}.csv", key_m, 28, monthly, isrcs)
            for key in ("files", "rows", "unique_listeners", "sum_daily_listeners"):
                truth28[key] += rows[key]
            truth28["by_month"][key_m] = rows["by_platform"]
            per_platform = np.stack([monthly[q][2] for q in platforms])  # (platforms, tracks)
            combined = np.clip(np.rint(per_platform.sum(axis=0) * (1.0 - multi)), per_platform.max(axis=0),
                               per_platform.sum(axis=0)).astype(np.int64)
            all_platform[key_m] = {isrcs[t]: int(combined[t]) for t in range(n_t) if combined[t] > 0}
            monthly = {}

    ctx.shared["listener_stats"] = {"uniques_28d": cells28}
    ctx.truth["listener_stats"] = {
        "daily": daily_truth,
        "uniques_7d": truth7,
        "uniques_28d": truth28,
        "hidden": {
            "streams_per_listener": {isrcs[t]: {q: round(float(spl[i, t]), 6) for i, q in enumerate(platforms)}
                                     for t in range(n_t)},
            "save_rate": {isrcs[t]: {q: round(float(save_rate[i, t]), 6) for i, q in enumerate(platforms)}
                          for t in range(n_t)},
            "audience_breadth": {isrcs[t]: {q: round(float(breadth[i, t]), 6) for i, q in enumerate(platforms)}
                                 for t in range(n_t)},
            "multi_platform_share": {isrcs[t]: round(float(multi[t]), 6) for t in range(n_t)},
            "all_platform_uniques_28d": all_platform,
        },
    }


def _write_daily(ctx: GenerationContext, month: dt.date, days: list[dt.date],
                 parts: dict[str, tuple[np.ndarray, np.ndarray]], truth: dict) -> None:
    platforms, territories, tracks = ctx.params.platforms, ctx.params.territories, ctx.tracks
    keyed: list[tuple[int, int, str]] = []
    for p, platform in enumerate(platforms):
        listeners, saves = parts[platform]
        d_i, t_i, r_i = np.nonzero(listeners)
        values, kept = listeners[d_i, t_i, r_i], saves[d_i, t_i, r_i]
        keyed.extend(
            (d, p, f"{days[d].isoformat()},{platform},{territories[r]},{tracks[t].isrc},{n},{s}")
            for d, t, r, n, s in zip(d_i.tolist(), t_i.tolist(), r_i.tolist(), values.tolist(), kept.tolist(),
                                     strict=True))
        truth["by_platform"][platform]["listeners"] += int(values.sum())
        truth["by_platform"][platform]["saves"] += int(kept.sum())
    keyed.sort(key=lambda x: (x[0], x[1]))  # stable: by day, then platform, then track and territory
    lines = [line for _, _, line in keyed]
    path = ctx.landing_dir / "listener_stats" / f"listeners_daily_{month:%Y-%m}.csv"
    listeners_sum = sum(int(parts[q][0].sum()) for q in platforms)
    saves_sum = sum(int(parts[q][1].sum()) for q in platforms)
    write_report(ctx, path, "listener_stats", DAILY_HEADER, lines, period=f"{month:%Y-%m}", listeners=listeners_sum,
                 saves=saves_sum)
    truth["rows"] += len(lines)
    truth["listeners"] += listeners_sum
    truth["saves"] += saves_sum


def _write_uniques(ctx: GenerationContext, name: str, period: str, window_days: int,
                   per_platform: dict[str, tuple[dt.date, dt.date, np.ndarray, int]], isrcs: list[str]) -> dict:
    lines, by_platform = [], {}
    for platform in ctx.params.platforms:
        first, last, unique, daily_sum = per_platform[platform]
        for t in np.flatnonzero(unique).tolist():
            lines.append(f"{window_days},{first.isoformat()},{last.isoformat()},{platform},{isrcs[t]},{int(unique[t])}")
        by_platform[platform] = {"unique_listeners": int(unique.sum()), "sum_daily_listeners": daily_sum}
    path = ctx.landing_dir / "listener_uniques" / name
    total = sum(v["unique_listeners"] for v in by_platform.values())
    daily_total = sum(v["sum_daily_listeners"] for v in by_platform.values())
    written = write_report(ctx, path, "listener_uniques", UNIQUE_HEADER, lines, period=period,
                           window_days=window_days, unique_listeners=total, sum_daily_listeners=daily_total)
    return {"files": int(written is not None), "rows": len(lines), "unique_listeners": total,
            "sum_daily_listeners": daily_total, "by_platform": by_platform}
