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
Daily listeners are drawn from the replayed daily feed (``_analytics.replay_days``):
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
import copy
import datetime as dt

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import Report, complete_weeks, replay_days, write_report
from ingestion.generator.usage import daily_intensity

_BREADTH = {"evergreen": (3.0, 6.0), "decaying": (4.0, 8.0), "seasonal": (5.0, 9.0), "viral": (8.0, 14.0)}
DAILY_HEADER = "date,platform,country,isrc,listeners,saves"
UNIQUE_HEADER = "window_days,window_start,window_end,platform,isrc,unique_listeners"
WINDOW_CELLS = 1 << 16  # (days x tracks x territories) cells of a window's uniques computed at once
LINES_PER_WRITE = 16_384  # a platform's day is ~80,000 rows at 1e8 usage rows: formatted and written in blocks


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


def window_uniques(window: list[np.ndarray], breadth: np.ndarray) -> tuple[np.ndarray, int]:
    """:func:`unique_listeners` of a window given as its days' (tracks, territories) listeners, and the sum of its
    daily listeners. Computed a block of tracks at a time (``WINDOW_CELLS``): every cell depends on its own days
    only, so the numbers are those of one call over the stacked window, without its (days, tracks, territories)
    float arrays."""
    n_t, n_r = window[0].shape
    step = max(1, WINDOW_CELLS // (len(window) * max(n_r, 1)))
    parts, total = [], 0
    for lo in range(0, n_t, step):
        block = np.stack([day[lo:lo + step] for day in window]).astype(np.int64)
        parts.append(unique_listeners(block, breadth[lo:lo + step]))
        total += int(block.sum())
    return np.concatenate(parts), total


def _listeners(rng: np.random.Generator, streams: np.ndarray, spl: np.ndarray) -> np.ndarray:
    """A day's listeners (tracks, territories) of one platform from the feed's streams that day."""
    listeners = np.zeros(streams.shape, dtype=np.int64)
    t_i, r_i = np.nonzero(streams)
    listeners[t_i, r_i] = 1 + rng.binomial(streams[t_i, r_i] - 1, 1.0 / spl[t_i])
    return listeners


def _narrow(day: np.ndarray) -> np.ndarray:
    """A day of listeners as the window buffers keep it: 32-bit when it fits (it always does in practice)."""
    return day.astype(np.int32) if day.size == 0 or day.max() <= np.iinfo(np.int32).max else day


def write_listener_stats(ctx: GenerationContext) -> None:
    """Draws, for each month and platform in turn, the month's listeners (every day, in day then track then
    territory order) and then its saves, from the family's one random stream; the files come out month by month.

    How it streams: a month of one platform is (days, tracks, territories) — millions of cells at 1e8 usage rows
    — and the daily file interleaves the platforms day by day, while the random stream gives a platform's whole
    month before the next platform's. So nothing month-sized is kept: for each platform the month is replayed
    (``_analytics.replay_days``) and its listeners drawn day by day (a vector of draws split into consecutive
    chunks gives the same numbers), feeding the 7- and 28-day windows, which keep at most 28 days of one
    platform; the generator is copied where the month's listeners and its saves begin. The saves are drawn
    after a second replay (listeners again from the first copy), which moves the stream on to the next platform.
    Then the file is written day by day from a third replay of every platform, each with its two copies. Three
    replays and three draws of the listeners cost a few seconds per 1e7 rows; a month held in memory would cost
    hundreds of MB at 1e8.
    """
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
    buffers: dict[str, collections.deque[np.ndarray]] = {p: collections.deque(maxlen=28) for p in platforms}
    isrcs = [t.isrc for t in tracks]

    daily_truth = {"rows": 0, "listeners": 0, "saves": 0,
                   "by_platform": {p: {"listeners": 0, "saves": 0} for p in platforms}}
    truth7 = {"files": 0, "rows": 0, "unique_listeners": 0, "sum_daily_listeners": 0}
    truth28 = {"files": 0, "rows": 0, "unique_listeners": 0, "sum_daily_listeners": 0, "by_month": {}}
    all_platform: dict[str, dict[str, int]] = {}
    cells28: dict[str, dict[str, np.ndarray]] = {}
    weekly: dict[str, dict[str, tuple[dt.date, dt.date, np.ndarray, int]]] = {}
    monthly: dict[str, tuple[dt.date, dt.date, np.ndarray, int]] = {}

    months = ctx.months
    for m, month in enumerate(months):
        days = ctx.days_of(month)
        day_intensity = daily_intensity(ctx.model, days, params.start_date)
        # what the next month's windows reach back for: the 6 days before its first Sunday, or more when the next
        # month is too short for a 28-day window of its own
        keep = max(6, 28 - len(ctx.days_of(months[m + 1]))) if m + 1 < len(months) else 0
        starts: dict[str, tuple[np.random.Generator, np.random.Generator]] = {}
        for p, platform in enumerate(platforms):
            at_listeners = copy.deepcopy(rng)
            buffer = buffers[platform]
            for day, streams in zip(days, replay_days(ctx, month, platform, day_intensity), strict=True):
                buffer.append(_narrow(_listeners(rng, streams, spl[p])))
                if day in week_of_sunday:
                    label, monday = week_of_sunday[day]
                    unique, daily_sum = window_uniques(list(buffer)[-7:], breadth[p])
                    weekly.setdefault(label, {})[platform] = (monday, day, unique.sum(axis=1), daily_sum)
            if len(buffer) == 28:
                unique, daily_sum = window_uniques(list(buffer), breadth[p])
                cells28.setdefault(f"{month:%Y-%m}", {})[platform] = unique.astype(np.int32)
                monthly[platform] = (days[-1] - dt.timedelta(days=27), days[-1], unique.sum(axis=1), daily_sum)
            while len(buffer) > keep:
                buffer.popleft()
            at_saves = copy.deepcopy(rng)
            again = copy.deepcopy(at_listeners)
            for streams in replay_days(ctx, month, platform, day_intensity):  # the saves: on to the next platform
                listeners = _listeners(again, streams, spl[p])
                t_i, r_i = np.nonzero(listeners)
                rng.binomial(listeners[t_i, r_i], save_rate[p, t_i])
            starts[platform] = (at_listeners, at_saves)
        _write_daily(ctx, month, days, day_intensity, starts, spl, save_rate, daily_truth)
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


def _write_daily(ctx: GenerationContext, month: dt.date, days: list[dt.date], day_intensity: np.ndarray,
                 starts: dict[str, tuple[np.random.Generator, np.random.Generator]], spl: np.ndarray,
                 save_rate: np.ndarray, truth: dict) -> None:
    """The month's daily file, by day, then platform, then track and territory, written a day at a time: every
    platform's feed replayed once more, its listeners and saves drawn again from the generators copied where they
    began (``starts``: platform -> (listeners, saves))."""
    platforms, territories, tracks = ctx.params.platforms, ctx.params.territories, ctx.tracks
    feeds = [replay_days(ctx, month, platform, day_intensity) for platform in platforms]
    report = Report(ctx, ctx.landing_dir / "listener_stats" / f"listeners_daily_{month:%Y-%m}.csv", "listener_stats",
                    DAILY_HEADER)
    sums = {platform: [0, 0] for platform in platforms}
    for day in days:
        stamp = day.isoformat()
        for p, (platform, feed) in enumerate(zip(platforms, feeds, strict=True)):
            at_listeners, at_saves = starts[platform]
            listeners = _listeners(at_listeners, next(feed), spl[p])
            t_i, r_i = np.nonzero(listeners)
            values = listeners[t_i, r_i]
            kept = at_saves.binomial(values, save_rate[p, t_i])
            for sl in (slice(lo, lo + LINES_PER_WRITE) for lo in range(0, len(values), LINES_PER_WRITE)):
                report.write([f"{stamp},{platform},{territories[r]},{tracks[t].isrc},{n},{s}" for t, r, n, s
                              in zip(t_i[sl].tolist(), r_i[sl].tolist(), values[sl].tolist(), kept[sl].tolist(),
                                     strict=True)])
            sums[platform][0] += int(values.sum())
            sums[platform][1] += int(kept.sum())
    for platform in platforms:
        truth["by_platform"][platform]["listeners"] += sums[platform][0]
        truth["by_platform"][platform]["saves"] += sums[platform][1]
    listeners_sum = sum(v[0] for v in sums.values())
    saves_sum = sum(v[1] for v in sums.values())
    report.close(period=f"{month:%Y-%m}", listeners=listeners_sum, saves=saves_sum)
    truth["rows"] += report.lines
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
