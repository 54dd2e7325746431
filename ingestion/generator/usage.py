"""Daily streams per track, platform and territory: power-law popularity, release spikes, seasonality."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from ingestion.generator.catalogue import Track
from ingestion.generator.params import PLATFORMS, GeneratorParams

WEEKLY = np.array([0.93, 0.95, 0.97, 1.0, 1.12, 1.08, 0.95])  # Monday .. Sunday


@dataclasses.dataclass
class UsageModel:
    """Hidden parameters, drawn once per catalogue, from which each month's file is sampled."""

    tracks: list[Track]
    territory_weight: dict[str, np.ndarray]  # platform -> (n_tracks, n_territories), presence applied
    rate_micros: dict[str, np.ndarray]  # platform -> (n_territories,) per-stream rate
    viral_day: np.ndarray  # (n_tracks,) day offset of a viral bump


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
    return UsageModel(tracks, weights, rates, viral_day)


def daily_intensity(model: UsageModel, days: list[dt.date], start: dt.date) -> np.ndarray:
    """Expected streams (days, tracks) over all platforms and territories, before the platform split."""
    n_d = len(days)
    pop = np.array([t.popularity for t in model.tracks])
    age = np.array([[(d - t.release_date).days for t in model.tracks] for d in days], dtype=float)
    offset = np.array([(d - start).days for d in days], dtype=float)[:, None]
    released = age >= 0
    age = np.clip(age, 0, None)
    spike = 1.0 + 3.0 * np.exp(-age / 12.0)
    arche = np.array([t.archetype for t in model.tracks])
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)[:, None]
    seasonal = 1.0 + 0.6 * np.cos(2 * np.pi * (doy - 355) / 365.25)  # peaks around the holidays
    lifecycle = np.ones((n_d, len(model.tracks)))
    lifecycle = np.where(arche == "decaying", 0.35 + 0.65 * np.exp(-age / 300.0), lifecycle)
    lifecycle = np.where(arche == "seasonal", seasonal, lifecycle)
    bump = 1.0 + 2.5 * np.exp(-np.abs(offset - model.viral_day[None, :]) / 9.0)
    lifecycle = np.where(arche == "viral", bump, lifecycle)
    dow = np.array([WEEKLY[d.weekday()] for d in days])[:, None]
    return pop[None, :] * spike * lifecycle * dow * released


def sample_month(
    rng: np.random.Generator, model: UsageModel, platform: str, days: list[dt.date], start: dt.date
) -> np.ndarray:
    """Poisson streams (days, tracks, territories) for one platform and one month."""
    lam = daily_intensity(model, days, start)[:, :, None] * model.territory_weight[platform][None, :, :]
    return rng.poisson(lam)
