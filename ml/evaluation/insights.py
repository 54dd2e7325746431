"""Insights (ml/insights.py) against the generator's injected events, and every narrative number recomputed.

Judged: the top-ranked insight is one of the injected anomalies (``hidden.anomalies``: same ISRC, platform and
territory, overlapping dates), and no number quoted in any narrative differs from its recomputation from the
warehouse (SQL built here from each number's recipe in ``metrics_json``, printed to the same precision). Reported:
the share of the top 10 that are injected events, and how many injected events some insight covers.

The baseline ranks the same insights by streams at stake alone (no confidence, no urgency): a popular track's
standing gap or long trend then outranks a short, surprising event.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from ml import insights as ins
from ml.evaluation import Figure, Marts, Truth

MODEL = "insights"


def build(marts: Marts, *, use_baseline: bool = False) -> pd.DataFrame:
    """The asset's insights on ``marts``: the anomaly model rerun on the same daily frame, the forecasts and
    churn scores read where their tables exist (the evaluation warehouse was built by the whole pipeline)."""
    inputs = ins.load(marts, forecasts=ins.read_optional(marts, ins.FORECASTS_TABLE),
                      churn=ins.read_optional(marts, ins.CHURN_TABLE))
    inputs.anomalies = detect_anomalies(inputs.daily)
    frame = ins.generate(inputs)
    return ins.rank_by_impact(frame) if use_baseline else frame


def detect_anomalies(daily: pd.DataFrame) -> pd.DataFrame | None:
    """ml.anomalies.detect on the insights' daily frame (same grain: isrc, platform, territory, day)."""
    try:
        from ml import anomalies
    except ImportError:
        return None
    return anomalies.detect(daily[["isrc", "platform", "territory", "usage_date", "streams"]])


def is_injected(row: Any, events: list[dict[str, Any]]) -> bool:
    """Whether an insight is about an injected event: same series and overlapping dates."""
    if not isinstance(row.get("platform"), str) or not isinstance(row.get("territory"), str):
        return False
    start, end = pd.Timestamp(row["period_start"]), pd.Timestamp(row["period_end"])
    return any(e["isrc"] == row["isrc"] and e["platform"] == row["platform"] and e["territory"] == row["territory"]
               and pd.Timestamp(e["start"]) <= end and start <= pd.Timestamp(e["end"]) for e in events)


# --- recomputing a narrative's numbers -------------------------------------------------------------------------------


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def where(filter_: dict[str, Any]) -> str:
    """A metric's filter as SQL: equalities, ``usage_date`` [first, last] inclusive, ``isrc_not`` an inequality."""
    parts = []
    for key, value in sorted(filter_.items()):
        if key == "usage_date":
            parts.append(f"usage_date between date '{value[0]}' and date '{value[1]}'")
        elif key == "isrc_not":
            parts.append(f"isrc <> {_literal(value)}")
        elif isinstance(value, bool):
            parts.append(key if value else f"not {key}")
        else:
            parts.append(f"{key} = {_literal(value)}")
    return " and ".join(parts) or "true"


def _days(filter_: dict[str, Any]) -> int:
    first, last = filter_["usage_date"]
    return (pd.Timestamp(last) - pd.Timestamp(first)).days + 1


def _scalar(marts: Marts, sql: str) -> float:
    value = marts.frame(sql).iloc[0, 0]
    return 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def recompute_metric(marts: Marts, spec: dict[str, Any], done: dict[str, float]) -> float:
    """One metric's value from the warehouse (base) or from already recomputed metrics (derived)."""
    agg, scale = spec["aggregation"], float(spec.get("scale") or 1.0)
    if agg == "calendar_days":
        return float(_days(spec["filter"]))
    if agg in ("product", "ratio", "pct_change"):
        a, b = (done[name] for name in spec["of"])
        return {"product": a * b, "ratio": scale * (a / b), "pct_change": 100.0 * (a - b) / b}[agg]
    table, column = spec["table"], spec["column"]
    total = f"select coalesce(sum({column}), 0) from {table} where "
    if agg == "sum":
        return _scalar(marts, total + where(spec["filter"]))
    if agg == "weekly_mean":
        return _scalar(marts, total + where(spec["filter"])) / (_days(spec["filter"]) / 7)
    if agg == "daily_median":
        return _scalar(marts, f"select median(s) from (select usage_date, sum({column}) as s from {table} where "
                              f"{where(spec['filter'])} group by usage_date)")
    if agg == "share":
        return scale * (_scalar(marts, total + where(spec["filter"]))
                        / _scalar(marts, total + where(spec["denominator_filter"])))
    raise ValueError(f"unknown aggregation {agg!r}")


def check_narrative(marts: Marts, row: Any) -> list[str]:
    """Mismatches of one insight: a recomputed number that prints differently, or a number missing from the
    narrative."""
    problems = []
    done: dict[str, float] = {}
    for spec in json.loads(row["metrics_json"])["metrics"]:
        value = recompute_metric(marts, spec, done)
        done[spec["name"]] = value
        printed = format(value, spec["format"])
        if printed != spec["display"]:
            problems.append(f"{row['insight_id']} {spec['name']}: says {spec['display']}, marts give {printed}")
        elif spec.get("quoted", True) and spec["display"] not in row["narrative"]:
            problems.append(f"{row['insight_id']} {spec['name']}: {spec['display']} not in the narrative")
    return problems


def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]:
    frame = build(marts, use_baseline=use_baseline)
    events = truth.hidden["anomalies"]
    records = frame.to_dict("records")
    hits = [is_injected(r, events) for r in records]
    top_hit = bool(hits[0]) if hits else False
    top10 = sum(hits[:10]) / max(1, min(10, len(hits)))
    covered = sum(any(is_injected(r, [e]) for r in records if r["insight_type"] == "anomaly") for e in events)
    mismatches: list[str] = []
    for r in records:
        mismatches += check_narrative(marts, r)
    top = records[0] if records else {}
    baseline_frame = None if use_baseline else ins.rank_by_impact(frame)
    baseline_top = None
    if baseline_frame is not None and len(baseline_frame):
        baseline_top = float(is_injected(baseline_frame.iloc[0].to_dict(), events))
    detail = (f"top: {top.get('insight_type')} {top.get('isrc')} {top.get('platform')} {top.get('territory')} "
              f"{top.get('period_start')}..{top.get('period_end')}") if top else "no insights"
    checked = sum(len(json.loads(r["metrics_json"])["metrics"]) for r in records)
    return [
        Figure(MODEL, "top-ranked insight is an injected event", float(top_hit), baseline_top, "= 1",
               top_hit, detail),
        Figure(MODEL, "narrative numbers not matching the marts", float(len(mismatches)), None, "= 0",
               not mismatches, "; ".join(mismatches[:3]) or f"{checked} numbers checked"),
        Figure(MODEL, "share of the top 10 that are injected events", top10, None, "", None,
               f"{len(records)} insights"),
        Figure(MODEL, "injected events covered by an anomaly insight", covered / max(1, len(events)), None, "",
               None, f"{covered}/{len(events)}"),
    ]
