"""Forecasting judged: 28-day daily streams per track against the seasonal-naive baseline (issue 7).

A rolling-origin backtest over the last four 28-day windows (each window forecast by a model fitted only on the
days before it, ml/forecast.py ``backtest``): WAPE on tracks older than 90 days at the origin is judged (at most
0.80 x the seasonal-naive WAPE on the same rows); younger tracks, the 90% intervals' coverage and the artist and
label roll-ups are reported. The truth here is the streams that followed each origin, which the model never saw.
"""

from __future__ import annotations

from ml import forecast as fc
from ml.evaluation import Figure, Marts, Truth, at_most

MODEL = "forecasting"
IMPROVEMENT = 0.80  # the model's WAPE must be at most this share of the baseline's


def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]:
    series, groups, _ = fc.load(marts)
    bt = fc.backtest(series, groups=groups, use_baseline=use_baseline)
    return figures(bt, groups, use_baseline=use_baseline)


def figures(bt: fc.Backtest, groups: dict, *, use_baseline: bool = False) -> list[Figure]:
    """The figures of one backtest (split out so the unit tests score synthetic series the same way)."""
    who = "seasonal-naive in the model's place" if use_baseline else "model"
    old, young, every = bt.scores(older=True), bt.scores(older=False), bt.scores()
    origins = f"{len(bt.origins)} origins"
    out = [
        Figure(MODEL, "wape_model_older_90d", old["wape_model"], old["wape_seasonal_naive"],
               f"<= {IMPROVEMENT:.2f} x baseline", at_most(old["wape_model"], IMPROVEMENT * old["wape_seasonal_naive"]),
               f"{who}; {int(old['tracks'])} tracks older than {fc.OLD_TRACK_DAYS} days, {origins}"),
        Figure(MODEL, "wape_model_younger_90d", young["wape_model"], young["wape_seasonal_naive"], "reported", None,
               f"{int(young['tracks'])} tracks of at most {fc.OLD_TRACK_DAYS} days (28+ days of streams)"),
        Figure(MODEL, "interval_coverage_90", every["interval_coverage"], None, "reported (nominal 0.90)", None,
               f"share of actual days inside the 90% interval, {int(every['rows'])} track-days"),
    ]
    for name, group in groups.items():
        r = fc.rollup_scores(bt, group)
        out.append(Figure(MODEL, f"wape_{name}_rollup", r["wape_model"], r["wape_seasonal_naive"], "reported", None,
                          f"{int(r['groups'])} {name}s, track forecasts summed"))
    return out
