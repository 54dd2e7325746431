"""The track forecast (ml/forecast.py) and its evaluation (ml/evaluation/forecasting.py) on synthetic series: the
figures on known numbers, and the acceptance swap: the model passes the 20% WAPE target over seasonal-naive, its
baseline in its place misses it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ml import forecast as fc
from ml.evaluation.forecasting import figures

START = dt.date(2025, 1, 6)  # a Monday


def synthetic(n_tracks: int = 24, days: int = 260, seed: int = 3) -> tuple[fc.Series, dict[str, pd.Series]]:
    """Quiet Poisson tracks (10-60 streams a day, weekly cycle, slow drift), two released late (young at the
    last origins), and a one-off spike in some last weeks: the seasonal-naive forecast repeats a single noisy
    week, a model that reads longer windows does not."""
    rng = np.random.default_rng(seed)
    weekly = np.array([0.9, 0.95, 1.0, 1.0, 1.15, 1.1, 0.9])
    t = np.arange(days)
    rows, release = [], {}
    for i in range(n_tracks):
        isrc = f"QZ00025{i:05d}"
        born = days - 60 if i < 2 else -400
        level = rng.uniform(10, 60) * (1 + 0.3 * np.sin(2 * np.pi * t / 365 + rng.uniform(0, 6)))
        lam = level * weekly[(t + START.weekday()) % 7] * (t >= born)
        y = rng.poisson(lam).astype(float)
        y[rng.integers(30, days)] *= 6  # a one-day spike somewhere
        release[isrc] = START + dt.timedelta(days=born)
        rows += [(isrc, START + dt.timedelta(days=int(d)), v) for d, v in zip(t, y, strict=True) if v > 0]
    frame = pd.DataFrame(rows, columns=["isrc", "usage_date", "streams"])
    series = fc.Series.from_frame(frame, pd.Series(release))
    groups = {"artist": pd.Series([f"A{i % 5}" for i in range(n_tracks)]),
              "label": pd.Series([f"L{i % 2}" for i in range(n_tracks)])}
    return series, groups


@pytest.fixture(scope="module")
def data() -> tuple[fc.Series, dict[str, pd.Series]]:
    return synthetic()


@pytest.fixture(scope="module")
def model_backtest(data) -> fc.Backtest:
    series, groups = data
    return fc.backtest(series, n_origins=2, groups=groups)


def test_wape_on_known_numbers() -> None:
    assert fc.wape(np.array([10.0, 20.0]), np.array([12.0, 15.0])) == pytest.approx(7 / 30)
    assert np.isnan(fc.wape(np.zeros(2), np.ones(2)))


def test_seasonal_naive_repeats_the_last_week() -> None:
    values = np.arange(40, dtype=float)[None, :]
    series = fc.Series(["X"], START, values, np.array([0]), np.array([0]))
    rows = pd.DataFrame({"track": [0] * 8, "origin": [30] * 8, "horizon": [1, 2, 7, 8, 14, 15, 22, 28]})
    # day 30 + h maps to the same weekday in the week ending on day 30: days 24..30
    assert fc.seasonal_naive(series, rows).tolist() == [24, 25, 30, 24, 30, 24, 24, 30]


def test_release_dates_give_the_age_and_the_age_split() -> None:
    frame = pd.DataFrame({"isrc": ["A", "A", "B"], "usage_date": [START, START + dt.timedelta(days=9), START],
                          "streams": [1.0, 2.0, 3.0]})
    series = fc.Series.from_frame(frame, pd.Series({"A": START - dt.timedelta(days=500), "B": None}))
    assert series.release_day.tolist() == [-500, 0]  # B: no catalogue date, its first streamed day
    assert series.age_at(9).tolist() == [509, 9]


def test_scores_and_figures_on_known_rows() -> None:
    rows = pd.DataFrame({"track": [0, 0, 1, 1], "origin": 100, "horizon": [1, 2, 1, 2], "age": [400, 400, 50, 50],
                         "actual": [10.0, 10.0, 4.0, 4.0], "point": [9.0, 11.0, 2.0, 4.0],
                         "baseline": [5.0, 15.0, 4.0, 8.0], "lower": [8.0, 10.5, 1.0, 3.0],
                         "upper": [12.0, 12.0, 3.0, 5.0]})
    bt = fc.Backtest(rows, [100], {})
    old, young = bt.scores(older=True), bt.scores(older=False)
    assert (old["wape_model"], old["wape_seasonal_naive"]) == (pytest.approx(0.1), pytest.approx(0.5))
    assert (young["wape_model"], young["wape_seasonal_naive"]) == (pytest.approx(0.25), pytest.approx(0.5))
    assert bt.scores()["interval_coverage"] == pytest.approx(0.5)  # 10 in [8,12], 10 not in [10.5,12], 4 in [3,5]
    got = {f.name: f for f in figures(bt, {"label": pd.Series(["L", "L"])})}
    judged = got["wape_model_older_90d"]
    assert (judged.value, judged.baseline, judged.passed) == (pytest.approx(0.1), pytest.approx(0.5), True)
    assert got["wape_model_younger_90d"].passed is None and got["interval_coverage_90"].passed is None
    # the label sums both tracks: actual 14/14, model 11/15, baseline 9/23
    assert got["wape_label_rollup"].value == pytest.approx((3 + 1) / 28)
    assert got["wape_label_rollup"].baseline == pytest.approx((5 + 9) / 28)
    # at exactly 0.8 x baseline the target is met, just above it is missed
    edge = rows.assign(point=rows["actual"] + np.where(rows["age"] > 90, [4.0, -4.0, 0, 0], 0))
    assert {f.name: f for f in figures(fc.Backtest(edge, [100], {}), {})}["wape_model_older_90d"].passed is True
    edge = rows.assign(point=rows["actual"] + np.where(rows["age"] > 90, [4.1, -4.0, 0, 0], 0))
    assert {f.name: f for f in figures(fc.Backtest(edge, [100], {}), {})}["wape_model_older_90d"].passed is False


def test_the_model_passes_and_its_baseline_misses(data, model_backtest) -> None:
    series, groups = data
    model = model_backtest
    baseline = fc.backtest(series, n_origins=2, groups=groups, use_baseline=True)
    judged = {f.name: f for f in figures(model, groups)}["wape_model_older_90d"]
    swapped = {f.name: f for f in figures(baseline, groups, use_baseline=True)}["wape_model_older_90d"]
    assert judged.passed is True, judged
    assert judged.value <= 0.8 * judged.baseline
    assert swapped.passed is False and swapped.value == pytest.approx(swapped.baseline)
    assert swapped.baseline == pytest.approx(judged.baseline)  # the same rows, the same baseline
    assert len(model.origins) == 2 and set(model.rows["origin"]) == set(model.origins)
    assert model.scores(older=False)["tracks"] == 2  # the two late releases are reported apart
    coverage = model.scores()["interval_coverage"]
    assert 0.7 <= coverage <= 1.0


def test_forecast_and_rollups(data, model_backtest) -> None:
    series, groups = data
    bt = model_backtest
    model = fc.train_final(series, bt)
    out = fc.forecast(model, series)
    assert len(out) == len(series.isrcs) * fc.HORIZON  # every track has 28+ days of streams
    assert (out["predicted_streams_lower"] <= out["predicted_streams"]).all()
    assert (out["predicted_streams"] <= out["predicted_streams_upper"]).all()
    assert out["forecast_date"].min() == series.start + dt.timedelta(days=series.n_days)
    label = fc.rollup_forecast(out, groups["label"], "label_key", bt.rollup_quantiles["label"])
    assert len(label) == 2 * fc.HORIZON
    assert label["predicted_streams"].sum() == pytest.approx(out["predicted_streams"].sum())
    assert (label["predicted_streams_lower"] <= label["predicted_streams"]).all()
    assert set(label["tracks"]) == {12}
