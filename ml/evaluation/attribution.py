"""Marketing attribution judged against the generator's true incremental streams per touch.

Error of a method = sum over touches |credited - true| / sum of true incremental streams (the manifest's
``families.marketing.hidden.marketing_attributed_streams[id].total``: the expected streams each touch added to the
feeds). The data-driven method is judged (target <= 0.10); the rule-based methods are reported beside it: they
split the same estimated incremental streams of each track, so their error is the cost of splitting by rule.
With ``use_baseline`` the linear rule takes the data-driven method's place (then the judged figure misses).
"""

from __future__ import annotations

import pandas as pd

from ml import attribution as at
from ml.evaluation import Figure, Marts, Truth, at_most

MODEL = "attribution"
TARGET = 0.10
BASELINE_METHOD = "linear"


def true_incremental(truth: Truth) -> pd.Series:
    """True incremental streams per activity id over the window (empty when the sample has no marketing)."""
    try:
        attributed = truth.family("marketing")["hidden"]["marketing_attributed_streams"]
    except KeyError:
        return pd.Series(dtype=float)
    return pd.Series({k: float(v["total"]) for k, v in attributed.items()}, dtype=float).sort_index()


def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]:
    true = true_incremental(truth)
    touches = marts.frame(at.TOUCHES)
    if true.empty or touches.empty or true.sum() <= 0:
        return [Figure(MODEL, "data_driven_error", float("nan"), target=f"<= {TARGET:.2f}", passed=None,
                       detail="no marketing touches with incremental streams in this sample")]
    result = at.attribute(touches, marts.frame(at.TRACKS), marts.frame(at.SERIES), marts.frame(at.ARTIST_CANDIDATES))
    errors = {m: at.attribution_error(result.credits[m], true) for m in at.METHODS}
    judged = BASELINE_METHOD if use_baseline else at.DATA_DRIVEN
    value = errors[judged]
    credited_total = float(result.credits[at.DATA_DRIVEN].sum())
    figures = [Figure(
        MODEL, "data_driven_error", value, baseline=errors[BASELINE_METHOD], target=f"<= {TARGET:.2f}",
        passed=at_most(value, TARGET),
        detail=f"{judged} credits, {len(true)} touches, {result.tracks_fitted} tracks fitted, "
               f"release spike A={result.release[0]:.2f} tau={result.release[1]:.1f}d")]
    for method in at.RULE_METHODS:
        figures.append(Figure(MODEL, f"{method}_error", errors[method], passed=None,
                              detail="splits the data-driven track totals by its rule"))
    figures.append(Figure(MODEL, "total_incremental_ratio", credited_total / float(true.sum()),
                          passed=None, detail=f"credited {credited_total:,.0f} vs true {true.sum():,.0f} streams"))
    return figures
