"""New-release performance: the first 28 days' streams of a release, predicted before it comes out from its
catalogue features, the artist's history and the marketing planned around it.

Why a small regularised linear model on the log scale: a label group puts out a few dozen releases a year, far
too few for trees; release sizes are heavy-tailed (a hit streams a hundred times a niche single), so the log
makes errors relative and the fit robust, and the exponentiated prediction is a conditional median, which is
what minimises the absolute errors WAPE sums. The features are what is known on release day: how many tracks
(a release's first track carries it, later tracks add less and less: the harmonic number of the track count),
the label and genre, the artist's previous releases (their first-28-day streams when observed, the artist's
streams in the 28 days before), and the marketing touches started by release day (count and spend).

The baseline (issue 7): the label's median release curve (the cumulative share of the first 28 days' streams by
day since release) scaled by the artist's last release's first-28-day streams; when that release's first 28
days are not observed (it came out before the usage window), the label's median first-28-day streams.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

WINDOW = 28
MIN_TRAIN = 6  # releases with observed first 28 days needed before a model is fitted (else the baseline)

RELEASES = """
    select r.release_key, r.release_title, r.release_date, r.artist_key, r.artist_name, r.label_key, r.label_name,
           r.track_count, g.genre
    from marts.dim_release as r
    left join (
        select release_key, min(genre) as genre from marts.dim_track group by release_key
    ) as g using (release_key)"""
RELEASE_DAILY = """
    select t.release_key, u.usage_date, cast(sum(u.streams) as double precision) as streams
    from marts.fct_usage_daily as u
    inner join marts.dim_track as t using (isrc)
    where u.is_catalogue_match
    group by t.release_key, u.usage_date"""
ARTIST_DAILY = """
    select t.artist_key, u.usage_date, cast(sum(u.streams) as double precision) as streams
    from marts.fct_usage_daily as u
    inner join marts.dim_track as t using (isrc)
    where u.is_catalogue_match
    group by t.artist_key, u.usage_date"""
TOUCHES = """
    select m.activity_id, m.start_date, m.artist_key, t.release_key, cast(m.spend_eur as double precision) as spend_eur
    from marts.fct_marketing_touches as m
    left join marts.dim_track as t on t.isrc = m.isrc"""

NUMERIC = ["log_harmonic_tracks", "track_count", "log_prev_first28", "has_prev_first28", "log_artist_28d_before",
           "has_artist_28d_before", "previous_releases", "touches_by_release", "log_spend_by_release",
           "release_month_sin", "release_month_cos"]
CATEGORICAL = ["label_key", "genre"]
FEATURES = NUMERIC + CATEGORICAL


@dataclasses.dataclass
class ReleaseData:
    """Releases with their first-28-day streams where observed, and the daily curves behind them."""

    releases: pd.DataFrame  # one row per release: catalogue columns, first28 (NaN unless observed), observed
    curves: pd.DataFrame  # release_key x day since release (0..27): daily streams, observed releases only
    first_date: dt.date
    last_date: dt.date


def prepare(releases: pd.DataFrame, release_daily: pd.DataFrame) -> ReleaseData:
    """Joins the release catalogue with its daily streams: a release's first 28 days are observed when they lie
    inside the usage window (released on or after its first day, 28 days before its last)."""
    releases = releases.copy()
    releases["release_date"] = pd.to_datetime(releases["release_date"])
    daily = release_daily.assign(usage_date=pd.to_datetime(release_daily["usage_date"]))
    if len(daily):
        first, last = daily["usage_date"].min(), daily["usage_date"].max()
    else:
        first = last = pd.Timestamp(dt.date.today())
    daily = daily.merge(releases[["release_key", "release_date"]], on="release_key")
    daily["day"] = (daily["usage_date"] - daily["release_date"]).dt.days
    inside = daily[(daily["day"] >= 0) & (daily["day"] < WINDOW)]
    curves = inside.pivot_table(index="release_key", columns="day", values="streams", aggfunc="sum")
    curves = curves.reindex(columns=range(WINDOW)).fillna(0.0)
    observed = (releases["release_date"] >= first) & (releases["release_date"] + pd.Timedelta(days=WINDOW - 1) <= last)
    releases["observed"] = observed.to_numpy()
    totals = curves.sum(axis=1)
    releases["first28"] = np.where(releases["observed"], releases["release_key"].map(totals).fillna(0.0), np.nan)
    curves = curves.loc[curves.index.isin(releases.loc[releases["observed"], "release_key"])]
    return ReleaseData(releases.sort_values(["release_date", "release_key"]).reset_index(drop=True), curves,
                       first.date(), last.date())


def features(data: ReleaseData, artist_daily: pd.DataFrame, touches: pd.DataFrame) -> pd.DataFrame:
    """One feature row per release, from what is known on its release day only."""
    rel = data.releases
    artist_daily = artist_daily.assign(usage_date=pd.to_datetime(artist_daily["usage_date"]))
    touches = touches.assign(start_date=pd.to_datetime(touches["start_date"]),
                             spend_eur=pd.to_numeric(touches["spend_eur"], errors="coerce").fillna(0.0))
    rows = []
    for r in rel.itertuples(index=False):
        day = r.release_date
        before = rel[(rel["artist_key"] == r.artist_key) & (rel["release_date"] < day)]
        known = before[before["observed"] & (before["release_date"] + pd.Timedelta(days=WINDOW - 1) < day)]
        prev = float(known.iloc[-1]["first28"]) if len(known) else np.nan
        window = artist_daily[(artist_daily["artist_key"] == r.artist_key)
                              & (artist_daily["usage_date"] < day)
                              & (artist_daily["usage_date"] >= day - pd.Timedelta(days=WINDOW))]
        full_window = day - pd.Timedelta(days=WINDOW) >= pd.Timestamp(data.first_date)
        artist_28 = float(window["streams"].sum()) if full_window else np.nan
        mine = touches[((touches["release_key"] == r.release_key)
                        | (touches["release_key"].isna() & (touches["artist_key"] == r.artist_key)
                           & (touches["start_date"] >= day - pd.Timedelta(days=WINDOW))))
                       & (touches["start_date"] <= day)]
        n = max(int(r.track_count), 1)
        rows.append({
            "release_key": r.release_key,
            "log_harmonic_tracks": float(np.log(np.sum(1.0 / np.arange(1, n + 1)))),
            "track_count": float(n),
            "log_prev_first28": np.log1p(prev) if prev == prev else 0.0,
            "has_prev_first28": float(prev == prev),
            "log_artist_28d_before": np.log1p(artist_28) if artist_28 == artist_28 else 0.0,
            "has_artist_28d_before": float(artist_28 == artist_28),
            "previous_releases": float(len(before)),
            "touches_by_release": float(len(mine)),
            "log_spend_by_release": float(np.log1p(mine["spend_eur"].sum())),
            "release_month_sin": float(np.sin(2 * np.pi * day.month / 12)),
            "release_month_cos": float(np.cos(2 * np.pi * day.month / 12)),
            "label_key": str(r.label_key), "genre": str(r.genre),
            "prev_first28": prev,
        })
    return pd.DataFrame(rows, columns=["release_key", *FEATURES, "prev_first28"])


def load(marts: object) -> tuple[ReleaseData, pd.DataFrame]:
    """Releases and their features from anything with ``.frame(sql)``."""
    data = prepare(marts.frame(RELEASES), marts.frame(RELEASE_DAILY))
    return data, features(data, marts.frame(ARTIST_DAILY), marts.frame(TOUCHES))


def median_curve(data: ReleaseData, keys: pd.Index | None = None) -> np.ndarray:
    """The median cumulative share of the first 28 days' streams by day since release (last value 1)."""
    curves = data.curves if keys is None else data.curves.loc[data.curves.index.isin(keys)]
    totals = curves.sum(axis=1)
    curves = curves[totals > 0]
    if len(curves) == 0:
        return np.arange(1, WINDOW + 1) / WINDOW
    share = np.cumsum(curves.to_numpy(), axis=1) / curves.sum(axis=1).to_numpy()[:, None]
    median = np.maximum.accumulate(np.median(share, axis=0))
    return median / median[-1]


