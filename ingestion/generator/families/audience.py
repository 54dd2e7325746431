"""Audience demographics per artist, platform and month, aggregated as the platforms' artist dashboards show them.

``landing/audience/audience_demographics_<yyyy-mm>.csv`` (semicolon-separated, one per month)::

    month;platform;platform_artist_id;artist_name;breakdown;age_band;gender;country;city;listeners

``breakdown`` says which columns a row fills:

* ``age_gender``: ``age_band`` (18-24, 25-34, 35-44, 45-54, 55-64, 65+) x ``gender`` (female, male,
  non-binary, unknown); the 24 rows add up to the artist's listeners on the platform that month;
* ``country``: ISO 3166 ``country``; the rows add up to the same total (a listener is counted in one country);
* ``city``: the artist's top 10 cities (``city`` and its ``country``); they cover only part of the listeners.

``listeners`` are the artist's unique listeners over the 28 days ending on the month's last day: per country,
the union of the listeners of the artist's tracks (``listener_stats``' 28-day uniques per track and territory,
``ctx.shared["listener_stats"]``) with a hidden overlap — a listener of two of the artist's tracks counts once:
``max + (sum - max) * (1 - overlap)``. Artists are keyed by the platform's own artist id (two artists can share
a name); the name is as the catalogue writes it. Counts of people in broad bands only: no person is
identifiable, and nothing here is listener-level.

Truth: totals per month and platform, and the hidden profiles (age x gender probabilities per artist and
platform, the overlap, the city weights) for later evaluation; ``ctx.shared["audience"]`` hands the listeners
and profiles to ``audience_overlap`` and ``surveys``.
"""

from __future__ import annotations

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import (
    AGE_BANDS,
    GENDERS,
    Report,
    artists,
    csv_line,
    platform_artist_id,
)

# age distribution by genre (18-24 … 65+): younger for hip-hop and electronic, older for jazz and rock
_AGE = {"Hip-Hop": (0.38, 0.33, 0.15, 0.08, 0.04, 0.02), "Electronic": (0.32, 0.34, 0.18, 0.09, 0.05, 0.02),
        "Pop": (0.33, 0.30, 0.17, 0.11, 0.06, 0.03), "Latin": (0.30, 0.32, 0.19, 0.11, 0.06, 0.02),
        "R&B": (0.28, 0.34, 0.20, 0.11, 0.05, 0.02), "Indie": (0.27, 0.35, 0.20, 0.10, 0.05, 0.03),
        "Rock": (0.15, 0.24, 0.22, 0.20, 0.12, 0.07), "Jazz": (0.08, 0.17, 0.21, 0.22, 0.18, 0.14)}
_GENDER = (0.47, 0.45, 0.02, 0.06)
CITIES: dict[str, tuple[str, ...]] = {
    "US": ("New York", "Los Angeles", "Chicago", "Houston", "Atlanta"), "GB": ("London", "Manchester", "Birmingham",
                                                                                "Glasgow"),
    "DE": ("Berlin", "Hamburg", "München", "Köln"), "FR": ("Paris", "Lyon", "Marseille"),
    "BR": ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Brasília"), "JP": ("Tokyo", "Osaka", "Nagoya"),
    "MX": ("Ciudad de México", "Guadalajara", "Monterrey"), "CA": ("Toronto", "Montréal", "Vancouver"),
    "AU": ("Sydney", "Melbourne", "Brisbane"), "ES": ("Madrid", "Barcelona", "Valencia"),
    "IT": ("Milano", "Roma", "Napoli"), "NL": ("Amsterdam", "Rotterdam"), "SE": ("Stockholm", "Göteborg"),
    "PL": ("Warszawa", "Kraków"), "IN": ("Mumbai", "Delhi", "Bengaluru"), "KR": ("Seoul", "Busan"),
    "AR": ("Buenos Aires", "Córdoba"), "ZA": ("Johannesburg", "Cape Town"), "NG": ("Lagos", "Abuja"),
    "TR": ("İstanbul", "Ankara"),
}
TOP_CITIES = 10
HEADER = "month;platform;platform_artist_id;artist_name;breakdown;age_band;gender;country;city;listeners"


