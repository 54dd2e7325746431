"""Marketing touches (playlist pitches, social campaigns, radio adds, press) as the label's marketing tool exports
them, with the true incremental lift of each touch.

The export (``landing/marketing/marketing_activities_<yyyy-mm>.csv``, one file per month of activity start)
-----------------------------------------------------------------------------------------------------------
Comma-separated, UTF-8 *with a byte-order mark* and CRLF line ends (the tool's "Export to Excel" CSV), dates as
``dd/mm/yyyy``, spend with two decimals in the currency of the activity (USD for US activities, EUR otherwise)::

    Activity ID,Activity Type,Artist,Track ISRC,Platform,Territory,Channel,Start Date,End Date,Spend,Currency

``Track ISRC`` is empty for artist-level activities (press); ``Platform`` is filled for playlist pitches only
(the display name: Spotify, Apple Music, Deezer); ``Territory`` is an ISO 3166 code or ``WW`` (worldwide).

The lift (hidden truth)
-----------------------
Each touch *i* has a hidden peak uplift ``u_i`` and peak delay ``P_i``; its relative lift on day *d* is
``u_i * g((d - s_i + 1) / P_i)`` with ``g(x) = x * exp(1 - x)`` (0 before the effect start ``s_i``: the release
day for a pitch, the activity start otherwise; cut after 120 days). A touch acts on its *scope*: its track (or
every track of the artist for artist-level touches), its platform (pitches) or all platforms, its territory or
all territories. With the usage model's expected streams ``lam[p](d, t, r) = daily_intensity(d, t) *
territory_weight[p](t, r)`` (ingestion/generator/usage.py), the expected streams the touch adds are::

    extra_i(d) = sum over its scope of lam[p](d, t, r) * u_i * g(...)

and ``ctx.truth["marketing"]["hidden"]["marketing_attributed_streams"][<activity id>]`` holds ``extra_i(d)``
day by day (expected streams, 3 decimals) from the first day it is non-zero. Lifts of overlapping touches add
up (the multiplier is ``1 + sum_i u_i g_i``), so the attribution of every extra stream to one touch is exact.

How this relates to the daily feeds
----------------------------------
The touches are in the feeds. ``writer.build_context`` plans them once, before any family samples a stream, and
keeps them on the usage model (``UsageModel.touches``); ``usage.expected_day``, which every sampler goes through,
multiplies the Poisson mean by ``1 + sum_i u_i g_i`` (``UsageModel.lift``, the same sum as
:func:`marketing_lift`); this family exports those same touches. ``daily_intensity`` stays the *base* intensity,
so ``extra_i`` above is the exact expected incremental streams inside the feeds (``hidden.feeds_include_lift`` is
True). The anomalies' factors scale the lift too, on their few series. Radio adds also raise the station's
spins in the radio logs (``radio``), and pitches raise the chance of an editorial playlist add (``playlists``).

``tests/unit/test_families_analytics.py`` checks that ``marketing_lift`` applied to ``lam`` adds up to the
attributed streams in the truth and that ``UsageModel.lift`` is that same sum, day by day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from ingestion.generator.catalogue import Track
from ingestion.generator.context import GenerationContext, micros_text
from ingestion.generator.families._analytics import all_days, artist_key, csv_line, intensity, write_report
from ingestion.generator.families.radio import STATIONS
from ingestion.generator.params import GeneratorParams

KINDS = {"playlist_pitch": "Playlist pitch", "social_campaign": "Social campaign", "radio_add": "Radio add",
         "press": "Press"}
PLATFORM_NAMES = {"spotify": "Spotify", "apple_music": "Apple Music", "deezer": "Deezer"}
_SOCIAL = ("Instagram", "TikTok", "YouTube", "Meta Ads", "Snapchat")
_PRESS = ("Online press", "Print", "Blog outreach", "TV feature")
HORIZON_DAYS = 120
HEADER = ("Activity ID", "Activity Type", "Artist", "Track ISRC", "Platform", "Territory", "Channel", "Start Date",
          "End Date", "Spend", "Currency")


@dataclasses.dataclass(frozen=True)
class Touch:
    touch_id: str
    kind: str
    artist: str
    isrc: str  # "" for artist-level touches
    platform: str  # "" unless a playlist pitch
    territory: str  # "WW": worldwide
    channel: str
    start: dt.date
    end: dt.date
    spend_cents: int
    currency: str
    # hidden
    tracks: tuple[int, ...]  # indexes of the tracks it acts on
    uplift: float
    peak_days: float
    effect_start: dt.date
    pitch_success: bool | None = None


def kernel(days_since_start: np.ndarray, peak_days: float) -> np.ndarray:
    """g((tau + 1) / P) with g(x) = x e^(1-x): 0 before the start, 1 at the peak, cut after HORIZON_DAYS."""
    x = (days_since_start + 1.0) / peak_days
    out = x * np.exp(1.0 - x)
    return np.where((days_since_start >= 0) & (days_since_start <= HORIZON_DAYS), out, 0.0)


def plan_touches(rng: np.random.Generator, tracks: list[Track], params: GeneratorParams) -> list[Touch]:
    """The label's activities around each release in (or just before) the window, plus catalogue campaigns."""
    releases: dict[str, list[int]] = {}
    for i, t in enumerate(tracks):
        releases.setdefault(t.upc, []).append(i)
    by_artist: dict[str, list[int]] = {}
    for i, t in enumerate(tracks):
        by_artist.setdefault(artist_key(t), []).append(i)
    stations = [s for s in STATIONS if s.country in params.territories]
    big_markets = list(params.territories[:6])
    raw: list[dict] = []

    def add(kind: str, lead: int, scope: tuple[int, ...], start: dt.date, end: dt.date, spend: int, *,
            platform: str = "", territory: str = "WW", channel: str, uplift: float, peak: float,
            effect_start: dt.date, success: bool | None = None) -> None:
        raw.append(dict(kind=kind, lead=lead, scope=scope, start=start, end=end, spend=spend, platform=platform,
                        territory=territory, channel=channel, uplift=uplift, peak=peak, effect_start=effect_start,
                        success=success))

    for idxs in releases.values():
        lead = idxs[0]
        rd = tracks[lead].release_date
        if not (params.start_date - dt.timedelta(days=30) <= rd <= params.end_date):
            continue
        for platform in params.platforms:
            if rng.random() < (0.9 if platform == "spotify" else 0.6):
                day = rd - dt.timedelta(days=int(rng.integers(7, 29)))  # pitches go in at least 7 days ahead
                success = bool(rng.random() < 0.55)
                add("playlist_pitch", lead, (lead,), day, day, int(rng.choice([0, 0, 0, 15_000, 30_000])),
                    platform=platform, channel=f"{PLATFORM_NAMES.get(platform, platform)} editorial",
                    uplift=float(rng.uniform(0.05, 0.3)) if success else 0.0, peak=float(rng.uniform(5, 14)),
                    effect_start=rd, success=success)
        if rng.random() < 0.8:
            start = rd + dt.timedelta(days=int(rng.integers(-5, 8)))
            spend = int(round(float(rng.uniform(300, 8000)), -1)) * 100
            territory = "WW" if rng.random() < 0.6 else big_markets[int(rng.integers(len(big_markets)))]
            add("social_campaign", lead, (lead,), start, start + dt.timedelta(days=int(rng.integers(14, 36))),
                spend, territory=territory, channel=_SOCIAL[int(rng.integers(len(_SOCIAL)))],
                uplift=float(rng.uniform(0.05, 0.4)) * (1 - math.exp(-spend / 100 / 3000)),
                peak=float(rng.uniform(3, 10)), effect_start=max(start, rd))
        if rng.random() < 0.5:
            start = rd + dt.timedelta(days=int(rng.integers(-14, 8)))
            territory = "WW" if rng.random() < 0.7 else big_markets[int(rng.integers(len(big_markets)))]
            add("press", lead, tuple(by_artist[artist_key(tracks[lead])]), start, start,
                int(rng.integers(0, 16)) * 10_000, territory=territory, channel=_PRESS[int(rng.integers(len(_PRESS)))],
                uplift=float(rng.uniform(0.0, 0.08)), peak=float(rng.uniform(2, 5)), effect_start=start)
        for _ in range(int(rng.integers(0, 3)) if stations else 0):
            station = stations[int(rng.integers(len(stations)))]
            start = rd + dt.timedelta(days=int(rng.integers(0, 36)))
            add("radio_add", lead, (lead,), start, start + dt.timedelta(days=27), int(rng.integers(2, 26)) * 10_000,
                territory=station.country, channel=station.name, uplift=float(rng.uniform(0.02, 0.12)),
                peak=float(rng.uniform(10, 20)), effect_start=start)
    window = (params.end_date - params.start_date).days
    for idxs in by_artist.values():  # catalogue campaigns on a track already out
        for _ in range(int(rng.poisson(1.5))):
            lead = idxs[int(rng.integers(len(idxs)))]
            start = params.start_date + dt.timedelta(days=int(rng.integers(0, window + 1)))
            if start < tracks[lead].release_date:
                continue
            spend = int(round(float(rng.uniform(200, 3000)), -1)) * 100
            add("social_campaign", lead, (lead,), start, start + dt.timedelta(days=int(rng.integers(7, 22))), spend,
                territory="WW", channel=_SOCIAL[int(rng.integers(len(_SOCIAL)))],
                uplift=float(rng.uniform(0.02, 0.2)) * (1 - math.exp(-spend / 100 / 3000)),
                peak=float(rng.uniform(3, 8)), effect_start=start)
    kept = [r for r in raw if params.start_date <= r["start"] <= params.end_date]
    kept.sort(key=lambda r: (r["start"], r["kind"], tracks[r["lead"]].isrc, r["platform"], r["channel"]))
    touches = []
    for n, r in enumerate(kept, start=1):
        t = tracks[r["lead"]]
        touches.append(Touch(
            touch_id=f"MKT-{n:05d}", kind=r["kind"], artist=t.artist,
            isrc="" if r["kind"] == "press" else t.isrc, platform=r["platform"], territory=r["territory"],
            channel=r["channel"], start=r["start"], end=r["end"], spend_cents=r["spend"],
            currency="USD" if r["territory"] == "US" else "EUR", tracks=r["scope"], uplift=r["uplift"],
            peak_days=r["peak"], effect_start=r["effect_start"], pitch_success=r["success"]))
    return touches


