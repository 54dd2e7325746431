"""Behaviour segments of tracks and artists (shape of the daily streams curve) and of artist audiences.

Why shape, not volume: a track's level says how popular it is, not how it behaves; two tracks with the same
curve at 100 and 10,000 streams a day belong together. So every feature is normalised by the track's own level
and measured on its curve *after* the release spike, which every track shares (without removing it, every young
track would look "decaying"). The spike is removed by dividing the first weeks by the catalogue's own median
release curve (estimated from the tracks released inside the window), so young tracks keep some usable weeks.

Three features, each the evidence for one kind of behaviour, and ~0 for a flat ("evergreen") curve:

* ``seasonal_t``: t-statistic of the weekly log level on the yearly holiday curve (streaming peaks late December);
* ``trend_t``: t-statistic of the log-level slope over time (negative: the track is fading);
* ``peak``: the highest 7-day level against the surrounding weeks (log ratio), median over platforms, so that a
  one-platform glitch (a feed spike) does not count, but a viral bump, which lifts every platform, does.

t-statistics rather than raw coefficients because a 3 %-a-year fade is certain on a long, busy series and noise
on a short, small one; they are compressed with sign(x)·log1p(|x|) so that a very busy track does not dominate.
KMeans clusters them; each cluster is named by its centre (the most seasonal centre is "seasonal", the peakiest
"viral", the most negative trend "decaying", the rest "evergreen"), never by any truth.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

DAILY_STREAMS = """
    select isrc, usage_date, platform_code, cast(sum(streams) as double precision) as streams
    from marts.fct_usage_daily
    where is_catalogue_match
    group by isrc, usage_date, platform_code"""
TRACKS = """
    select isrc, track_title, artist_key, artist_name, release_date
    from marts.dim_track"""
AUDIENCE = """
    select audience_month, platform_code, platform_artist_id, artist_name, artist_key, breakdown, age_band, gender,
           territory_code, listeners
    from marts.fct_audience_demographics
    where breakdown in ('age_gender', 'country')"""

FEATURES = ["seasonal_t", "trend_t", "peak"]
NAMES = ("evergreen", "seasonal", "viral", "decaying")
MIN_AGE = 14  # days after release before which nothing is used (the spike is too steep to divide out safely)
SPIKE_END = 84  # days after release from which the curve counts as settled (no division by the release curve)
MIN_WEEKS = 8  # weekly points needed for the regression features
MIN_SEASON_WEEKS = 20  # weeks of history needed before a seasonal loading is estimated
SEEDS = (0, 1, 2, 3, 4)


def holiday_curve(dates: pd.DatetimeIndex) -> np.ndarray:
    """The yearly streaming season, peaking around the December holidays (day of year 355)."""
    doy = dates.day_of_year.to_numpy(dtype=float)
    return np.cos(2 * np.pi * (doy - 355.0) / 365.25)


@dataclasses.dataclass
class Panel:
    """Daily streams (platforms x tracks x days) with each track's release day index (may be negative)."""

    isrcs: list[str]
    platforms: list[str]
    days: pd.DatetimeIndex
    values: np.ndarray
    release: np.ndarray

    @classmethod
    def from_frames(cls, daily: pd.DataFrame, tracks: pd.DataFrame | None = None) -> Panel:
        daily = daily.assign(usage_date=pd.to_datetime(daily["usage_date"]))
        days = pd.date_range(daily["usage_date"].min(), daily["usage_date"].max(), freq="D")
        isrcs = sorted(daily["isrc"].unique())
        platforms = sorted(daily["platform_code"].fillna("?").unique())
        cube = daily.assign(platform_code=daily["platform_code"].fillna("?")).pivot_table(
            index=["platform_code", "isrc"], columns="usage_date", values="streams", aggfunc="sum")
        cube = cube.reindex(index=pd.MultiIndex.from_product([platforms, isrcs]), columns=days).fillna(0.0)
        values = cube.to_numpy(dtype=float).reshape(len(platforms), len(isrcs), len(days))
        first = np.argmax(values.sum(axis=0) > 0, axis=1)
        release = first.astype(int)
        if tracks is not None and "release_date" in tracks:
            known = tracks.dropna(subset=["release_date"]).drop_duplicates("isrc").set_index("isrc")["release_date"]
            rel = pd.to_datetime(pd.Series(isrcs).map(known))
            offset = ((rel - days[0]).dt.days).to_numpy()
            # a catalogue date later than the first stream is a re-release: the curve started at the first stream
            release = np.where(np.isnan(offset), first, np.minimum(np.nan_to_num(offset, nan=0), first)).astype(int)
        return cls(isrcs, platforms, days, values, release)

    @property
    def total(self) -> np.ndarray:
        return self.values.sum(axis=0)


