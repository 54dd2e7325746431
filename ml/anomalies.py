"""Anomalies in daily streams: spikes, drops and missing days of one track x platform x territory series.

Why a control and not each series on its own: almost everything that moves a series legitimately moves the whole
track at once -- the release spike, a viral bump, seasonality, the weekly cycle, a worldwide campaign. The
generator (and reality, to a good approximation) has expected streams ``share[series] x intensity[track, day]``:
a track's split over platforms and territories is stable while its level moves. So each series is compared with
the *same track's other series* on the same day: a robust rank-1 fit per track gives each series' share and the
track's daily level, the level for a series being estimated from the others only (leave-one-out), and cells that
deviate strongly are kept out of the fit so an anomaly cannot hide by pulling its own control. What is left, a
slow drift of one series' share (a campaign in one territory, a playlist pitch on one platform), is taken out by a
local, robust correction over a few weeks. The residual is then judged against Poisson noise plus a small model
error, day by day, and consecutive flagged days become one event.

Missing days: a series expected well above zero with no row at all, on a day its platform reports the same
track's other territories. A platform whose report is missing for a whole period (a late, rejected or never
delivered file) reports nothing on those days, so its series are not judged there: no false "missing" flood.

The baseline (:func:`baseline_detect`) is what a first attempt does: a z-score of each series' raw values against
its own mean and standard deviation, and every day without a row inside a series' active span counted missing.
It flags every release spike, seasonal peak and report gap, which is why the control matters.

``busy`` series (the issue's judged population): median daily streams >= 50, the median taken over the series'
days *with usage* (days with a row), so a series that starts late or is absent during a report gap is judged on
its real level.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

# the marts' daily grain (one row per day, recording, platform, territory); catalogue tracks only: usage of ISRCs
# the catalogue does not hold is nobody's series to alert on
DAILY_SQL = """
    select isrc, platform_code as platform, territory_code as territory, usage_date,
           cast(sum(streams) as double precision) as streams
    from marts.fct_usage_daily
    where is_catalogue_match
    group by isrc, platform_code, territory_code, usage_date"""

KINDS = ("spike", "drop", "missing")
PRIOR_STREAMS = 20.0  # pseudo-streams of the shrinkage priors (the track's level, a series' local share)
BUSY_MEDIAN = 50.0
EVENT_COLUMNS = ["isrc", "platform", "territory", "start_date", "end_date", "kind", "observed_streams",
                 "expected_streams", "score", "series_median"]


@dataclasses.dataclass(frozen=True)
class Params:
    """Thresholds. Day thresholds are loose (a long event should not break into pieces on one quieter day);
    the event threshold is strict (a false alarm costs an analyst's attention)."""

    model_error: float = 0.03  # relative error of the expected value on top of Poisson noise (measured ~0.01)
    window_days: int = 10  # half-width of the local share correction (days)
    day_z: float = 2.5  # |z| a day needs to be a candidate
    spike_ratio: float = 1.3  # observed / expected for a spike day
    drop_ratio: float = 0.7  # ... and for a drop day
    # |z| of the event's summed streams to report a spike or a drop. Set for the whole warehouse, not one series:
    # ~4e6 series-days are tested, and a normal tail beyond 5.5 has probability 3.8e-8 (~0.15 chance events per
    # run); at 5.0 it would be ~2 false events per run, on any series, busy ones included
    event_z: float = 5.5
    # what legitimate data can do to one series on its own: a restated month moves single rows by -30% .. +15%,
    # a campaign in one territory lifts it by a few tens of percent (mostly absorbed by the local correction).
    # An event must also be significant against expected x these factors, not only against expected
    benign_drop: float = 0.7
    benign_spike: float = 1.3
    benign_z: float = 2.0
    missing_expected: float = 20.0  # expected streams summed over the missing days to report them
    missing_day_expected: float = 2.0  # expected streams a missing day needs to be a candidate
    outlier_z: float = 3.0  # cells kept out of the fit
    min_excess_streams: float = 10.0  # |observed - expected| over the event: fewer is nobody's concern


DEFAULT = Params()


def series_medians(daily: pd.DataFrame) -> pd.Series:
    """Median daily streams per (isrc, platform, territory) over the days with usage (the rows): what decides
    whether a series is busy (>= BUSY_MEDIAN)."""
    frame = daily.groupby(["isrc", "platform", "territory", "usage_date"])["streams"].sum().reset_index()
    return frame.groupby(["isrc", "platform", "territory"])["streams"].median()


# --- the model ----------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Cube:
    """The daily streams as dense arrays: ``y`` (days x series), ``present`` (a row exists), ``reported`` (the
    series' platform delivered anything that day), ``track_reported`` (it reported this track, any territory)."""

    days: pd.DatetimeIndex
    series: pd.DataFrame  # isrc, platform, territory per column
    y: np.ndarray
    present: np.ndarray
    reported: np.ndarray
    track_reported: np.ndarray

    @classmethod
    def from_frame(cls, daily: pd.DataFrame) -> Cube:
        # integer codes instead of a pandas group-by on three string keys and a date (3e6 rows: seconds)
        codes = [pd.factorize(daily[c], sort=True) for c in ("isrc", "platform", "territory")]
        n_p, n_t = len(codes[1][1]), len(codes[2][1])
        key = (codes[0][0].astype(np.int64) * n_p + codes[1][0]) * n_t + codes[2][0]
        keys, col = np.unique(key, return_inverse=True)
        series = pd.DataFrame({"isrc": codes[0][1][keys // (n_p * n_t)],
                               "platform": codes[1][1][(keys // n_t) % n_p],
                               "territory": codes[2][1][keys % n_t]})
        dates = pd.to_datetime(daily["usage_date"]).to_numpy().astype("datetime64[D]")
        days = pd.date_range(pd.Timestamp(dates.min()), pd.Timestamp(dates.max()), freq="D")
        row = (dates - dates.min()).astype(np.int64)
        y = np.zeros((len(days), len(series)))
        np.add.at(y, (row, col), daily["streams"].to_numpy(dtype=float))  # duplicates add up
        present = np.zeros_like(y, dtype=bool)
        present[row, col] = True
        # the platform delivered that day (any track); and it delivered this track that day (any territory)
        platforms = series["platform"].to_numpy()
        reported = np.zeros_like(present)
        for p in np.unique(platforms):
            cols = platforms == p
            reported[:, cols] = present[:, cols].any(axis=1, keepdims=True)
        track_reported = np.zeros_like(present)
        for _, cols in series.groupby(["isrc", "platform"]).indices.items():
            track_reported[:, cols] = present[:, cols].any(axis=1, keepdims=True)
        return cls(days, series, y, present, reported, track_reported)

    def medians(self) -> np.ndarray:
        """Median daily streams of each series over its days with usage (see the module docstring)."""
        return np.nanmedian(np.where(self.present, self.y, np.nan), axis=0)


def _weighted_median_rows(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row, the weighted median of ``values`` (NaN = absent); NaN where a row has nothing."""
    w = np.where(np.isnan(values), 0.0, np.broadcast_to(weights, values.shape))
    order = np.argsort(np.where(np.isnan(values), np.inf, values), axis=1)
    v_sorted = np.take_along_axis(values, order, axis=1)
    cum = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    total = cum[:, -1:]
    idx = np.minimum((cum < total / 2).sum(axis=1), values.shape[1] - 1)
    out = v_sorted[np.arange(len(values)), idx]
    return np.where(total[:, 0] > 0, out, np.nan)


def _rank1(y: np.ndarray, w: np.ndarray, a: np.ndarray, iterations: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Poisson maximum likelihood of ``y ~ a[series] * b[day]`` on the cells ``w``, from shares ``a``."""
    b = np.zeros(len(y))
    for _ in range(iterations):
        den = w @ a
        b = np.divide((w * y).sum(axis=1), den, out=np.zeros(len(y)), where=den > 0)
        den = b @ w
        # half a stream over the whole period: a series whose few streams were all set aside as outliers keeps a
        # small share instead of none (with none, any stream would be infinitely surprising)
        a = np.divide((w * y).sum(axis=0) + 0.5, den, out=np.zeros_like(a), where=den > 0)
    return a, b


def _z(y: np.ndarray | float, e: np.ndarray | float, kappa: float) -> np.ndarray:
    """Signed Poisson deviance residual, shrunk for the expected value's own error (relative ``kappa``).

    Why the deviance and not (y - e) / sqrt(e): for small expected values the Poisson upper tail is far heavier
    than a normal one (13 streams where 3 are expected is a 1e-5 event, not a 5.8-sigma one), and over millions of
    series-days the naive z floods the long tail with false spikes. The deviance residual has near-normal tails.
    Dividing by sqrt(1 + kappa^2 e) turns it into the residual of an overdispersed Poisson with variance
    e + (kappa e)^2: on busy series the expected value's error dominates the counting noise."""
    y = np.asarray(y, dtype=float)
    e = np.maximum(np.asarray(e, dtype=float), 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / e), 0.0) - (y - e)
    return np.sign(y - e) * np.sqrt(np.maximum(2.0 * term, 0.0)) / np.sqrt(1.0 + kappa ** 2 * e)


def _rolling_sum(x: np.ndarray, half: int) -> np.ndarray:
    """Centered sum over +-half days, per column (edges: what is there)."""
    c = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), x]), axis=0)
    n = len(x)
    hi = np.minimum(np.arange(n) + half + 1, n)
    lo = np.maximum(np.arange(n) - half, 0)
    return c[hi] - c[lo]


