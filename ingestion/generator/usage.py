"""Daily streams per track, platform and territory: power-law popularity, release spikes, seasonality, and
anomalies (spikes, drops, missing days) on single track x platform x territory series, whose truth the
manifest keeps under ``hidden.anomalies``.

Sampling is by day (``sample_day``), so a month of a large catalogue never has to sit in memory at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np

from ingestion.generator.catalogue import Track
from ingestion.generator.params import PLATFORMS, GeneratorParams

WEEKLY = np.array([0.93, 0.95, 0.97, 1.0, 1.12, 1.08, 0.95])  # Monday .. Sunday
ANOMALY_KINDS = ("spike", "drop", "missing")


@dataclasses.dataclass(frozen=True)
class Anomaly:
    """Expected streams of one track on one platform in one territory multiplied by ``factor`` from ``start``
    to ``end`` (inclusive): a spike (1.5-10x), a drop (0.05-0.5x) or missing days (0: no row at all)."""

    track: int  # index into the catalogue
    isrc: str
    platform: str
    territory: str
    start: dt.date
    end: dt.date
    kind: str
    factor: float

    def as_dict(self) -> dict:
        return {"isrc": self.isrc, "platform": self.platform, "territory": self.territory,
                "start": self.start.isoformat(), "end": self.end.isoformat(), "days": (self.end - self.start).days + 1,
                "kind": self.kind, "factor": self.factor}


@dataclasses.dataclass
class UsageModel:
    """Hidden parameters, drawn once per catalogue, from which each month's file is sampled."""

    tracks: list[Track]
    territory_weight: dict[str, np.ndarray]  # platform -> (n_tracks, n_territories), presence applied
    rate_micros: dict[str, np.ndarray]  # platform -> (n_territories,) per-stream rate
    viral_day: np.ndarray  # (n_tracks,) day offset of a viral bump
    anomalies: list[Anomaly] = dataclasses.field(default_factory=list)
    territories: tuple[str, ...] = ()
    # marketing touches (ingestion/generator/families/marketing.py) whose lift multiplies the Poisson mean;
    # planned once before any family runs (writer.build_context), empty when the analytics extra is off
    touches: tuple = ()
    start: dt.date | None = None  # the window's first day: the touches' kernels are indexed from it

    def lift(self, platform: str, day: dt.date) -> np.ndarray | None:
        """The touches' relative lift (tracks, territories) of one platform on one day, None when nothing acts.
        Built from each touch's kernel value on that day, the same sum ``marketing_lift`` gives."""
        if not self.touches or self.start is None:
            return None
        from ingestion.generator.families.marketing import HORIZON_DAYS, kernel

        offset = (day - self.start).days
        out = None
        for touch in self.touches:
            if touch.uplift == 0 or (touch.platform and touch.platform != platform):
                continue
            since = offset - (touch.effect_start - self.start).days
            if since < 0 or since > HORIZON_DAYS:
                continue
            g = float(kernel(np.array([float(since)]), touch.peak_days)[0])
            if g == 0.0:
                continue
            if out is None:
                out = np.zeros((len(self.tracks), len(self.territories)))
            columns = list(touch.tracks)
            if touch.territory == "WW":
                out[columns, :] += touch.uplift * g
            elif touch.territory in self.territories:
                out[columns, self.territories.index(touch.territory)] += touch.uplift * g
        return out

    def multipliers(self, platform: str, day: dt.date) -> list[tuple[int, int, float]]:
        """(track, territory index, factor) of the anomalies active on ``day`` for ``platform``."""
        return [(a.track, self.territories.index(a.territory), a.factor) for a in self.anomalies
                if a.platform == platform and a.start <= day <= a.end]


def build_usage_model(rng: np.random.Generator, tracks: list[Track], params: GeneratorParams) -> UsageModel:
    n_t, n_r = len(tracks), len(params.territories)
    presence = rng.random((n_t, n_r)) < 0.6
    presence[:, :3] = True  # every track is available in the three biggest markets
    weights, rates = {}, {}
    for platform in params.platforms:
        share, _, (lo, hi) = PLATFORMS[platform]
        mix = rng.dirichlet(np.full(n_r, 0.9)) * n_r
        weights[platform] = share * mix[None, :] * presence
        rates[platform] = rng.integers(lo, hi, size=n_r)
    viral_day = rng.integers(0, params.days, size=n_t)
    model = UsageModel(tracks, weights, rates, viral_day, territories=tuple(params.territories))
    model.anomalies = _draw_anomalies(np.random.default_rng(rng.integers(2**63)), model, params)
    return model


