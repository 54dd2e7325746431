"""Statistical tests the insight generator (ml/insights.py) leans on: trend significance, correlation with a
confidence interval, and a trend-break (change-point) test.

Why these and not a library: each insight must carry a confidence derived from a test whose assumptions we
can state in one line, and the tests must be cheap enough to run on every track of the catalogue inside a Dagster
asset. Everything is numpy + scipy.stats; each function takes plain sequences and returns a small frozen
dataclass, so the callers never depend on scipy's result objects (whose shapes change between versions).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np


@dataclasses.dataclass(frozen=True)
class Trend:
    """Least-squares line y = intercept + slope * x, with the two-sided t-test of slope = 0."""

    slope: float
    intercept: float
    stderr: float
    t_stat: float
    p_value: float
    r_squared: float
    n: int


@dataclasses.dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall monotonic-trend test (normal approximation, tie-corrected variance, continuity correction):
    no assumption of linearity or normal errors, so it confirms an OLS slope that outliers might have made."""

    s: int
    var_s: float
    z: float
    p_value: float
    tau: float
    sen_slope: float  # Theil-Sen slope: the median of the pairwise slopes
    n: int


@dataclasses.dataclass(frozen=True)
class Correlation:
    """A correlation coefficient with its (1 - alpha) confidence interval and the p-value of rho = 0."""

    method: str  # pearson or spearman
    r: float
    lower: float
    upper: float
    p_value: float
    n: int
    alpha: float


@dataclasses.dataclass(frozen=True)
class TrendBreak:
    """The best split of a series into two independently fitted lines (or means) and the test of "one line fits
    as well": a Chow F-test at the best split, Bonferroni-corrected for having searched every split."""

    index: int  # first position of the second segment
    before_mean: float
    after_mean: float
    before_slope: float
    after_slope: float
    f_stat: float
    p_value: float  # corrected for the search over candidate splits
    p_value_single: float  # the Chow test's p-value at that split as if it had been fixed in advance
    candidates: int
    n: int