def expected_track(y: np.ndarray, reported: np.ndarray, params: Params = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Expected streams (days x series) of one track's series from the track's other series, and the cells used
    to fit (inliers). NaN where a series has no control (its platform did not report, or it is the only one)."""
    obs = reported.astype(float)
    total = (y * obs).sum(axis=1, keepdims=True)
    a = np.divide((y * obs).sum(axis=0), (total * obs).sum(axis=0), out=np.zeros(y.shape[1]),
                  where=(total * obs).sum(axis=0) > 0)
    # robust first level: a weighted median over the series of y / share (no series may dominate it)
    cap = 0.3 * a.sum()
    ratio = np.where(reported & (a > 0), y / np.where(a > 0, a, 1.0), np.nan)
    b = _weighted_median_rows(ratio, np.minimum(a, cap))
    b = np.nan_to_num(b)
    inlier = reported.copy()
    for _ in range(2):
        e = a[None, :] * b[:, None]
        z = _z(y, e, params.model_error * 2)
        r = (y + 1.0) / (e + 1.0)
        inlier = reported & ~((np.abs(z) > params.outlier_z) & ((r > 1.25) | (r < 0.8)))
        a, b = _rank1(y, inlier.astype(float), a)
    w = inlier.astype(float)
    scale = a.sum()
    if scale <= 0:
        return np.full(y.shape, np.nan), inlier
    a, b = a / scale, b * scale  # shares sum to 1: b is the track's level in streams a day
    # leave-one-out level: a series is never its own control. On a small track one day of the other series is
    # a noisy level (all of them may be 0), so it is shrunk toward the track's level of the surrounding days
    # with the weight of PRIOR_STREAMS streams (a Gamma prior): negligible for a busy track
    num = (w * y).sum(axis=1, keepdims=True) - w * y
    den = (w @ a)[:, None] - w * a[None, :]
    days = _rolling_sum(w.sum(axis=1, keepdims=True) > 0, 7)[:, 0]
    smooth = np.maximum(_rolling_sum(b[:, None], 7)[:, 0] / np.maximum(days, 1.0), 1e-9)
    prior = np.minimum(PRIOR_STREAMS / smooth, 1.0)[:, None]  # in share units, never more than the whole track
    has_control = den > 1e-6
    e = np.where(has_control, a[None, :] * (num + prior * smooth[:, None]) / (den + prior), np.nan)
    # local share drift (a campaign in one territory, a pitch on one platform): robust ratio over a few weeks
    e0 = np.nan_to_num(e)
    ok = w * np.isfinite(e)
    sy = _rolling_sum(ok * y, params.window_days)
    se = _rolling_sum(ok * e0, params.window_days)
    e = e * (sy + PRIOR_STREAMS) / (se + PRIOR_STREAMS)
    e = np.where(reported, e, np.nan)
    return e, inlier


def expected(cube: Cube, params: Params = DEFAULT) -> np.ndarray:
    """Expected streams (days x series) for every series of the cube, track by track."""
    out = np.full(cube.y.shape, np.nan)
    for _, cols in cube.series.groupby("isrc").indices.items():
        if len(cols) < 2:
            continue
        out[:, cols], _ = expected_track(cube.y[:, cols], cube.reported[:, cols], params)
    return out


def score_from_z(z: np.ndarray | float) -> np.ndarray | float:
    """A 0..1 confidence from the event's |z| (monotone; ~0.42 at the reporting threshold |z| = 5.5, ~0.95 from 30)."""
    return 1.0 - np.exp(-np.abs(z) / 10.0)


def _column_runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(series, first day, last day) of every run of True down the columns of ``flags`` (days x series)."""
    pad = np.zeros((1, flags.shape[1]), dtype=np.int8)
    change = np.diff(np.vstack([pad, flags.astype(np.int8), pad]), axis=0)
    s_start, t_start = np.nonzero(change.T == 1)  # ordered by series, then day
    _, t_end = np.nonzero(change.T == -1)
    return s_start, t_start, t_end - 1


def events_from(cube: Cube, e: np.ndarray, params: Params = DEFAULT) -> pd.DataFrame:
    """Group flagged days into events and keep those strong enough (see :class:`Params`)."""
    y, k = cube.y, params.model_error
    z = _z(y, e, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (y + 0.5) / (e + 0.5)
    finite = np.isfinite(e)
    high = finite & cube.present & (z >= params.day_z) & (ratio >= params.spike_ratio)
    absent = finite & cube.track_reported & ~cube.present & (e >= params.missing_day_expected)
    low = (finite & cube.present & (z <= -params.day_z) & (ratio <= params.drop_ratio)) | absent
    # run sums from cumulative sums down the days
    zero = np.zeros((1, y.shape[1]))
    cum_y = np.vstack([zero, np.cumsum(y, axis=0)])
    cum_e = np.vstack([zero, np.cumsum(np.nan_to_num(e), axis=0)])
    cum_p = np.vstack([zero, np.cumsum(cube.present, axis=0)])
    medians = cube.medians()
    frames = []
    for direction, flags in (("spike", high), ("drop", low)):
        s, first, last = _column_runs(flags)
        obs = cum_y[last + 1, s] - cum_y[first, s]
        exp_ = cum_e[last + 1, s] - cum_e[first, s]
        rows_present = cum_p[last + 1, s] - cum_p[first, s]
        z_event = _z(obs, exp_, k)
        if direction == "spike":
            z_benign = _z(obs, params.benign_spike * exp_, k)
            keep = (z_event >= params.event_z) & (z_benign >= params.benign_z)
            kind = np.full(len(s), "spike", dtype=object)
        else:
            z_benign = _z(obs, params.benign_drop * exp_, k)
            missing = rows_present == 0  # no row at all on any of its days
            keep = np.where(missing, exp_ >= params.missing_expected,
                            (z_event <= -params.event_z) & (z_benign <= -params.benign_z))
            kind = np.where(missing, "missing", "drop").astype(object)
        keep &= (np.abs(obs - exp_) >= params.min_excess_streams) | (kind == "missing")
        idx = np.nonzero(keep)[0]
        frames.append(pd.DataFrame({
            "isrc": cube.series["isrc"].to_numpy()[s[idx]], "platform": cube.series["platform"].to_numpy()[s[idx]],
            "territory": cube.series["territory"].to_numpy()[s[idx]],
            "start_date": cube.days[first[idx]].date, "end_date": cube.days[last[idx]].date,
            "kind": kind[idx], "observed_streams": obs[idx], "expected_streams": exp_[idx],
            "score": score_from_z(z_event[idx]), "series_median": medians[s[idx]]}))
    return _event_frame(pd.concat(frames, ignore_index=True))


def _event_frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return out.sort_values(["start_date", "isrc", "platform", "territory", "kind"]).reset_index(drop=True)


def detect(daily: pd.DataFrame, params: Params = DEFAULT) -> pd.DataFrame:
    """One row per detected event (columns ``EVENT_COLUMNS``) from daily streams (isrc, platform, territory,
    usage_date, streams: :data:`DAILY_SQL`). ``score`` is a 0..1 confidence; ``series_median`` the series'
    median daily streams on its days with usage."""
    if daily.empty:
        return _event_frame([])
    cube = Cube.from_frame(daily)
    return events_from(cube, expected(cube, params), params)


# --- the baseline -------------------------------------------------------------------------------------------------


def baseline_detect(daily: pd.DataFrame, z_threshold: float = 3.0) -> pd.DataFrame:
    """Per-series z-score of the raw daily values (no control, no seasonality), and every day without a row
    between a series' first and last row counted missing: the naive detector the model must beat."""
    if daily.empty:
        return _event_frame([])
    cube = Cube.from_frame(daily)
    y = np.where(cube.present, cube.y, np.nan)
    mean, std = np.nanmean(y, axis=0), np.nanstd(y, axis=0)
    z = (cube.y - mean) / np.where(std > 0, std, 1.0)
    idx = np.arange(len(cube.days))[:, None]
    first = np.argmax(cube.present, axis=0)
    last = len(cube.days) - 1 - np.argmax(cube.present[::-1], axis=0)
    inside = (idx >= first) & (idx <= last)
    flags = {"spike": cube.present & (z >= z_threshold), "drop": cube.present & (z <= -z_threshold),
             "missing": inside & ~cube.present}
    medians = cube.medians()
    cum_y = np.vstack([np.zeros((1, y.shape[1])), np.cumsum(cube.y, axis=0)])
    frames = []
    for kind, flag in flags.items():
        s, first, last = _column_runs(flag)
        obs = cum_y[last + 1, s] - cum_y[first, s]
        exp_ = mean[s] * (last - first + 1)
        zz = np.abs(z[first, s]) if kind != "missing" else np.full(len(s), z_threshold)
        frames.append(pd.DataFrame({
            "isrc": cube.series["isrc"].to_numpy()[s], "platform": cube.series["platform"].to_numpy()[s],
            "territory": cube.series["territory"].to_numpy()[s], "start_date": cube.days[first].date,
            "end_date": cube.days[last].date, "kind": kind, "observed_streams": obs, "expected_streams": exp_,
            "score": score_from_z(zz), "series_median": medians[s]}))
    return _event_frame(pd.concat(frames, ignore_index=True))


# --- matching and a planted-event self-check ------------------------------------------------------------------------


def match_events(detected: pd.DataFrame, truth: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(each detected event matched?, each true event matched?): same series, same kind, overlapping dates.
    ``truth`` has isrc, platform, territory, kind, start, end."""
    hit_detected = np.zeros(len(detected), dtype=bool)
    hit_truth = np.zeros(len(truth), dtype=bool)
    if detected.empty or truth.empty:
        return hit_detected, hit_truth
    d = detected.reset_index(drop=True).reset_index(names="_d")
    t = truth[["isrc", "platform", "territory", "kind", "start", "end"]].reset_index(drop=True).reset_index(
        names="_t")
    pairs = d.merge(t, on=["isrc", "platform", "territory", "kind"])
    pairs = pairs[(pairs["start_date"] <= pairs["end"]) & (pairs["end_date"] >= pairs["start"])]
    hit_detected[pairs["_d"].to_numpy()] = True
    hit_truth[pairs["_t"].to_numpy()] = True
    return hit_detected, hit_truth


def plant(daily: pd.DataFrame, n_events: int = 30, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A copy of ``daily`` with ``n_events`` synthetic anomalies on distinct busy series, and their truth.

    Why: the warehouse has no labels, so the asset checks itself the way the issue judges it -- events of the
    issue's kinds and sizes (spikes 1.5-10x, drops 0.05-0.5x, missing days; 1-7 days) planted into real busy
    series, on days the series has rows, then looked for. Streams are resampled as the platforms would count
    them: a drop thins each stream (binomial), a spike adds Poisson streams."""
    rng = np.random.default_rng(seed)
    frame = daily.reset_index(drop=True).copy()
    frame["usage_date"] = pd.to_datetime(frame["usage_date"])
    keys = ["isrc", "platform", "territory"]
    stats = frame.groupby(keys)["streams"].agg(["median", "size"])
    busy = stats[(stats["median"] >= BUSY_MEDIAN) & (stats["size"] >= 60)].index
    if len(busy) == 0:
        return daily, pd.DataFrame(columns=[*keys, "kind", "start", "end", "factor"])
    chosen = rng.choice(len(busy), size=min(n_events, len(busy)), replace=False)
    groups = frame.groupby(keys).indices
    drop_rows: list[np.ndarray] = []
    truth = []
    streams = frame["streams"].to_numpy(dtype=float).copy()
    for i, c in enumerate(chosen):
        key = busy[c]
        rows = groups[key]
        rows = rows[np.argsort(frame["usage_date"].to_numpy()[rows])]
        length = int(rng.integers(1, 8))
        first = int(rng.integers(14, max(15, len(rows) - length - 14)))
        span = rows[first:first + length]
        dates = frame["usage_date"].to_numpy()[span]
        if (dates[-1] - dates[0]) / np.timedelta64(1, "D") != len(span) - 1:  # not consecutive days: skip
            continue
        kind = KINDS[i % 3]
        if kind == "spike":
            factor = float(rng.uniform(1.5, 10.0))
            streams[span] += rng.poisson(streams[span] * (factor - 1.0))
        elif kind == "drop":
            factor = float(rng.uniform(0.05, 0.5))
            streams[span] = rng.binomial(streams[span].astype(np.int64), factor)
        else:
            factor = 0.0
            drop_rows.append(span)
        truth.append({"isrc": key[0], "platform": key[1], "territory": key[2], "kind": kind,
                      "start": pd.Timestamp(dates[0]).date(), "end": pd.Timestamp(dates[-1]).date(),
                      "factor": factor})
    frame["streams"] = streams
    if drop_rows:
        frame = frame.drop(index=np.concatenate(drop_rows))
    frame = frame[frame["streams"] > 0]  # a row with no stream is not delivered
    return frame, pd.DataFrame(truth)


def planted_check(daily: pd.DataFrame, params: Params = DEFAULT, n_events: int = 30, seed: int = 0
                  ) -> dict[str, float]:
    """Recall of planted events and precision on the planted busy series (see :func:`plant`)."""
    planted, truth = plant(daily, n_events, seed)
    if truth.empty:
        return {"planted_events": 0.0, "planted_recall": float("nan"), "planted_miss_rate": float("nan")}
    found = detect(planted, params)
    on_planted = found.merge(truth[["isrc", "platform", "territory"]].drop_duplicates(),
                             on=["isrc", "platform", "territory"])
    hit_d, hit_t = match_events(on_planted, truth)
    recall = float(hit_t.mean())
    out = {"planted_events": float(len(truth)), "planted_recall": recall, "planted_miss_rate": 1.0 - recall,
           "planted_series_precision": float(hit_d.mean()) if len(hit_d) else float("nan")}
    for kind in KINDS:
        mask = (truth["kind"] == kind).to_numpy()
        out[f"planted_recall_{kind}"] = float(hit_t[mask].mean()) if mask.any() else float("nan")
    return out


# --- an sklearn-compatible face, for MLflow's registry ---------------------------------------------------------------


def _make_estimator_class() -> type:
    """Build :class:`StreamAnomalyDetector` on first use: scikit-learn is imported only when the registry needs
    it, not whenever this module is (Dagster loads every asset module at start-up)."""
    from sklearn.base import BaseEstimator

    class StreamAnomalyDetector(BaseEstimator):
        """:func:`detect` as a scikit-learn estimator, so the registry holds the detector with its thresholds.

        ``fit`` learns nothing (the control is re-estimated from whatever daily frame ``predict`` gets: it is
        self-referencing by design) but checks the frame's columns; ``predict`` labels each input row with the
        kind of the detected event covering it ("spike", "drop") or "none". Missing days have no row to label:
        they are in :func:`detect`'s events."""

        def __init__(self, model_error: float = DEFAULT.model_error, window_days: int = DEFAULT.window_days,
                     day_z: float = DEFAULT.day_z, event_z: float = DEFAULT.event_z,
                     missing_expected: float = DEFAULT.missing_expected) -> None:
            self.model_error = model_error
            self.window_days = window_days
            self.day_z = day_z
            self.event_z = event_z
            self.missing_expected = missing_expected

        def detector_params(self) -> Params:
            return dataclasses.replace(DEFAULT, model_error=self.model_error, window_days=self.window_days,
                                       day_z=self.day_z, event_z=self.event_z,
                                       missing_expected=self.missing_expected)

        def fit(self, X: pd.DataFrame, y: Any = None) -> Any:
            missing = {"isrc", "platform", "territory", "usage_date", "streams"} - set(X.columns)
            if missing:
                raise ValueError(f"daily streams need the columns {sorted(missing)}")
            self.n_features_in_ = 5
            return self

        def predict(self, X: pd.DataFrame) -> np.ndarray:
            events = detect(X, self.detector_params())
            out = np.full(len(X), "none", dtype=object)
            if events.empty:
                return out
            dates = pd.to_datetime(X["usage_date"]).dt.date.to_numpy()
            series = (X["isrc"].astype(str) + "|" + X["platform"].astype(str) + "|" + X["territory"].astype(str)
                      ).to_numpy()
            for ev in events.itertuples():
                if ev.kind == "missing":
                    continue
                hit = (series == f"{ev.isrc}|{ev.platform}|{ev.territory}") & (dates >= ev.start_date) & (
                    dates <= ev.end_date)
                out[hit] = ev.kind
            return out

    StreamAnomalyDetector.__module__ = __name__
    StreamAnomalyDetector.__qualname__ = "StreamAnomalyDetector"
    return StreamAnomalyDetector


_LAZY: dict[str, type] = {}


def __getattr__(name: str) -> Any:
    """``ml.anomalies.StreamAnomalyDetector`` (skops and MLflow find it by that name), built on first access."""
    if name == "StreamAnomalyDetector":
        if name not in _LAZY:
            _LAZY[name] = _make_estimator_class()
        return _LAZY[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
