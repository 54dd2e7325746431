"""ml/stats.py against hand-computed values and scipy's own implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from ml import stats


def test_ols_trend_matches_linregress_and_hand_values() -> None:
    # y = 2x + 1 plus known residuals: slope and intercept by the normal equations
    y = [1.0, 3.5, 4.5, 7.5, 8.5]
    got = stats.ols_trend(y)
    ref = sps.linregress(np.arange(5), y)
    assert got.slope == pytest.approx(1.9, abs=1e-12)  # sum((x-2)(y-5)) / 10 = 19 / 10
    assert got.intercept == pytest.approx(1.2, abs=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert got.t_stat == pytest.approx(ref.slope / ref.stderr, rel=1e-12)
    assert got.n == 5


def test_ols_trend_constant_series_has_no_trend() -> None:
    got = stats.ols_trend([3.0] * 6)
    assert (got.slope, got.p_value) == (0.0, 1.0)


def test_mann_kendall_hand_computed() -> None:
    # strictly increasing n=5: S = 10, Var(S) = 5*4*15/18, z = (10 - 1)/sqrt(Var S)
    got = stats.mann_kendall([1, 2, 3, 4, 5])
    var_s = 5 * 4 * 15 / 18
    z = 9 / math.sqrt(var_s)
    assert got.s == 10
    assert got.var_s == pytest.approx(var_s)
    assert got.z == pytest.approx(z)
    assert got.p_value == pytest.approx(2 * (1 - sps.norm.cdf(z)))
    assert got.p_value == pytest.approx(0.02749, abs=1e-5)
    assert got.tau == 1.0
    assert got.sen_slope == 1.0


def test_mann_kendall_ties_reduce_the_variance() -> None:
    # [1, 2, 2, 3]: pairs (1,2)+ (1,2)+ (1,3)+ (2,2)0 (2,3)+ (2,3)+ -> S = 5; one tie group of 2:
    # Var = (4*3*13 - 2*1*9) / 18 = 138/18
    got = stats.mann_kendall([1, 2, 2, 3])
    assert got.s == 5
    assert got.var_s == pytest.approx(138 / 18)
    assert stats.mann_kendall([3, 2, 1, 0]).s == -6


def test_pearson_interval_is_fisher_z_and_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    y = 0.6 * x + rng.normal(size=40)
    got = stats.pearson(x, y)
    ref = sps.pearsonr(x, y)
    ci = ref.confidence_interval(0.95)
    assert got.r == pytest.approx(ref.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert (got.lower, got.upper) == pytest.approx((ci.low, ci.high), rel=1e-9)
    # by hand: tanh(atanh(r) -+ 1.959964 / sqrt(37))
    z = math.atanh(got.r)
    assert got.lower == pytest.approx(math.tanh(z - 1.959963985 / math.sqrt(37)), rel=1e-8)
    assert got.lower < got.r < got.upper


def test_spearman_rank_correlation_and_its_wider_interval() -> None:
    x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    y = [2, 1, 4, 3, 6, 5, 8, 7, 10, 9]  # swapped neighbours: d^2 = 1 each, rho = 1 - 6*10/(10*99)
    got = stats.spearman(x, y)
    rho = 1 - 6 * 10 / (10 * 99)
    assert got.r == pytest.approx(rho)
    se = math.sqrt(1.06 / 7)
    assert got.lower == pytest.approx(math.tanh(math.atanh(rho) - 1.959963985 * se), rel=1e-8)
    assert got.upper == pytest.approx(math.tanh(math.atanh(rho) + 1.959963985 * se), rel=1e-8)
    # on the same data Pearson's r (ranks = values here) is equal but its interval narrower (se 1/sqrt(7))
    as_pearson = stats.pearson(x, y)
    assert as_pearson.r == pytest.approx(rho)
    assert got.upper - got.lower > as_pearson.upper - as_pearson.lower


def test_trend_break_finds_a_planted_level_shift() -> None:
    rng = np.random.default_rng(7)
    y = np.r_[rng.normal(100, 5, 30), rng.normal(160, 5, 20)]
    got = stats.trend_break(y, level_only=True)
    assert got.index == 30
    assert got.before_mean == pytest.approx(y[:30].mean())
    assert got.after_mean == pytest.approx(y[30:].mean())
    assert got.p_value < 1e-10
    # Chow F by hand at the chosen split
    sse1 = ((y - y.mean()) ** 2).sum()
    sse2 = ((y[:30] - y[:30].mean()) ** 2).sum() + ((y[30:] - y[30:].mean()) ** 2).sum()
    assert got.f_stat == pytest.approx((sse1 - sse2) / (sse2 / 48))
    assert got.p_value == pytest.approx(min(1.0, got.p_value_single * got.candidates))


def test_trend_break_finds_a_slope_change() -> None:
    x = np.arange(40, dtype=float)
    y = np.where(x < 25, 50 + 0.1 * x, 52.5 - 3.0 * (x - 25))
    y = y + np.random.default_rng(3).normal(0, 0.5, 40)
    got = stats.trend_break(y)
    assert abs(got.index - 25) <= 1
    assert got.after_slope == pytest.approx(-3.0, abs=0.2)
    assert got.p_value < 1e-6


def test_trend_break_on_noise_is_not_significant() -> None:
    rng = np.random.default_rng(11)
    p_values = [stats.trend_break(rng.normal(0, 1, 40), level_only=True).p_value for _ in range(50)]
    assert np.mean(np.array(p_values) < 0.05) <= 0.06  # Bonferroni keeps the false alarms below alpha


def test_confidence_from_p() -> None:
    assert stats.confidence_from_p(0.03) == pytest.approx(0.97)
    assert stats.confidence_from_p(1.5) == 0.0