def _draw_anomalies(rng: np.random.Generator, model: UsageModel, params: GeneratorParams) -> list[Anomaly]:
    """A handful of anomalies (it grows slowly with the catalogue), each on its own series, on series busy
    enough for a spike or a drop to be visible: a track released before the anomaly starts, present in the
    territory, in the upper half of popularity when the catalogue allows it."""
    tracks = model.tracks
    n = int(min(60, 6 + len(tracks) // 25))
    popular = np.argsort([-t.popularity for t in tracks], kind="stable")[:max(4, len(tracks) // 2)]
    used: set[tuple[int, str, int]] = set()
    out: list[Anomaly] = []
    for i in range(n):
        kind = ANOMALY_KINDS[i % 3] if i < 3 else ANOMALY_KINDS[int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
        for _attempt in range(50):
            t = int(popular[int(rng.integers(len(popular)))])
            platform = params.platforms[int(rng.integers(len(params.platforms)))]
            r = int(rng.integers(min(3, len(params.territories))))  # the big markets: the series is dense
            length = int(rng.integers(1, 8))
            first = max(params.start_date, tracks[t].release_date + dt.timedelta(days=14))
            span = (params.end_date - first).days - length
            if span <= 0 or (t, platform, r) in used or model.territory_weight[platform][t, r] <= 0:
                continue
            start = first + dt.timedelta(days=int(rng.integers(span)))
            factor = {"spike": round(float(rng.uniform(1.5, 10.0)), 2),
                      "drop": round(float(rng.uniform(0.05, 0.5)), 2), "missing": 0.0}[kind]
            used.add((t, platform, r))
            out.append(Anomaly(t, tracks[t].isrc, platform, params.territories[r], start,
                               start + dt.timedelta(days=length - 1), kind, factor))
            break
    return sorted(out, key=lambda a: (a.start, a.isrc, a.platform, a.territory))


def daily_intensity(model: UsageModel, days: list[dt.date], start: dt.date,
                    tracks: Sequence[int] | None = None) -> np.ndarray:
    """Expected streams (days, tracks) over all platforms and territories, before the platform split.
    ``tracks`` (catalogue indexes) keeps only those columns: each cell is computed on its own, so a column holds
    the same numbers whichever columns are asked for, without the (days, catalogue) arrays of the full call."""
    chosen = model.tracks if tracks is None else [model.tracks[i] for i in tracks]
    viral_day = model.viral_day if tracks is None else model.viral_day[list(tracks)]
    pop = np.array([t.popularity for t in chosen])
    released_on = np.array([t.release_date.toordinal() for t in chosen], dtype=float)
    day_ord = np.array([d.toordinal() for d in days], dtype=float)[:, None]
    age = day_ord - released_on[None, :]
    offset = day_ord - start.toordinal()
    released = age >= 0
    age = np.clip(age, 0, None)
    spike = 1.0 + 3.0 * np.exp(-age / 12.0)
    arche = np.array([t.archetype for t in chosen])
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)[:, None]
    seasonal = 1.0 + 0.6 * np.cos(2 * np.pi * (doy - 355) / 365.25)  # peaks around the holidays
    lifecycle = np.ones((len(days), len(chosen)))
    lifecycle = np.where(arche == "decaying", 0.35 + 0.65 * np.exp(-age / 300.0), lifecycle)
    lifecycle = np.where(arche == "seasonal", seasonal, lifecycle)
    bump = 1.0 + 2.5 * np.exp(-np.abs(offset - viral_day[None, :]) / 9.0)
    lifecycle = np.where(arche == "viral", bump, lifecycle)
    dow = np.array([WEEKLY[d.weekday()] for d in days])[:, None]
    return pop[None, :] * spike * lifecycle * dow * released


def expected_day(model: UsageModel, platform: str, day: dt.date, intensity: np.ndarray) -> np.ndarray:
    """Expected streams (tracks, territories) of one platform on one day, marketing lift and anomalies applied.
    ``intensity`` is that day's row of :func:`daily_intensity`."""
    lam = intensity[:, None] * model.territory_weight[platform]
    lift = model.lift(platform, day)
    if lift is not None:  # marketing touches: 1 + sum_i u_i g_i (families/marketing.py)
        lam = lam * (1.0 + lift)
    for t, r, factor in model.multipliers(platform, day):
        lam[t, r] *= factor
    return lam


def sample_day(rng: np.random.Generator, model: UsageModel, platform: str, day: dt.date,
               intensity: np.ndarray) -> np.ndarray:
    """Poisson streams (tracks, territories) for one platform and one day."""
    return rng.poisson(expected_day(model, platform, day, intensity))


def sample_month(
    rng: np.random.Generator, model: UsageModel, platform: str, days: list[dt.date], start: dt.date
) -> np.ndarray:
    """Poisson streams (days, tracks, territories) for one platform and one month (small samples only)."""
    intensity = daily_intensity(model, days, start)
    return np.stack([sample_day(rng, model, platform, d, intensity[i]) for i, d in enumerate(days)])