def marketing_lift(touches: list[Touch], n_tracks: int, start: dt.date, territories: tuple[str, ...],
                   days: list[dt.date], platform: str) -> np.ndarray:
    """The relative lift ``sum_i u_i g_i`` (days, tracks, territories) of one platform: multiply the usage
    model's Poisson mean by ``1 + this`` to put the touches into the feeds (see the module docstring)."""
    lift = np.zeros((len(days), n_tracks, len(territories)))
    offsets = np.array([(d - start).days for d in days], dtype=float)
    for touch in touches:
        if touch.platform and touch.platform != platform:
            continue
        g = kernel(offsets - (touch.effect_start - start).days, touch.peak_days)
        if touch.uplift == 0 or not g.any():
            continue
        columns = list(touch.tracks)
        if touch.territory == "WW":
            lift[:, columns, :] += touch.uplift * g[:, None, None]
        elif touch.territory in territories:
            lift[:, columns, territories.index(touch.territory)] += touch.uplift * g[:, None]
    return lift


def scope_weight(touch: Touch, ctx: GenerationContext) -> np.ndarray:
    """Sum of the usage model's territory weights over the touch's platforms and territories, per track."""
    platforms = [touch.platform] if touch.platform else list(ctx.params.platforms)
    cols = list(touch.tracks)
    total = np.zeros(len(cols))
    for p in platforms:
        w = ctx.model.territory_weight[p][cols]
        if touch.territory == "WW":
            total += w.sum(axis=1)
        elif touch.territory in ctx.params.territories:
            total += w[:, ctx.params.territories.index(touch.territory)]
    return total


