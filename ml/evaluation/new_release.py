"""New-release performance judged: first-28-day streams of each release, predicted on its release day, against the
label's median release curve scaled by the artist's last release (issue 7).

Held out by time (ml/new_release.py ``backtest``): the later half of the releases whose first 28 days the usage
window holds, each predicted by a model fitted only on releases complete before its release day. WAPE is judged
(the model must beat the baseline); the median absolute percentage error is reported beside it.
"""

from __future__ import annotations

import numpy as np

from ml import new_release as nr
from ml.evaluation import Figure, Marts, Truth

MODEL = "new_release"


def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]:
    data, feats = nr.load(marts)
    return figures(nr.backtest(data, feats, use_baseline=use_baseline), use_baseline=use_baseline)


def figures(bt: nr.Backtest, *, use_baseline: bool = False) -> list[Figure]:
    s = bt.scores()
    who = "baseline in the model's place" if use_baseline else "ridge on log streams"
    judged = None if np.isnan(s["wape_model"]) else bool(s["wape_model"] < s["wape_baseline"])
    return [
        Figure(MODEL, "wape_first_28d_streams", s["wape_model"], s["wape_baseline"], "< baseline", judged,
               f"{who}; {int(s['releases'])} releases held out by time"),
        Figure(MODEL, "median_ape_first_28d_streams", s["median_ape_model"], s["median_ape_baseline"], "reported",
               None, "median |predicted - actual| / actual per release"),
    ]