def write_audience(ctx: GenerationContext) -> None:
    rng = ctx.rng("audience")
    params = ctx.params
    platforms, territories = params.platforms, params.territories
    uniques = ctx.shared.get("listener_stats", {}).get("uniques_28d")
    if uniques is None:
        raise RuntimeError("audience needs listener_stats to run first (ctx.shared['listener_stats'])")
    keys, names, tracks_of = artists(ctx)
    genre = [ctx.tracks[tracks_of[k][0]].genre for k in keys]
    n_a, n_p = len(keys), len(platforms)
    overlap = rng.uniform(0.25, 0.6, n_a)
    profile = np.zeros((n_a, n_p, len(AGE_BANDS), len(GENDERS)))
    for a in range(n_a):
        age = np.array(_AGE.get(genre[a], _AGE["Pop"]))
        base = np.outer(rng.dirichlet(age * 60), rng.dirichlet(np.array(_GENDER) * 80))
        for p in range(n_p):
            profile[a, p] = rng.dirichlet(base.ravel() * 400 + 1e-3).reshape(base.shape)
    cities = [(c, country) for country in territories for c in CITIES.get(country, ())]
    city_country = np.array([territories.index(country) for _, country in cities], dtype=int)
    city_share = np.zeros((n_a, len(cities)))
    for r in range(len(territories)):
        members = np.flatnonzero(city_country == r)
        if members.size:
            city_share[:, members] = rng.dirichlet(np.ones(members.size), size=n_a) * rng.uniform(0.35, 0.7, (n_a, 1))

    listeners_out: dict[str, dict[str, dict[str, int]]] = {}
    country_out: dict[str, np.ndarray] = {}
    by_month: dict[str, dict[str, int]] = {}
    rows_total = 0
    for month in ctx.months:
        key_m = f"{month:%Y-%m}"
        if key_m not in uniques:
            continue
        report = Report(ctx, ctx.landing_dir / "audience" / f"audience_demographics_{key_m}.csv", "audience", HEADER)
        drift = rng.normal(0.0, 0.04, (n_a, n_p, len(AGE_BANDS), len(GENDERS)))
        country_all = np.zeros((n_a, len(territories)), dtype=np.int64)
        for p, platform in enumerate(platforms):
            cells = uniques[key_m][platform].astype(np.int64)  # (tracks, territories)
            for a, key in enumerate(keys):
                block = cells[tracks_of[key]]
                top = block.max(axis=0)
                per_country = np.rint(top + (block.sum(axis=0) - top) * (1.0 - overlap[a])).astype(np.int64)
                total = int(per_country.sum())
                if total == 0:
                    continue
                country_all[a] += per_country
                pid, name = platform_artist_id(platform, key), names[a]
                probs = profile[a, p] * np.exp(drift[a, p])
                counts = rng.multinomial(total, (probs / probs.sum()).ravel()).reshape(probs.shape)
                lines = [csv_line([key_m, platform, pid, name, "age_gender", age, gender, "", "", int(counts[i, j])],
                                   ";")
                          for i, age in enumerate(AGE_BANDS) for j, gender in enumerate(GENDERS)]
                lines += [csv_line([key_m, platform, pid, name, "country", "", "", territories[r], "",
                                    int(per_country[r])], ";") for r in np.flatnonzero(per_country).tolist()]
                in_city = rng.binomial(per_country[city_country], city_share[a])
                order = sorted((-int(n), cities[c][0], c) for c, n in enumerate(in_city.tolist()) if n > 0)
                lines += [csv_line([key_m, platform, pid, name, "city", "", "", cities[c][1], city, -neg], ";")
                          for neg, city, c in order[:TOP_CITIES]]
                report.write(lines)  # an artist's rows at a time: a month is artists x platforms x ~50 rows
                listeners_out.setdefault(key_m, {}).setdefault(platform, {})[key] = total
                by_month.setdefault(key_m, {})[platform] = by_month.get(key_m, {}).get(platform, 0) + total
        country_out[key_m] = country_all
        report.close(period=key_m, listeners_by_platform=by_month.get(key_m, {}))
        rows_total += report.lines

    ctx.shared["audience"] = {"artists": keys, "names": names, "genres": genre, "listeners": listeners_out,
                              "country_listeners": country_out, "profile": profile}
    ctx.truth["audience"] = {
        "rows": rows_total,
        "artists": n_a,
        "listeners_by_month": by_month,  # sum over artists of each artist's listeners, per platform
        "hidden": {
            "artist_track_overlap": {k: round(float(overlap[a]), 6) for a, k in enumerate(keys)},
            "age_gender_profile": {k: {platform: [[round(float(x), 6) for x in row] for row in profile[a, p]]
                                       for p, platform in enumerate(platforms)} for a, k in enumerate(keys)},
            "profile_axes": {"age_band": list(AGE_BANDS), "gender": list(GENDERS)},
        },
    }