def attributed_streams(ctx: GenerationContext, touches: list[Touch]) -> dict[str, dict]:
    """Expected incremental streams of each touch, day by day (the module docstring's ``extra_i``). The usage
    model's intensity is computed for the touch's own tracks only (the same numbers as those columns of the whole
    catalogue's), never as one (days, tracks) array of the window, which grows with the catalogue."""
    days = all_days(ctx)
    offsets = np.arange(len(days), dtype=float)
    out: dict[str, dict] = {}
    for touch in touches:
        g = kernel(offsets - (touch.effect_start - ctx.params.start_date).days, touch.peak_days)
        base = intensity(ctx, days, list(touch.tracks))  # (days, the touch's tracks)
        extra = (base * scope_weight(touch, ctx)[None, :]).sum(axis=1) * touch.uplift * g
        nonzero = np.flatnonzero(extra > 0.0005)
        if nonzero.size == 0:
            out[touch.touch_id] = {"first_day": None, "daily": [], "total": 0.0}
            continue
        first, last = int(nonzero[0]), int(nonzero[-1])
        daily = [round(float(x), 3) for x in extra[first:last + 1]]
        out[touch.touch_id] = {"first_day": days[first].isoformat(), "daily": daily,
                               "total": round(float(extra.sum()), 3)}
    return out