def baseline(data: ReleaseData, feats: pd.DataFrame, train: pd.Series) -> np.ndarray:
    """The label's median curve scaled by the artist's last release: first-28-day total per release. ``train``
    (bool per release) marks the releases whose first 28 days may be used (observed before the predicted ones)."""
    rel = data.releases
    known = rel[train & rel["observed"]]
    overall = float(known["first28"].median()) if len(known) else 0.0
    by_label = known.groupby("label_key")["first28"].median()
    prev = feats["prev_first28"].to_numpy(float)
    label_median = rel["label_key"].map(by_label).fillna(overall).to_numpy(float)
    return np.where(np.isnan(prev), label_median, prev)


def make_estimator(alpha: float = 50.0) -> object:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer([("numeric", StandardScaler(), NUMERIC),
                                 ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])
    return Pipeline([("columns", columns), ("ridge", Ridge(alpha=alpha))])


def fit(feats: pd.DataFrame, first28: np.ndarray) -> object:
    estimator = make_estimator()
    estimator.fit(feats[FEATURES], np.log1p(first28))
    return estimator


def predict(estimator: object, feats: pd.DataFrame) -> np.ndarray:
    if len(feats) == 0:
        return np.zeros(0)
    return np.clip(np.expm1(estimator.predict(feats[FEATURES])), 0, None)


