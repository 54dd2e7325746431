"""Anomaly detection against the injected events (manifest ``hidden.anomalies``): precision and recall per event.

Matching: a detected event matches an injected one when both are on the same track x platform x territory series,
their date ranges overlap and their kinds agree. Precision = matched detected events / detected events; recall =
injected events matched by at least one detected event / injected events.

Populations, by the series' median daily streams over its days *with usage* (days with a row in
``marts.fct_usage_daily``; the same definition as ``ml.anomalies``): **busy** (median >= 50 streams a day), judged
(>= 0.90 each), and the **long tail** (median < 50), reported only. An injected event whose days all fall where its
platform delivered no report (a missing or rejected period) cannot be seen in any data and is left out (counted in
the detail).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.evaluation import Figure, Marts, Truth, at_least

MODEL = "anomalies"
TARGET = 0.90
# the days each platform delivered anything: an injected event on none of them is invisible
PLATFORM_DAYS_SQL = """
    select distinct platform_code as platform, usage_date from marts.fct_usage_daily"""


def truth_events(truth: Truth) -> pd.DataFrame:
    rows = truth.hidden.get("anomalies", [])
    out = pd.DataFrame(rows, columns=["isrc", "platform", "territory", "start", "end", "kind", "factor"])
    out["start"] = pd.to_datetime(out["start"]).dt.date
    out["end"] = pd.to_datetime(out["end"]).dt.date
    return out


def series_medians(daily: pd.DataFrame) -> pd.Series:
    """Median daily streams per (isrc, platform, territory) over the days with usage."""
    from ml.anomalies import series_medians as medians

    return medians(daily)


def match(detected: pd.DataFrame, injected: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(detected event matched?, injected event matched?) under the rule of the module docstring."""
    from ml.anomalies import match_events

    return match_events(detected, injected)


def scores(detected: pd.DataFrame, injected: pd.DataFrame, medians: pd.Series, busy: bool,
           kind: str | None = None) -> dict[str, float]:
    """Precision, recall and counts on the busy series (``busy``) or the long tail, optionally for one kind."""
    def in_population(frame: pd.DataFrame) -> np.ndarray:
        med = medians.reindex(pd.MultiIndex.from_frame(frame[["isrc", "platform", "territory"]])).to_numpy()
        med = np.nan_to_num(med.astype(float), nan=0.0)
        return (med >= 50.0) if busy else (med < 50.0)

    hit_d, hit_t = match(detected, injected)
    keep_d, keep_t = in_population(detected), in_population(injected)
    if kind is not None:
        keep_d &= (detected["kind"] == kind).to_numpy()
        keep_t &= (injected["kind"] == kind).to_numpy()
    n_d, n_t = int(keep_d.sum()), int(keep_t.sum())
    return {"precision": float(hit_d[keep_d].mean()) if n_d else float("nan"),
            "recall": float(hit_t[keep_t].mean()) if n_t else float("nan"),
            "detected": n_d, "matched": int(hit_d[keep_d].sum()), "injected": n_t, "found": int(hit_t[keep_t].sum())}


def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]:
    from ml import anomalies as an

    daily = marts.frame(an.DAILY_SQL)
    daily["usage_date"] = pd.to_datetime(daily["usage_date"]).dt.date
    medians = series_medians(daily)
    injected = truth_events(truth)
    platform_days = marts.frame(PLATFORM_DAYS_SQL)
    platform_days["usage_date"] = pd.to_datetime(platform_days["usage_date"]).dt.date
    delivered = set(zip(platform_days["platform"], platform_days["usage_date"], strict=True))
    visible = np.array([any((ev.platform, d.date()) in delivered for d in pd.date_range(ev.start, ev.end))
                        for ev in injected.itertuples()], dtype=bool)
    unseen = int((~visible).sum())
    injected = injected[visible].reset_index(drop=True)

    model_events = an.detect(daily)
    baseline_events = an.baseline_detect(daily)
    chosen, other = (baseline_events, model_events) if use_baseline else (model_events, baseline_events)
    who = "baseline (per-series z-score)" if use_baseline else "control model"

    figures: list[Figure] = []
    for busy, label in ((True, "busy series (median >= 50/day)"), (False, "long tail (median < 50/day)")):
        got, base = scores(chosen, injected, medians, busy), scores(other, injected, medians, busy)
        if use_baseline:
            base = got
        for metric in ("precision", "recall"):
            value = got[metric]
            judged = busy and not np.isnan(value)
            detail = (f"{who}: {got['matched']}/{got['detected']} detected events match, "
                      f"{got['found']}/{got['injected']} injected found")
            if busy and unseen:
                detail += f"; {unseen} injected event(s) fall only in undelivered report periods, left out"
            figures.append(Figure(
                model=MODEL, name=f"{metric}, {label}", value=value, baseline=base[metric],
                target=f">= {TARGET:.2f}" if busy else "", passed=at_least(value, TARGET) if judged else None,
                detail=detail))
    for kind in ("spike", "drop", "missing"):
        got = scores(chosen, injected, medians, True, kind)
        base = scores(baseline_events, injected, medians, True, kind)
        for metric in ("precision", "recall"):
            figures.append(Figure(model=MODEL, name=f"{metric}, busy series, {kind}", value=got[metric],
                                  baseline=base[metric], passed=None,
                                  detail=f"{got['matched']}/{got['detected']} detected, "
                                         f"{got['found']}/{got['injected']} injected"))
    return figures