def write_marketing(ctx: GenerationContext) -> None:
    # planned once by writer.build_context so that the feeds carry their lift; planned here only for a context
    # built without it (a test's own)
    touches = list(ctx.model.touches) or plan_touches(ctx.rng("marketing"), ctx.tracks, ctx.params)
    ctx.shared["marketing"] = {"touches": touches}
    spend: dict[str, int] = {}
    for month in ctx.months:
        rows = [t for t in touches if (t.start.year, t.start.month) == (month.year, month.month)]
        lines = [csv_line([t.touch_id, KINDS[t.kind], t.artist, t.isrc, PLATFORM_NAMES.get(t.platform, t.platform),
                           t.territory, t.channel, f"{t.start:%d/%m/%Y}", f"{t.end:%d/%m/%Y}",
                           f"{t.spend_cents // 100}.{t.spend_cents % 100:02d}", t.currency]) for t in rows]
        path = ctx.landing_dir / "marketing" / f"marketing_activities_{month:%Y-%m}.csv"
        written = write_report(ctx, path, "marketing", "\ufeff" + csv_line(HEADER), lines, "\r\n",
                               period=f"{month:%Y-%m}")
        month_spend: dict[str, int] = {}
        for t in rows:
            month_spend[t.currency] = month_spend.get(t.currency, 0) + t.spend_cents
            spend[t.currency] = spend.get(t.currency, 0) + t.spend_cents
        if written is not None:
            written["spend_by_currency"] = {c: micros_text(v * 10_000) for c, v in sorted(month_spend.items())}
    attributed = attributed_streams(ctx, touches)
    ctx.truth["marketing"] = {
        "activities": len(touches),
        "by_type": {kind: sum(t.kind == kind for t in touches) for kind in KINDS},
        "spend_by_currency": {c: micros_text(v * 10_000) for c, v in sorted(spend.items())},
        "hidden": {
            # whether the streaming feeds were sampled with the lift (usage.expected_day): True whenever the
            # touches were planned with the usage model, as writer.build_context does
            "feeds_include_lift": bool(ctx.model.touches),
            "kernel": "u * x * exp(1 - x), x = (days since effect_start + 1) / peak_days, 0 after 120 days",
            "touches": {t.touch_id: {
                "uplift": round(t.uplift, 6), "peak_days": round(t.peak_days, 4),
                "effect_start": t.effect_start.isoformat(),
                "isrcs": [ctx.tracks[i].isrc for i in t.tracks],
                "platforms": [t.platform] if t.platform else list(ctx.params.platforms),
                "territory": t.territory,
                **({"pitch_success": t.pitch_success} if t.pitch_success is not None else {}),
            } for t in touches},
            "marketing_attributed_streams": attributed,
        },
    }