def _as_float(values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError("expected a one-dimensional sequence")
    return array


def ols_trend(y: Sequence[float], x: Sequence[float] | None = None) -> Trend:
    """OLS slope of y on x (default 0..n-1) with the t-test of no trend. Needs at least 3 points; a constant
    series has slope 0 and p-value 1 (no evidence of a trend), not a division by zero."""
    from scipy import stats

    yy = _as_float(y)
    xx = np.arange(len(yy), dtype=float) if x is None else _as_float(x)
    n = len(yy)
    if n < 3 or len(xx) != n:
        raise ValueError("ols_trend needs at least 3 paired points")
    if np.ptp(xx) == 0:
        raise ValueError("x is constant")
    if np.ptp(yy) == 0:
        return Trend(0.0, float(yy[0]), 0.0, 0.0, 1.0, 0.0, n)
    res = stats.linregress(xx, yy)
    stderr = float(res.stderr)
    t_stat = float(res.slope / stderr) if stderr > 0 else math.copysign(math.inf, res.slope)
    return Trend(float(res.slope), float(res.intercept), stderr, t_stat, float(res.pvalue), float(res.rvalue**2), n)


def mann_kendall(y: Sequence[float]) -> MannKendall:
    """Mann-Kendall test: S = sum over i<j of sign(y_j - y_i); Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18
    over tie groups t; z = (S - sign(S)) / sqrt(Var S); two-sided p from the normal distribution."""
    from scipy import stats

    yy = _as_float(y)
    n = len(yy)
    if n < 3:
        raise ValueError("mann_kendall needs at least 3 points")
    i, j = np.triu_indices(n, k=1)
    diffs = yy[j] - yy[i]
    s = int(np.sign(diffs).sum())
    _, counts = np.unique(yy, return_counts=True)
    ties = counts[counts > 1].astype(float)
    var_s = (n * (n - 1) * (2 * n + 5) - float(np.sum(ties * (ties - 1) * (2 * ties + 5)))) / 18.0
    z = 0.0 if s == 0 or var_s <= 0 else (s - math.copysign(1, s)) / math.sqrt(var_s)
    p = float(2 * stats.norm.sf(abs(z)))
    tau = s / (n * (n - 1) / 2)
    sen = float(np.median(diffs / (j - i)))
    return MannKendall(s, float(var_s), float(z), p, float(tau), sen, n)


def _fisher_interval(r: float, se: float, alpha: float) -> tuple[float, float]:
    from scipy import stats

    if abs(r) >= 1.0:
        return r, r
    z = math.atanh(r)
    crit = float(stats.norm.ppf(1 - alpha / 2))
    return math.tanh(z - crit * se), math.tanh(z + crit * se)


def pearson(x: Sequence[float], y: Sequence[float], alpha: float = 0.05) -> Correlation:
    """Pearson's r with the Fisher-z interval tanh(atanh(r) +- z_{1-alpha/2} / sqrt(n - 3)) and the exact
    t-test p-value (scipy.stats.pearsonr)."""
    from scipy import stats

    xx, yy = _as_float(x), _as_float(y)
    n = len(xx)
    if n < 4 or len(yy) != n:
        raise ValueError("pearson needs at least 4 paired points")
    res = stats.pearsonr(xx, yy)
    r = float(res.statistic)
    lower, upper = _fisher_interval(r, 1.0 / math.sqrt(n - 3), alpha)
    return Correlation("pearson", r, lower, upper, float(res.pvalue), n, alpha)


def spearman(x: Sequence[float], y: Sequence[float], alpha: float = 0.05) -> Correlation:
    """Spearman's rho with the Fisher-z interval using Fieller, Hartley and Pearson's standard error
    sqrt(1.06 / (n - 3)) (rank correlations are a little more variable than Pearson's r)."""
    from scipy import stats

    xx, yy = _as_float(x), _as_float(y)
    n = len(xx)
    if n < 4 or len(yy) != n:
        raise ValueError("spearman needs at least 4 paired points")
    res = stats.spearmanr(xx, yy)
    r = float(res.statistic)
    lower, upper = _fisher_interval(r, math.sqrt(1.06 / (n - 3)), alpha)
    return Correlation("spearman", r, lower, upper, float(res.pvalue), n, alpha)


def _line_sse(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(SSE, slope) of the least-squares line through (x, y)."""
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - ym)).sum() / sxx) if sxx > 0 else 0.0
    resid = y - ym - slope * (x - xm)
    return float((resid**2).sum()), slope


def trend_break(y: Sequence[float], *, min_segment: int = 4, level_only: bool = False) -> TrendBreak:
    """Two-segment regression: for every split k (both segments at least ``min_segment`` long) fit a line to each
    side (a mean when ``level_only``), keep the split with the smallest total SSE, and compare with one line over
    the whole series by the Chow F-test, F = ((SSE_1 - SSE_2) / q) / (SSE_2 / (n - 2q)), q = parameters per
    segment. The best split is chosen by looking at the data, so its p-value is multiplied by the number of
    candidate splits (Bonferroni): conservative, which suits an insight that should only fire on clear breaks."""
    from scipy import stats

    yy = _as_float(y)
    n = len(yy)
    q = 1 if level_only else 2
    if n < 2 * min_segment or n - 2 * q <= 0:
        raise ValueError(f"trend_break needs at least {2 * min_segment} points")
    x = np.arange(n, dtype=float)
    sse_one = float(((yy - yy.mean()) ** 2).sum()) if level_only else _line_sse(x, yy)[0]
    best: tuple[float, int, float, float] | None = None
    for k in range(min_segment, n - min_segment + 1):
        if level_only:
            a, b = yy[:k], yy[k:]
            sse = float(((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum())
            sa = sb = 0.0
        else:
            sse_a, sa = _line_sse(x[:k], yy[:k])
            sse_b, sb = _line_sse(x[k:], yy[k:])
            sse = sse_a + sse_b
        if best is None or sse < best[0] - 1e-12:
            best = (sse, k, sa, sb)
    assert best is not None
    sse_two, k, sa, sb = best
    candidates = n - 2 * min_segment + 1
    dof = n - 2 * q
    if sse_two <= 1e-12 * max(1.0, sse_one):
        f_stat = math.inf if sse_one > 1e-12 else 0.0
    else:
        f_stat = ((sse_one - sse_two) / q) / (sse_two / dof)
    p_single = float(stats.f.sf(f_stat, q, dof)) if math.isfinite(f_stat) else (0.0 if f_stat > 0 else 1.0)
    return TrendBreak(int(k), float(yy[:k].mean()), float(yy[k:].mean()), float(sa), float(sb), float(f_stat),
                      min(1.0, p_single * candidates), p_single, candidates, n)


def confidence_from_p(p_value: float) -> float:
    """A 0..1 confidence from a p-value: 1 - p, the share of the null's mass the result is beyond. Kept as a
    function so every insight type maps evidence to confidence the same way."""
    return float(min(1.0, max(0.0, 1.0 - p_value)))
