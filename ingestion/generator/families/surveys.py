"""Consumer-research panel surveys: artist awareness and recent streaming, by territory, age band and gender.

``landing/surveys/survey_wave_<yyyy>-Q<n>.csv`` (comma-separated, one per quarterly wave)::

    wave,fieldwork_start,fieldwork_end,country,age_band,gender,artist_ref,artist,respondents,aware_share,
    streamed_last_month_share

One row per country, age band, gender and surveyed artist; ``artist_ref`` is the label's own reference for the
artist, which it hands the panel with the list of names (two artists may share a name). The same respondents of
a cell are asked about every artist, so ``respondents`` repeats across the artists of a cell: the wave's sample
size is the sum over *distinct* (country, age band, gender) cells. ``aware_share`` is the share who know the artist,
``streamed_last_month_share`` the share who streamed the artist in the last month (they know the artist:
``streamed <= aware``), both ratios of whole respondents written with 4 decimals (so
``round(share * respondents)`` gives the counts back). Gender as panels ask it: female, male, non-binary.
Waves are quarterly with fieldwork in the second month of the quarter; only waves whose fieldwork lies in the
window are written. The panel is of adults in broad bands; no respondent is identifiable.

The model (hidden truth): the true awareness of an artist in a country follows the artist's listeners there
(``ctx.shared["audience"]``, the fieldwork month) and leans to the artist's age and gender profile; the share
who stream is awareness times a hidden conversion rate per artist. Respondents are a multinomial sample of the
panel quota; counts are binomial draws from the true rates, which are in the truth.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import AGE_BANDS, csv_line, write_report

SURVEY_TERRITORIES = ("US", "GB", "DE", "BR", "JP")
SURVEY_GENDERS = ("female", "male", "non-binary")
_AGE_WEIGHT = np.array([0.13, 0.18, 0.17, 0.17, 0.16, 0.19])
_GENDER_WEIGHT = np.array([0.49, 0.48, 0.03])
MAX_ARTISTS = 8
HEADER = ("wave,fieldwork_start,fieldwork_end,country,age_band,gender,artist_ref,artist,respondents,aware_share,"
          "streamed_last_month_share")


def _waves(ctx: GenerationContext) -> list[tuple[str, dt.date, dt.date, str]]:
    """(wave label, fieldwork start, fieldwork end, month key) with fieldwork in the quarter's second month."""
    out = []
    for month in ctx.months:
        if month.month % 3 == 2:
            start, end = month.replace(day=3), month.replace(day=16)
            if ctx.params.start_date <= start and end <= ctx.params.end_date:
                out.append((f"{month.year}-Q{(month.month - 1) // 3 + 1}", start, end, f"{month:%Y-%m}"))
    return out


def write_surveys(ctx: GenerationContext) -> None:
    rng = ctx.rng("surveys")
    audience = ctx.shared.get("audience")
    if audience is None:
        raise RuntimeError("surveys needs audience to run first (ctx.shared['audience'])")
    territories = [t for t in SURVEY_TERRITORIES if t in ctx.params.territories]
    cols = [ctx.params.territories.index(t) for t in territories]
    keys, names = audience["artists"], audience["names"]
    # the artists the label pays to track: the most listened, by catalogue order on ties
    reach = sum(v for v in audience["country_listeners"].values()) if audience["country_listeners"] else None
    totals = reach.sum(axis=1) if reach is not None else np.zeros(len(keys))
    chosen = sorted(np.argsort(-totals, kind="stable")[:MAX_ARTISTS].tolist())
    conversion = rng.uniform(0.25, 0.6, len(keys))
    lean = audience["profile"][:, 0, :, :3]  # age x (female, male, non-binary) on the first platform
    lean = lean / lean.sum(axis=(1, 2), keepdims=True)
    population = np.outer(_AGE_WEIGHT, _GENDER_WEIGHT)
    tilt = np.clip(lean / population[None], 0.3, 3.0) ** 0.5

    rows_total = respondents_total = 0
    true_rates: dict[str, dict] = {}
    for wave, start, end, key_m in _waves(ctx):
        country = audience["country_listeners"].get(key_m)
        if country is None:
            continue
        top = max(float(country[chosen][:, cols].max()), 1.0) if chosen else 1.0
        lines = []
        wave_respondents = 0
        rates: dict[str, dict] = {}
        for c, territory in zip(cols, territories, strict=True):
            panel = round(1500 * rng.lognormal(0.0, 0.05))
            cells = rng.multinomial(panel, population.ravel()).reshape(population.shape)
            wave_respondents += int(cells.sum())
            for a in chosen:
                base = 0.02 + 0.45 * (country[a, c] / top) ** 0.5
                aware_rate = np.clip(base * tilt[a], 0.005, 0.9)
                rates.setdefault(keys[a], {})[territory] = round(float((aware_rate * population).sum()), 6)
                for i, age in enumerate(AGE_BANDS):
                    for j, gender in enumerate(SURVEY_GENDERS):
                        n = int(cells[i, j])
                        if n == 0:
                            continue
                        aware = int(rng.binomial(n, aware_rate[i, j]))
                        streamed = int(rng.binomial(aware, conversion[a]))
                        lines.append(csv_line([wave, start.isoformat(), end.isoformat(), territory, age, gender,
                                               keys[a], names[a], n, f"{aware / n:.4f}", f"{streamed / n:.4f}"]))
        path = ctx.landing_dir / "surveys" / f"survey_wave_{wave}.csv"
        write_report(ctx, path, "surveys", HEADER, lines, period=wave, respondents=wave_respondents)
        rows_total += len(lines)
        respondents_total += wave_respondents
        true_rates[wave] = rates
    ctx.truth["surveys"] = {
        "rows": rows_total,
        "waves": [w for w, *_ in _waves(ctx)],
        "respondents": respondents_total,  # distinct respondents over every wave
        "artists": [keys[a] for a in chosen],
        "hidden": {
            "population_awareness": true_rates,  # wave -> artist -> territory -> share of adults who know them
            "stream_conversion": {keys[a]: round(float(conversion[a]), 6) for a in chosen},
        },
    }
