"""Churn (engagement drop in the next 28 days) judged by AUC on held-out weeks.

The labels are the marts' own future (did the next 28 days' streams fall below 0.75 x the last 28?), so the
truth here is time: the model is trained on origins whose outcome was known before the first held-out week and
scored on the last weekly origins (ml/churn.py). Judged: AUC over tracks and artists together (>= 0.75), beside
the naive rule's AUC (last month's decline continues); reported: tracks and artists apart, and the sharper naive
rule (last 7 days vs last 28). With ``use_baseline`` the naive rule's scores are judged.
"""

from __future__ import annotations

from ml import churn as ch
from ml.evaluation import Figure, Marts, Truth, at_least

MODEL = "churn"
TARGET_AUC = 0.75


def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]:
    del truth  # the outcome is in the data's own future; the manifest is not needed
    entities = list(ch.build_entities(marts.frame(ch.DAILY_STREAMS), marts.frame(ch.TRACKS)))
    bt = ch.backtest(entities, use_baseline=use_baseline)
    since = f"origins from {bt.first_holdout:%Y-%m-%d}" if bt.first_holdout is not None else "no origins"
    detail = (f"{bt.holdout_rows} held-out rows ({since}), {bt.holdout_positive_rate:.1%} drops, "
              f"{bt.train_rows} training rows" + (" (naive rule in the model's place)" if use_baseline else ""))
    return [
        Figure(MODEL, "AUC held-out weeks (tracks + artists)", bt.auc, bt.auc_baseline, f">= {TARGET_AUC}",
               at_least(bt.auc, TARGET_AUC), detail),
        Figure(MODEL, "AUC held-out weeks, tracks", bt.auc_track, None, "", None),
        Figure(MODEL, "AUC held-out weeks, artists", bt.auc_artist, None, "", None),
        Figure(MODEL, "AUC held-out weeks, naive 7-vs-28-day decline", bt.auc_recent_decline, None, "", None,
               "a sharper naive rule, reported"),
    ]