def weekday_factors(panel: Panel) -> np.ndarray:
    """Relative level of each weekday over the catalogue (mean 1), so that daily values can be compared."""
    total = panel.total.sum(axis=0)
    dow = panel.days.day_of_week.to_numpy()
    means = np.array([total[dow == d].mean() if (dow == d).any() else np.nan for d in range(7)])
    means = np.where(np.isfinite(means) & (means > 0), means, np.nanmean(means) if np.isfinite(means).any() else 1)
    return means / means.mean()


def release_curve(panel: Panel, adjusted: np.ndarray) -> np.ndarray | None:
    """The catalogue's median curve over the first SPIKE_END days after release, relative to the settled level
    of the following four weeks; None when fewer than three tracks were released early enough to measure it."""
    n_days = adjusted.shape[1]
    rows = []
    for t, r in enumerate(panel.release):
        if r < 0 or r + SPIKE_END + 28 > n_days:
            continue
        settled = np.median(adjusted[t, r + SPIKE_END: r + SPIKE_END + 28])
        if settled > 0:
            rows.append(adjusted[t, r: r + SPIKE_END] / settled)
    if len(rows) < 3:
        return None
    curve = np.median(np.array(rows), axis=0)
    return np.maximum(pd.Series(curve).rolling(7, center=True, min_periods=1).mean().to_numpy(), 1e-3)


def settled_values(panel: Panel) -> np.ndarray:
    """Weekday-adjusted daily streams (platforms x tracks x days) with the release spike divided out; NaN before
    release + MIN_AGE (or before SPIKE_END when the catalogue is too small to know its release curve)."""
    factors = weekday_factors(panel)[panel.days.day_of_week.to_numpy()]
    adjusted = panel.values / factors[None, None, :]
    curve = release_curve(panel, adjusted.sum(axis=0))
    age = np.arange(len(panel.days))[None, :] - panel.release[:, None]
    divisor = np.ones_like(age, dtype=float)
    if curve is not None:
        young = (age >= 0) & (age < SPIKE_END)
        divisor[young] = curve[age[young]]
    usable = age >= (MIN_AGE if curve is not None else SPIKE_END)
    return np.where(usable[None, :, :], adjusted / divisor[None, :, :], np.nan)