@dataclasses.dataclass
class Backtest:
    """Held out by time: each scored release predicted by a model fitted only on releases whose first 28 days were
    complete before its release day."""

    rows: pd.DataFrame  # release_key, release_date, actual, model, baseline

    def scores(self) -> dict[str, float]:
        from ml.forecast import wape

        r = self.rows
        if len(r) == 0:
            return {"wape_model": float("nan"), "wape_baseline": float("nan"), "median_ape_model": float("nan"),
                    "median_ape_baseline": float("nan"), "releases": 0.0}
        actual = r["actual"].to_numpy(float)
        ape = lambda p: float(np.median(np.abs(p - actual) / np.maximum(actual, 1.0)))  # noqa: E731
        return {"wape_model": wape(actual, r["model"]), "wape_baseline": wape(actual, r["baseline"]),
                "median_ape_model": ape(r["model"].to_numpy(float)),
                "median_ape_baseline": ape(r["baseline"].to_numpy(float)), "releases": float(len(r))}


def backtest(data: ReleaseData, feats: pd.DataFrame, *, test_share: float = 0.5, use_baseline: bool = False
             ) -> Backtest:
    """Scores the latest ``test_share`` of the releases with observed first 28 days (at least MIN_TRAIN earlier
    ones must be complete before each); ``use_baseline`` puts the baseline in the model's place."""
    rel = data.releases
    observed = rel.index[rel["observed"]]
    n_test = int(np.ceil(len(observed) * test_share))
    out = []
    for i in observed[len(observed) - n_test:]:
        day = rel.at[i, "release_date"]
        train = rel["observed"] & (rel["release_date"] + pd.Timedelta(days=WINDOW - 1) < day)
        if train.sum() < MIN_TRAIN:
            continue
        base = baseline(data, feats, train)[i]
        if use_baseline:
            point = base
        else:
            estimator = fit(feats[train.to_numpy()], rel.loc[train, "first28"].to_numpy(float))
            point = float(predict(estimator, feats.iloc[[i]])[0])
        out.append({"release_key": rel.at[i, "release_key"], "release_date": day.date(),
                    "actual": float(rel.at[i, "first28"]), "model": point, "baseline": float(base)})
    return Backtest(pd.DataFrame(out, columns=["release_key", "release_date", "actual", "model", "baseline"]))


def forecast_table(data: ReleaseData, feats: pd.DataFrame, estimator: object | None,
                   log_residual_quantiles: tuple[float, float] | None = None) -> pd.DataFrame:
    """One row per release out in the usage window or later: the model's and the baseline's first-28-day streams
    (estimator None: the baseline's), an 80% interval from the backtest's log residuals (NULL without a
    backtest), and the streams observed so far (complete when ``days_observed`` is 28)."""
    rel = data.releases
    chosen = (rel["release_date"] >= pd.Timestamp(data.first_date)).to_numpy()
    train = rel["observed"]
    base = baseline(data, feats, train)
    point = predict(estimator, feats) if estimator is not None and len(feats) else base
    lo_q, hi_q = log_residual_quantiles if log_residual_quantiles is not None else (np.nan, np.nan)
    curve = median_curve(data)
    observed_days = np.clip((pd.Timestamp(data.last_date) - rel["release_date"]).dt.days + 1, 0, WINDOW)
    so_far = [float(data.curves.loc[k].to_numpy()[:d].sum()) if k in data.curves.index else np.nan
              for k, d in zip(rel["release_key"], observed_days, strict=True)]
    out = pd.DataFrame({
        "release_key": rel["release_key"], "release_title": rel["release_title"],
        "release_date": rel["release_date"].dt.date, "artist_key": rel["artist_key"],
        "artist_name": rel["artist_name"], "label_key": rel["label_key"], "track_count": rel["track_count"],
        "predicted_first_28d_streams": point,
        "predicted_first_28d_streams_lower": np.minimum(np.clip(np.expm1(np.log1p(point) + lo_q), 0, None), point),
        "predicted_first_28d_streams_upper": np.maximum(np.expm1(np.log1p(point) + hi_q), point),
        "predicted_first_7d_streams": point * curve[6],
        "baseline_first_28d_streams": base,
        "days_observed": observed_days.astype(int),
        "actual_first_28d_streams": np.where(rel["observed"], rel["first28"], np.nan),
        "streams_so_far": so_far,
    })
    return out[chosen].reset_index(drop=True)
