"""28-day daily stream forecast per track: one global gradient-boosted model, direct multi-horizon, with artist and
label roll-ups and a rolling-origin backtest against the seasonal-naive baseline.

Why this shape: tracks share their dynamics (release decay, weekly cycle, seasonal drift, the fading of a viral
bump) far more than they differ, so a single model over all tracks learns from every catalogue item, and
predicting each horizon directly (the horizon is a feature) avoids compounding errors of a recursive forecast.
The target is the log ratio to a robust recent level (the last 28 days' mean), which makes popular and niche tracks
comparable. Levels over several windows (7/14/28/56/91 days) and their ratios let the model tell noise (a spike in
the last week, which the seasonal-naive baseline repeats for four weeks) from a real trend (a rising seasonal
track, a decaying release). The track's age is counted from its catalogue release date, not from its first
observed day, so tracks released before the usage window are not mistaken for new ones.

Intervals are conformal: the log residuals of the earlier backtest origins (each forecast by a model fitted only
on data before it) give per-horizon-week quantiles, and their coverage is measured on the next origin. The
roll-ups sum the track forecasts per artist and per label; their intervals are calibrated the same way on the
summed series.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

HORIZON = 28
MIN_HISTORY = 28  # a track needs 28 days of observed streams before it gets a forecast
OLD_TRACK_DAYS = 90  # the split: tracks older than this at the origin are judged, younger reported
TRAIN_STEP = 7  # days between training origins

# the catalogue's tracks only: usage of an ISRC the catalogue does not hold (is_catalogue_match false) counts in the
# marts' totals, but it is nobody's track to forecast (no title, no label)
DAILY_STREAMS = """
    select isrc, usage_date, cast(sum(streams) as double precision) as streams
    from marts.fct_usage_daily where is_catalogue_match group by isrc, usage_date"""
# release date (the track's age), main artist and owning top-level label (the roll-ups' keys, as in the marts)
TRACKS = "select isrc, release_date, artist_key, artist_name, label_key, label_name from marts.dim_track"
FEATURES = ["horizon", "target_dow", "log_mean_7", "log_mean_14", "log_mean_28", "log_mean_56", "log_mean_91",
            "log_same_weekday", "trend_7_28", "trend_28_91", "trend_28_56", "log_max_7_over_28", "log_age",
            "log_target_age", "history_days"]


@dataclasses.dataclass
class Series:
    """Daily totals (tracks x days) with the first day each track streamed and its release day (day index from
    ``start``; negative for tracks released before the window)."""

    isrcs: list[str]
    start: dt.date
    values: np.ndarray  # float, shape (n_tracks, n_days)
    first_day: np.ndarray  # int index per track
    release_day: np.ndarray | None = None  # int index per track (may be negative)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, release_dates: pd.Series | None = None) -> Series:
        """frame: columns isrc, usage_date, streams (one row per track and day with usage); release_dates:
        isrc -> release date (the catalogue's), optional."""
        frame = frame.assign(usage_date=pd.to_datetime(frame["usage_date"]))
        start, end = frame["usage_date"].min(), frame["usage_date"].max()
        days = pd.date_range(start, end, freq="D")
        wide = frame.pivot_table(index="isrc", columns="usage_date", values="streams", aggfunc="sum")
        wide = wide.reindex(columns=days).fillna(0.0).sort_index()
        values = wide.to_numpy(dtype=float)
        first = np.argmax(values > 0, axis=1)
        release = first.copy()
        if release_dates is not None and len(release_dates):
            known = pd.to_datetime(release_dates.reindex(wide.index))
            offsets = ((known - start).dt.days).to_numpy()
            ok = ~pd.isna(offsets)
            release = np.where(ok, np.nan_to_num(offsets.astype(float), nan=0.0), first).astype(int)
            release = np.minimum(release, first)  # streams before the catalogue's date: trust the streams
        return cls(list(wide.index), start.date(), values, first, release)

    @property
    def n_days(self) -> int:
        return self.values.shape[1]

    @property
    def released(self) -> np.ndarray:
        return self.first_day if self.release_day is None else self.release_day

    def age_at(self, origin: int) -> np.ndarray:
        """Days since release at ``origin`` per track."""
        return origin - self.released


def load(marts: object) -> tuple[Series, dict[str, pd.Series], pd.DataFrame]:
    """The series, the roll-up groups (artist_key / label_key per track index) and the track attributes, from
    anything with ``.frame(sql)`` (a Dagster WarehouseResource, the evaluation's read-only DuckDB)."""
    tracks = marts.frame(TRACKS).drop_duplicates("isrc").set_index("isrc")
    series = Series.from_frame(marts.frame(DAILY_STREAMS), tracks["release_date"])
    attrs = tracks.reindex(series.isrcs)
    groups = {"artist": pd.Series(attrs["artist_key"].to_numpy()), "label": pd.Series(attrs["label_key"].to_numpy())}
    return series, groups, tracks


def _window_mean(y: np.ndarray, origin: int, days: int, first: np.ndarray) -> np.ndarray:
    """Mean of the last ``days`` days up to ``origin`` over the days the track existed (at least 1)."""
    lo = max(0, origin - days + 1)
    window = y[:, lo: origin + 1]
    start = np.clip(first - lo, 0, window.shape[1] - 1)
    counts = np.maximum(window.shape[1] - start, 1)
    cums = np.concatenate([np.zeros((len(y), 1)), np.cumsum(window, axis=1)], axis=1)
    total = cums[:, -1] - cums[np.arange(len(y)), start]
    return total / counts


def eligible_tracks(series: Series, origin: int) -> np.ndarray:
    return np.nonzero(origin - series.first_day >= MIN_HISTORY)[0]


def design(series: Series, origin: int, horizons: range = range(1, HORIZON + 1)) -> pd.DataFrame:
    """Feature rows for every track old enough at ``origin`` (the last observed day index) and each horizon."""
    eligible = eligible_tracks(series, origin)
    if len(eligible) == 0 or origin < MIN_HISTORY:
        return pd.DataFrame(columns=["track", "origin", *FEATURES])
    y = series.values[eligible]
    first = series.first_day[eligible]
    means = {d: _window_mean(y, origin, d, first) for d in (7, 14, 28, 56, 91)}
    logs = {d: np.log1p(m) for d, m in means.items()}
    max7 = y[:, origin - 6: origin + 1].max(axis=1)
    age = series.age_at(origin)[eligible]
    history = origin - first
    base = {
        "track": eligible, "origin": origin,
        **{f"log_mean_{d}": v for d, v in logs.items()},
        "trend_7_28": logs[7] - logs[28], "trend_28_91": logs[28] - logs[91], "trend_28_56": logs[28] - logs[56],
        "log_max_7_over_28": np.log1p(max7) - logs[28],
        "log_age": np.log1p(np.clip(age, 0, None)), "history_days": np.minimum(history, 365),
    }
    frames = []
    for h in horizons:
        same_weekday = origin + h - 7 * int(np.ceil(h / 7))
        frames.append(pd.DataFrame({
            **base, "horizon": h,
            "target_dow": (series.start + dt.timedelta(days=origin + h)).weekday(),
            "log_same_weekday": np.log1p(y[:, same_weekday]),
            "log_target_age": np.log1p(np.clip(age + h, 0, None)),
        }))
    return pd.concat(frames, ignore_index=True)


def targets(series: Series, rows: pd.DataFrame) -> np.ndarray:
    return series.values[rows["track"].to_numpy(int), (rows["origin"] + rows["horizon"]).to_numpy(int)]


def seasonal_naive(series: Series, rows: pd.DataFrame) -> np.ndarray:
    """The baseline: the last observed week repeated over the horizon."""
    same_weekday = rows["origin"] + rows["horizon"] - 7 * np.ceil(rows["horizon"] / 7).astype(int)
    return series.values[rows["track"].to_numpy(int), same_weekday.to_numpy(int)]


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |error| / sum |actual| (NaN when nothing streamed)."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    total = float(np.abs(actual).sum())
    return float(np.abs(actual - predicted).sum() / total) if total else float("nan")


@dataclasses.dataclass
class ForecastModel:
    estimator: object
    lower_log: np.ndarray  # per horizon, residual quantile on the log scale
    upper_log: np.ndarray

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        with single_thread():
            ratio = self.estimator.predict(rows[FEATURES].astype(float))
        return np.clip(np.expm1(ratio + rows["log_mean_28"].to_numpy(float)), 0, None)

    def interval(self, rows: pd.DataFrame, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return log_interval(point, rows["horizon"].to_numpy(int), self.lower_log, self.upper_log)


class SeasonalNaive:
    """The baseline in the model's place (``use_baseline``): predicts the last observed week again."""

    def __init__(self, series: Series) -> None:
        self.series = series

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        return seasonal_naive(self.series, rows) if len(rows) else np.zeros(0)


def log_interval(point: np.ndarray, horizon: np.ndarray, lower_log: np.ndarray, upper_log: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Bounds around ``point`` from log-residual quantiles; always lower <= point <= upper (a biased calibration
    origin can put both quantiles on one side of zero)."""
    h = np.asarray(horizon, dtype=int) - 1
    point = np.asarray(point, dtype=float)
    log_point = np.log1p(point)
    return (np.minimum(np.clip(np.expm1(log_point + lower_log[h]), 0, None), point),
            np.maximum(np.expm1(log_point + upper_log[h]), point))


def residual_quantiles(actual: np.ndarray, point: np.ndarray, horizon: np.ndarray, coverage: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Per-horizon log-residual quantiles, pooled by horizon week (7 days share a quantile, so each rests on 7x
    the rows: the tiny test catalogue still gets stable bounds)."""
    residual = np.log1p(actual) - np.log1p(point)
    week = (np.asarray(horizon, dtype=int) - 1) // 7
    alpha = (1 - coverage) / 2
    lower, upper = np.zeros(HORIZON), np.zeros(HORIZON)
    for w in range(int(np.ceil(HORIZON / 7))):
        chosen = residual[week == w]
        if len(chosen) == 0:
            chosen = residual if len(residual) else np.zeros(1)
        lower[w * 7:(w + 1) * 7] = np.quantile(chosen, alpha)
        upper[w * 7:(w + 1) * 7] = np.quantile(chosen, 1 - alpha)
    return lower[:HORIZON], upper[:HORIZON]


def training_origins(series: Series, last_origin: int) -> list[int]:
    """Training origins every TRAIN_STEP days back from ``last_origin`` (whose 28 target days end on the fitting
    cutoff), so the latest data is always used."""
    return sorted(range(last_origin, MIN_HISTORY - 1, -TRAIN_STEP))


def fit(series: Series, cutoff: int, random_state: int = 7) -> object:
    """A model fitted only on what is observed up to day ``cutoff`` (inclusive)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    origins = training_origins(series, cutoff - HORIZON)
    # each training origin contributes a quarter of the horizons (rotating with the origin, so every horizon is
    # seen every 4 weeks): neighbouring horizons of one origin are near-duplicates, and this quarters the cost
    rows = pd.concat([design(series, o, range(1 + (o // TRAIN_STEP) % 4, HORIZON + 1, 4)) for o in origins],
                     ignore_index=True) if origins else pd.DataFrame()
    if len(rows) < 50:
        raise ValueError(f"too little history to fit a forecast: {len(rows)} training rows up to day {cutoff}")
    target = np.log1p(targets(series, rows)) - rows["log_mean_28"].to_numpy(float)
    estimator = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.08, max_leaf_nodes=31,
                                              min_samples_leaf=40, l2_regularization=1.0,
                                              random_state=random_state)
    with single_thread():
        estimator.fit(rows[FEATURES].astype(float), target)
    return estimator


def single_thread() -> object:
    """One OpenMP thread for the boosting: the training sets are small (about 100k rows on the dev catalogue),
    and on a shared machine OpenMP's spinning workers waiting for busy cores cost far more than they save."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def rollup_frame(predictions: pd.DataFrame, groups: pd.Series, key: str) -> pd.DataFrame:
    """Sums the track rows (track, origin, horizon, actual?, point) per group (track index -> group key)."""
    frame = predictions.assign(**{key: groups.reindex(predictions["track"].to_numpy()).to_numpy()})
    frame = frame.dropna(subset=[key])
    columns = [c for c in ("actual", "point", "baseline") if c in frame]
    return frame.groupby([key, "origin", "horizon"], as_index=False)[columns].sum()


@dataclasses.dataclass
class Backtest:
    """Rolling-origin backtest: one row per (track, origin, horizon) scored, with age at the origin."""

    rows: pd.DataFrame  # track, origin, horizon, age, actual, point, baseline, lower, upper
    origins: list[int]
    rollup_quantiles: dict[str, tuple[np.ndarray, np.ndarray]]

    def scores(self, *, older: bool | None = None) -> dict[str, float]:
        rows = self.rows
        if older is not None:
            rows = rows[(rows["age"] > OLD_TRACK_DAYS) == older]
        inside = (rows["actual"] >= rows["lower"]) & (rows["actual"] <= rows["upper"])
        return {"wape_model": wape(rows["actual"], rows["point"]),
                "wape_seasonal_naive": wape(rows["actual"], rows["baseline"]),
                "interval_coverage": float(inside.mean()) if len(rows) else float("nan"),
                "rows": float(len(rows)), "tracks": float(rows["track"].nunique())}


def backtest(series: Series, *, n_origins: int = 4, coverage: float = 0.9, use_baseline: bool = False,
             groups: dict[str, pd.Series] | None = None, random_state: int = 7) -> Backtest:
    """Rolling-origin backtest over the last ``n_origins`` non-overlapping 28-day windows. At each origin the
    model is fitted on data up to that origin only; its intervals come from the residuals of every earlier origin
    (the first, one window before the scored ones, is fitted for that only: one more origin is fitted than scored).
    ``use_baseline`` scores the seasonal-naive forecast in the model's place (intervals calibrated the same way).
    ``groups`` (name -> track index -> key) scores roll-ups: the track forecasts summed per key."""
    last = series.n_days - 1
    all_origins = [last - HORIZON * k for k in range(n_origins + 1, 0, -1)]
    all_origins = [o for o in all_origins if o - HORIZON >= MIN_HISTORY + TRAIN_STEP]
    if len(all_origins) < 2:
        raise ValueError(f"need more history for a rolling backtest: {series.n_days} days")
    scored: list[pd.DataFrame] = []
    earlier: list[pd.DataFrame] = []
    for origin in all_origins:
        rows = design(series, origin)
        model = SeasonalNaive(series) if use_baseline else ForecastModel(fit(series, origin, random_state),
                                                                         np.zeros(HORIZON), np.zeros(HORIZON))
        frame = pd.DataFrame({"track": rows["track"].to_numpy(int), "origin": origin,
                              "horizon": rows["horizon"].to_numpy(int),
                              "age": series.age_at(origin)[rows["track"].to_numpy(int)],
                              "actual": targets(series, rows), "point": model.predict(rows),
                              "baseline": seasonal_naive(series, rows)})
        if earlier and len(frame):
            lower, upper = interval_quantiles(earlier, coverage)
            frame["lower"], frame["upper"] = log_interval(frame["point"].to_numpy(), frame["horizon"].to_numpy(),
                                                          lower, upper)
            scored.append(frame)
        earlier.append(frame)
    rows = pd.concat(scored, ignore_index=True)
    quantiles: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, group in (groups or {}).items():
        summed = rollup_frame(rows, group, "key")
        if len(summed):
            quantiles[name] = residual_quantiles(summed["actual"].to_numpy(), summed["point"].to_numpy(),
                                                 summed["horizon"].to_numpy(), coverage)
    return Backtest(rows, all_origins[1:], quantiles)


def interval_quantiles(earlier: list[pd.DataFrame], coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles from every earlier origin's residuals (each forecast by a model that had not seen them): more
    than one window, so one quiet month does not make the next month's intervals too narrow."""
    pooled = pd.concat(earlier, ignore_index=True)
    return residual_quantiles(pooled["actual"].to_numpy(), pooled["point"].to_numpy(), pooled["horizon"].to_numpy(),
                              coverage)


def rollup_scores(bt: Backtest, group: pd.Series) -> dict[str, float]:
    """WAPE of the summed forecasts per group key (model and seasonal-naive) over the backtest."""
    summed = rollup_frame(bt.rows, group, "key")
    return {"wape_model": wape(summed["actual"], summed["point"]),
            "wape_seasonal_naive": wape(summed["actual"], summed["baseline"]), "groups": float(summed["key"].nunique())}


def train_final(series: Series, bt: Backtest, *, coverage: float = 0.9, random_state: int = 7) -> ForecastModel:
    """The production model: fitted on everything observed; intervals from all the backtest's residuals."""
    lower, upper = interval_quantiles([bt.rows], coverage)
    return ForecastModel(fit(series, series.n_days - 1, random_state), lower, upper)


def forecast(model: ForecastModel, series: Series) -> pd.DataFrame:
    """The next 28 days after the last observed day, per track (tracks with less than 28 days of streams are
    skipped). Keeps the track index (``track``) for the roll-ups."""
    origin = series.n_days - 1
    rows = design(series, origin)
    point = model.predict(rows)
    lo, hi = model.interval(rows, point) if len(rows) else (np.zeros(0), np.zeros(0))
    dates = [series.start + dt.timedelta(days=int(origin + h)) for h in rows["horizon"]]
    return pd.DataFrame({
        "track": rows["track"].to_numpy(int),
        "isrc": [series.isrcs[i] for i in rows["track"]],
        "forecast_date": dates,
        "horizon_days": rows["horizon"].astype(int).to_numpy(),
        "predicted_streams": point,
        "predicted_streams_lower": lo,
        "predicted_streams_upper": hi,
    })


def rollup_forecast(predictions: pd.DataFrame, group: pd.Series, key: str,
                    quantiles: tuple[np.ndarray, np.ndarray] | None) -> pd.DataFrame:
    """Track forecasts summed per group (artist or label) and day, with intervals calibrated on the summed
    backtest residuals (summing track bounds would assume every track errs the same way at once)."""
    columns = [key, "forecast_date", "horizon_days", "tracks", "predicted_streams", "predicted_streams_lower",
               "predicted_streams_upper"]
    if len(predictions) == 0:
        return pd.DataFrame(columns=columns)
    frame = predictions.assign(**{key: group.reindex(predictions["track"].to_numpy()).to_numpy()}).dropna(
        subset=[key])
    out = frame.groupby([key, "forecast_date", "horizon_days"], as_index=False).agg(
        tracks=("track", "nunique"), predicted_streams=("predicted_streams", "sum"),
        lower_sum=("predicted_streams_lower", "sum"), upper_sum=("predicted_streams_upper", "sum"))
    if quantiles is None:
        lo, hi = out["lower_sum"].to_numpy(), out["upper_sum"].to_numpy()
    else:
        lo, hi = log_interval(out["predicted_streams"].to_numpy(), out["horizon_days"].to_numpy(), *quantiles)
    out["predicted_streams_lower"] = np.minimum(lo, out["predicted_streams"])
    out["predicted_streams_upper"] = np.maximum(hi, out["predicted_streams"])
    return out[columns]