def _robust_fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Huber-weighted least squares (a viral bump or a feed glitch must not tilt the trend): coefficients and
    their standard errors."""
    w = np.ones(len(y))
    beta = np.zeros(x.shape[1])
    for _ in range(8):
        sw = np.sqrt(w)
        beta = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]
        resid = y - x @ beta
        scale = 1.4826 * np.median(np.abs(resid)) + 1e-9
        w = np.minimum(1.0, 1.345 * scale / np.maximum(np.abs(resid), 1e-12))
    resid = y - x @ beta
    dof = max(len(y) - x.shape[1], 1)
    sigma2 = max(float((w * resid**2).sum() / dof), 1e-6)
    try:
        cov = sigma2 * np.linalg.inv((x * w[:, None]).T @ x)
        se = np.sqrt(np.maximum(np.diag(cov), 1e-12))
    except np.linalg.LinAlgError:
        se = np.full(x.shape[1], np.inf)
    return beta, se


def _peak(series: np.ndarray) -> float:
    """Highest centred 7-day mean against the median of the days 14-42 days either side (log ratio)."""
    n = len(series)
    m7 = pd.Series(series).rolling(7, center=True, min_periods=5).mean().to_numpy()
    padded = np.concatenate([np.full(42, np.nan), series, np.full(42, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 85)[:n]  # day d: padded[d .. d+84], centre d+42
    around = np.concatenate([windows[:, :29], windows[:, 56:]], axis=1)  # offsets -42..-14 and +14..+42
    enough = np.sum(~np.isnan(around), axis=1) >= 14
    with np.errstate(all="ignore"):
        base = np.nanmedian(np.where(enough[:, None], around, 0.0), axis=1)
        ratio = np.log((m7 + 1.0) / (base + 1.0))
    ratio = ratio[enough & np.isfinite(ratio)]
    return float(ratio.max()) if len(ratio) else np.nan


def track_features(panel: Panel) -> pd.DataFrame:
    """One row per track: the shape features (NaN where the history is too short) and its level."""
    settled = settled_values(panel)
    total = np.nansum(settled, axis=0)
    seen = ~np.all(np.isnan(settled), axis=0)
    curve = holiday_curve(panel.days)
    n_weeks = len(panel.days) // 7
    rows = []
    for t, isrc in enumerate(panel.isrcs):
        daily = np.where(seen[t], total[t], np.nan)[: n_weeks * 7].reshape(n_weeks, 7)
        full = np.sum(~np.isnan(daily), axis=1) >= 5
        with np.errstate(all="ignore"):
            level = np.log(np.nanmean(daily[full], axis=1) + 0.5)
        weeks = np.flatnonzero(full)
        row = {"isrc": isrc, "weeks_observed": int(full.sum()),
               "mean_daily_streams": float(panel.total[t].mean()), "seasonal_t": np.nan, "trend_t": np.nan,
               "seasonal_amplitude": np.nan, "trend_per_year": np.nan, "peak": np.nan}
        if len(weeks) >= MIN_WEEKS:
            years = (weeks * 7 + 3) / 365.25
            season = curve[: n_weeks * 7].reshape(n_weeks, 7).mean(axis=1)[weeks]
            x = np.column_stack([np.ones(len(weeks)), years - years.mean(), season])
            beta, se = _robust_fit(level, x)
            if weeks[-1] - weeks[0] < MIN_SEASON_WEEKS or beta[2] < 0:
                # half a year or less cannot tell a season from a trend, and a curve that falls towards the
                # holidays is not a season we know: the trend alone explains it
                beta, se = _robust_fit(level, x[:, :2])
                beta, se = np.append(beta, 0.0), np.append(se, np.inf)
            row.update(seasonal_amplitude=float(beta[2]), trend_per_year=float(beta[1]),
                       seasonal_t=float(beta[2] / se[2]), trend_t=float(beta[1] / se[1]))
            peaks = [_peak(settled[p, t]) for p in range(len(panel.platforms))]
            peaks = [p for p in peaks if np.isfinite(p)]
            row["peak"] = float(np.median(peaks)) if peaks else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def design_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """The clustering input: t-statistics compressed by sign·log1p, the peak scaled by its robust spread;
    missing evidence (short history) is 0, i.e. 'nothing special'."""
    out = pd.DataFrame(index=features.index)
    for col in ("seasonal_t", "trend_t"):
        x = features[col].to_numpy(dtype=float)
        out[col] = np.sign(x) * np.log1p(np.abs(x))
    peak = features["peak"].to_numpy(dtype=float)
    centre = np.nanmedian(peak) if np.isfinite(peak).any() else 0.0
    spread = 1.4826 * np.nanmedian(np.abs(peak - centre)) if np.isfinite(peak).any() else 1.0
    z = (peak - centre) / max(float(spread) if np.isfinite(spread) else 1.0, 0.05)
    out["peak"] = np.sign(z) * np.log1p(np.abs(z))
    return out.fillna(0.0)


def name_clusters(centres: np.ndarray) -> list[str]:
    """Plain names from the centres (columns FEATURES): one name per cluster, each name at most once, chosen to
    maximise the total evidence (Hungarian assignment)."""
    from scipy.optimize import linear_sum_assignment

    seasonal, trend, peak = centres[:, 0], centres[:, 1], centres[:, 2]
    evidence = np.column_stack([
        -np.abs(centres).max(axis=1),  # evergreen: nothing stands out
        seasonal, peak, -trend,
    ])
    rows, cols = linear_sum_assignment(-evidence)
    names = [""] * len(centres)
    for r, c in zip(rows, cols, strict=True):
        names[r] = NAMES[c]
    extra = [i for i, n in enumerate(names) if not n]  # more clusters than names: number the rest
    for j, i in enumerate(extra):
        names[i] = f"{NAMES[int(np.argmax(evidence[i]))]}_{j + 2}"
    return names


@dataclasses.dataclass
class Segmentation:
    estimator: object
    labels: np.ndarray
    names: list[str]
    confidence: np.ndarray
    stability_ari: float


def n_clusters(n_items: int, wanted: int = 4) -> int:
    """Four when the catalogue allows it; fewer for tiny catalogues (at least ~3 tracks per cluster)."""
    return int(max(1, min(wanted, n_items // 3)))


def _kmeans(x: np.ndarray, k: int, seed: int):
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # OpenMP threads on a small, shared machine cost more than they give here
        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x)


def cluster(x: pd.DataFrame, *, k: int | None = None, seeds: tuple[int, ...] = SEEDS) -> Segmentation:
    """KMeans on the design matrix; stability = mean adjusted Rand index of the other seeds' labels against the
    first seed's; confidence = soft assignment (closest centre's weight, temperature = the median squared
    distance to the own centre)."""
    from sklearn.metrics import adjusted_rand_score

    values = x.to_numpy(dtype=float)
    k = n_clusters(len(values)) if k is None else min(k, len(values))
    fitted = _kmeans(values, k, seeds[0])
    labels = fitted.labels_
    others = [adjusted_rand_score(labels, _kmeans(values, k, s).labels_) for s in seeds[1:]]
    stability = float(np.mean(others)) if others else 1.0
    d2 = ((values[:, None, :] - fitted.cluster_centers_[None, :, :]) ** 2).sum(axis=2)
    temperature = max(float(np.median(d2[np.arange(len(values)), labels])), 1e-6)
    weights = np.exp(-(d2 - d2.min(axis=1, keepdims=True)) / temperature)
    confidence = weights[np.arange(len(values)), labels] / weights.sum(axis=1)
    names = name_clusters(fitted.cluster_centers_) if x.shape[1] == len(FEATURES) else [
        f"volume_{i + 1}" for i in range(k)]
    return Segmentation(fitted, labels, names, confidence, stability)


def segment_tracks(panel: Panel, *, use_baseline: bool = False,
                   features: pd.DataFrame | None = None) -> tuple[pd.DataFrame, Segmentation]:
    """Track segments (one row per track of the panel). ``use_baseline``: clusters on volume alone (log mean
    daily streams), the naive segmentation the behaviour features must beat. ``features``: track_features(panel)
    when already computed."""
    features = track_features(panel) if features is None else features
    if use_baseline:
        x = pd.DataFrame({"log_volume": np.log1p(features["mean_daily_streams"].to_numpy())})
    else:
        x = design_matrix(features)
    seg = cluster(x)
    out = features.copy()
    out["segment"] = seg.labels.astype(int)
    out["segment_name"] = [seg.names[i] for i in seg.labels]
    out["confidence"] = seg.confidence
    return out, seg


def segment_artists(track_segments: pd.DataFrame, tracks: pd.DataFrame) -> pd.DataFrame:
    """An artist's segment is the most common segment of its tracks (ties: the segment with more streams);
    confidence = the share of its tracks in that segment."""
    joined = track_segments.merge(tracks[["isrc", "artist_key", "artist_name"]].drop_duplicates("isrc"),
                                  on="isrc", how="inner").dropna(subset=["artist_key"])
    if joined.empty:
        return pd.DataFrame(columns=["artist_key", "artist_name", "segment_name", "tracks", "confidence",
                                     "mean_daily_streams"])
    grouped = joined.groupby(["artist_key", "segment_name"]).agg(
        n=("isrc", "size"), streams=("mean_daily_streams", "sum")).reset_index()
    grouped = grouped.sort_values(["artist_key", "n", "streams"], ascending=[True, False, False])
    best = grouped.drop_duplicates("artist_key").set_index("artist_key")
    meta = joined.groupby("artist_key").agg(artist_name=("artist_name", "first"), tracks=("isrc", "size"),
                                            mean_daily_streams=("mean_daily_streams", "sum"))
    out = meta.join(best[["segment_name", "n"]])
    out["confidence"] = out["n"] / out["tracks"]
    return out.drop(columns="n").reset_index()[["artist_key", "artist_name", "segment_name", "tracks", "confidence",
                                                 "mean_daily_streams"]]


# --- audiences: clusters of artist audiences by age, gender and territory mix ------------------------------------

AGE_GROUPS = {"18-24": "18-34", "25-34": "18-34", "35-44": "35-54", "45-54": "35-54", "55-64": "55+", "65+": "55+"}


def audience_profiles(frame: pd.DataFrame, top_territories: int = 8) -> pd.DataFrame:
    """One row per artist account (name as the platforms report it): its average shares of listeners by age
    band, gender and territory over months and platforms. Shares, not counts: listeners are distinct people and
    do not add across months or platforms, but each month's split of one artist's audience is a proper mix."""
    if frame.empty:
        return pd.DataFrame()
    frame = frame.assign(audience=frame["artist_name"].fillna(frame["platform_artist_id"]))
    keys = ["audience", "audience_month", "platform_code"]
    parts = []
    for breakdown, column in (("age_gender", "age_band"), ("age_gender", "gender"), ("country", "territory_code")):
        sub = frame[frame["breakdown"] == breakdown]
        if sub.empty:
            continue
        cells = sub.groupby([*keys, column])["listeners"].sum()
        shares = cells / cells.groupby(level=keys).transform("sum")
        mean = shares.groupby(level=["audience", column]).sum() / sub.groupby("audience")[keys[1:]].apply(
            lambda g: len(g.drop_duplicates())).reindex(shares.index.get_level_values("audience").unique())
        wide = mean.unstack(column).fillna(0.0)
        prefix = {"age_band": "age_", "gender": "gender_", "territory_code": "territory_"}[column]
        parts.append(wide.add_prefix(prefix))
    if not parts:
        return pd.DataFrame()
    profile = pd.concat(parts, axis=1).fillna(0.0)
    territory = [c for c in profile if c.startswith("territory_")]
    if len(territory) > top_territories:
        keep = profile[territory].mean().sort_values(ascending=False).index[:top_territories]
        drop = [c for c in territory if c not in keep]
        profile["territory_other"] = profile[drop].sum(axis=1)
        profile = profile.drop(columns=drop)
    keys_of = frame.dropna(subset=["artist_key"]).groupby("audience")["artist_key"].first()
    profile.insert(0, "artist_key", keys_of.reindex(profile.index))
    return profile.rename_axis("audience_name").reset_index()


def segment_audiences(profiles: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, float]:
    """KMeans on the standardised shares, k (2..6) chosen by silhouette; each segment named by its dominant
    age group, its gender lean and its leading territory. Returns the rows and the silhouette (NaN when there
    are too few audiences to cluster)."""
    from sklearn.metrics import silhouette_score

    columns = ["audience_name", "artist_key", "segment", "segment_name", "top_age_group", "female_share",
               "top_territory", "top_territory_share", "silhouette"]
    if profiles.empty:
        return pd.DataFrame(columns=columns), float("nan")
    shares = profiles.drop(columns=["audience_name", "artist_key"]).to_numpy(dtype=float)
    std = shares.std(axis=0)
    x = (shares - shares.mean(axis=0)) / np.where(std > 0, std, 1.0)
    best_k, best_score, labels = 1, float("nan"), np.zeros(len(x), dtype=int)
    for k in range(2, min(6, len(x) - 1) + 1):
        fitted = _kmeans(x, k, seed)
        if len(set(fitted.labels_)) < 2:
            continue
        score = float(silhouette_score(x, fitted.labels_))
        if not np.isfinite(best_score) or score > best_score:
            best_k, best_score, labels = k, score, fitted.labels_
    out = profiles[["audience_name", "artist_key"]].copy()
    out["segment"] = labels.astype(int)
    age_cols = [c for c in profiles if c.startswith("age_")]
    groups = pd.DataFrame({g: profiles[[c for c in age_cols if AGE_GROUPS.get(c[4:]) == g]].sum(axis=1)
                           for g in dict.fromkeys(AGE_GROUPS.values())})
    out["top_age_group"] = groups.idxmax(axis=1)
    out["female_share"] = profiles.get("gender_female", pd.Series(np.nan, index=profiles.index))
    terr = profiles[[c for c in profiles if c.startswith("territory_") and c != "territory_other"]]
    out["top_territory"] = terr.idxmax(axis=1).str.replace("territory_", "", regex=False) if len(terr.columns) else ""
    out["top_territory_share"] = terr.max(axis=1) if len(terr.columns) else np.nan
    names = {}
    for seg, rows in out.groupby("segment"):
        age = rows["top_age_group"].mode().iloc[0]
        female = rows["female_share"].mean()
        lean = "female-leaning" if female > 0.52 else "male-leaning" if female < 0.42 else "mixed-gender"
        names[seg] = f"{age} {lean}, {rows['top_territory'].mode().iloc[0]}-led"
    seen: dict[str, int] = {}
    for seg in sorted(names):  # two segments can share a description: number them
        seen[names[seg]] = seen.get(names[seg], 0) + 1
        if seen[names[seg]] > 1:
            names[seg] = f"{names[seg]} ({seen[names[seg]]})"
    out["segment_name"] = out["segment"].map(names)
    out["silhouette"] = best_score
    del best_k
    return out[columns], best_score
