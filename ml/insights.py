"""Insights: ranked, plain-language findings over the marts and the other models' outputs.

Five kinds, each about a track (and, for series-level findings, a platform and a territory):

- ``anomaly``: an event of the anomaly model (ml/anomalies.py: spike, drop or missing days of one series);
- ``trend_break``: the track's weekly streams over the last half-year split best into two lines that differ
  significantly (ml.stats.trend_break, Chow test corrected for the search);
- ``opportunity`` / ``risk``: the track's weekly streams rise / fall steadily over the last eight weeks (OLS slope
  and Mann-Kendall both significant) by more than the same weeks last year did (a seasonal rise is not news), or
  the churn model rates the track high-risk;
- ``benchmark_deviation``: a platform or territory brings a much larger or smaller share of the track's last 28
  days than it does for the track's label (two-proportion z-test).

Priority = impact x confidence x urgency, each 0..1. *Impact* is how far the entity is from its own normal,
1 - min/max of the two volumes (:func:`fold`: a 7x spike 0.86, a halving 0.5, a missing feed 1); the streams at
stake are kept raw in ``impact_streams``. Why relative and not raw streams: raw streams rank every popular track's
ordinary drift above any event on a single platform and territory, where a catalogue manager acts first (a
missing feed to chase, a spike to ride); the confidence (the anomaly model's score grows with the Poisson
evidence) keeps noise on tiny series down. *Confidence* comes from the test's p-value (1 - p) or the model's
score. *Urgency* is time sensitivity: a one-off event or a break loses it as it ages (half-life
``HALF_LIFE_DAYS``), a steady trend is worth acting on within weeks, a standing benchmark gap has no deadline; the
type weights say so (``URGENCY_WEIGHT``). The baseline (:func:`rank_by_impact`) ranks by raw streams at stake.

Every number a narrative quotes is in ``metrics_json`` with how to recompute it from the marts (table, filter,
aggregation; derived numbers name the metrics they combine) and the exact text it prints as, so a test can
recompute each from the warehouse with its own SQL (tests/e2e/test_ml_insights.py, ml/evaluation/insights.py).
The narrative's own words carry no other number (windows are said in words: "the previous four weeks").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from ml import stats

# --- what the generator reads ---------------------------------------------------------------------------------------

# one row per day, recording, platform and territory (the fact's grain), with the label the fact carries
SERIES_DAILY = """
    select isrc, platform_code as platform, territory_code as territory, usage_date, label_key,
           cast(sum(streams) as double precision) as streams
    from marts.fct_usage_daily
    where is_catalogue_match
    group by isrc, platform_code, territory_code, usage_date, label_key"""
TRACKS = """
    select t.isrc, t.track_title, t.artist_key, t.artist_name, t.label_key, l.label_id, t.label_name, t.release_date
    from marts.dim_track as t left join marts.dim_label as l using (label_key)"""
PLATFORMS = "select platform_code, platform_name from marts.dim_platform"
LABELS = "select label_key, label_name from marts.dim_label"
ANOMALIES_TABLE = """
    select isrc, platform, territory, start_date, end_date, kind, observed_streams, expected_streams, score,
           series_median from ml.stream_anomalies"""
FORECASTS_TABLE = "select isrc, forecast_date, predicted_streams from ml.track_stream_forecast"
CHURN_TABLE = """
    select entity_type, entity_id, entity_name, as_of_date, churn_probability, risk_band, top_reason
    from ml.churn_scores"""

FACT = "marts.fct_usage_daily"
INSIGHT_TYPES = ("anomaly", "trend_break", "opportunity", "risk", "benchmark_deviation")
COLUMNS = ["insight_id", "rank", "insight_type", "entity_type", "entity_id", "entity_name", "isrc", "artist_key",
           "artist_name", "label_key", "label_id", "label_name", "platform", "territory", "period_start",
           "period_end", "impact_streams", "impact", "confidence", "urgency", "priority", "headline", "narrative",
           "metrics_json", "entity_url"]

HALF_LIFE_DAYS = 30.0  # an event a month old is half as urgent
URGENCY_WEIGHT = {"anomaly": 1.0, "trend_break": 0.8, "opportunity": 0.6, "risk": 0.6, "benchmark_deviation": 0.3}
BASELINE_DAYS = 28  # "the previous four weeks" in the narratives
TREND_WEEKS = 26  # trend breaks: the last half-year of weekly totals
STEADY_WEEKS = 8  # opportunities / risks: the last eight weeks
MATURE_DAYS = 90  # younger tracks decay from their release spike: a fall is expected, not a risk
ALPHA = 0.01
MIN_CHANGE = 0.25  # trend breaks and steady trends: at least a 25% change
MIN_SHARE_GAP = 0.15  # benchmark deviations: at least 15 points of share
DASHBOARD = "/superset/dashboard"


@dataclasses.dataclass
class Inputs:
    """What :func:`generate` works on. ``anomalies``/``forecasts``/``churn`` are optional model outputs."""

    daily: pd.DataFrame  # SERIES_DAILY
    tracks: pd.DataFrame  # TRACKS
    platforms: pd.DataFrame  # PLATFORMS
    labels: pd.DataFrame  # LABELS
    anomalies: pd.DataFrame | None = None  # ml.anomalies.detect() / ml.stream_anomalies
    forecasts: pd.DataFrame | None = None  # ml.track_stream_forecast
    churn: pd.DataFrame | None = None  # ml.churn_scores

    def __post_init__(self) -> None:
        self.daily = self.daily.assign(usage_date=pd.to_datetime(self.daily["usage_date"]),
                                       streams=self.daily["streams"].astype(float))

    @property
    def as_of(self) -> dt.date:
        return self.daily["usage_date"].max().date()


def load(marts: Any, *, anomalies: pd.DataFrame | None = None, forecasts: pd.DataFrame | None = None,
         churn: pd.DataFrame | None = None) -> Inputs:
    """Read the marts through anything with ``.frame(sql)`` (a Dagster WarehouseResource or the evaluation's
    DuckDB). Model outputs are passed in by the caller (the asset reads their tables, the evaluation reruns)."""
    return Inputs(marts.frame(SERIES_DAILY), marts.frame(TRACKS), marts.frame(PLATFORMS), marts.frame(LABELS),
                  anomalies, forecasts, churn)


def read_optional(marts: Any, sql: str) -> pd.DataFrame | None:
    """A model's output table, or None when that model has not written it (yet): insights skip what is missing."""
    try:
        return marts.frame(sql)
    except Exception:  # the table does not exist on this warehouse (any backend's error type)
        return None


# --- the numbers a narrative quotes ---------------------------------------------------------------------------------


def _d(day: dt.date | pd.Timestamp) -> str:
    return pd.Timestamp(day).date().isoformat()


class Metrics:
    """The numbers one narrative quotes, each with its recipe. Base metrics aggregate ``table`` under ``filter``
    (equalities, ``usage_date: [first, last]`` inclusive, ``isrc_not``: every ISRC but that one); derived metrics
    combine other metrics by name.

    Aggregations: ``sum`` sum(column); ``daily_median`` the median over the days with rows of the day's
    sum(column); ``weekly_mean`` sum(column) / (calendar days / 7); ``share`` scale x (sum(column) under ``filter``
    / sum(column) under ``denominator_filter``); ``calendar_days`` days from first to last of the filter's dates;
    derived: ``product`` a x b, ``ratio`` scale x (a / b), ``pct_change`` 100 x (a - b) / b. Floating-point order
    matters at the printed precision's boundaries, so the generator computes each number with the same expression
    a recomputation uses."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.values: dict[str, float] = {}
        self.evidence: dict[str, Any] = {}  # the test behind the confidence (not quoted, so not recomputed)

    def add(self, name: str, value: float, fmt: str, *, aggregation: str, table: str | None = None,
            column: str | None = None, filter: dict[str, Any] | None = None,
            denominator_filter: dict[str, Any] | None = None, of: list[str] | None = None,
            scale: float | None = None, quoted: bool = True) -> str:
        """Record a number and return the text the narrative prints (``quoted=False``: a step of another
        number's recipe that the narrative does not print itself)."""
        spec: dict[str, Any] = {"name": name, "value": float(value), "format": fmt,
                                "display": format(float(value), fmt), "aggregation": aggregation, "quoted": quoted}
        for key, val in (("table", table), ("column", column), ("filter", filter),
                         ("denominator_filter", denominator_filter), ("of", of), ("scale", scale)):
            if val is not None:
                spec[key] = val
        self.items.append(spec)
        self.values[name] = float(value)
        return spec["display"]

    def json(self) -> str:
        def clean(v: Any) -> Any:  # strict JSON: no NaN / Infinity
            if isinstance(v, float) and not math.isfinite(v):
                return None
            return [clean(x) for x in v] if isinstance(v, list) else v

        evidence = {k: clean(v) for k, v in self.evidence.items()}
        return json.dumps({"metrics": self.items, "evidence": evidence}, sort_keys=True)


def _series_filter(isrc: str, platform: str | None, territory: str | None, first: Any, last: Any
                   ) -> dict[str, Any]:
    out: dict[str, Any] = {"is_catalogue_match": True, "isrc": isrc}
    if platform is not None:
        out["platform_code"] = platform
    if territory is not None:
        out["territory_code"] = territory
    out["usage_date"] = [_d(first), _d(last)]
    return out


# --- the generator ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Context:
    inputs: Inputs
    as_of: pd.Timestamp
    tracks: pd.DataFrame  # indexed by isrc
    platform_names: dict[str, str]
    series_rows: dict[tuple[str, str, str], np.ndarray]  # (isrc, platform, territory) -> row positions in daily
    track_daily: pd.DataFrame  # days x isrc, 0 where no row

    def name(self, isrc: str) -> tuple[str, str]:
        if isrc in self.tracks.index:
            row = self.tracks.loc[isrc]
            return str(row["track_title"]), str(row["artist_name"])
        return isrc, "an unknown artist"

    def platform(self, code: str) -> str:
        return self.platform_names.get(code, code)

    def series(self, key: tuple[str, str, str]) -> pd.Series | None:
        """One series' streams by day (days with rows only), None when the marts have no such series."""
        rows = self.series_rows.get(key)
        if rows is None:
            return None
        return self.inputs.daily.iloc[rows].set_index("usage_date")["streams"].sort_index()


def _context(inputs: Inputs) -> _Context:
    daily = inputs.daily
    as_of = daily["usage_date"].max()
    tracks = inputs.tracks.drop_duplicates("isrc").set_index("isrc")
    names = dict(zip(inputs.platforms["platform_code"], inputs.platforms["platform_name"], strict=False))
    series = daily.groupby(["isrc", "platform", "territory"], sort=False).indices
    days = pd.date_range(daily["usage_date"].min(), as_of, freq="D")
    track_daily = daily.pivot_table(index="usage_date", columns="isrc", values="streams", aggfunc="sum"
                                    ).reindex(days).fillna(0.0)
    return _Context(inputs, as_of, tracks, names, series, track_daily)


def _row(ctx: _Context, kind: str, isrc: str, platform: str | None, territory: str | None, first: Any, last: Any,
         impact_streams: float, impact: float, confidence: float, urgency: float, headline: str, narrative: str,
         metrics: Metrics, url: str) -> dict[str, Any]:
    track = ctx.tracks.loc[isrc] if isrc in ctx.tracks.index else None
    period_start, period_end = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    key = "|".join([kind, "track", isrc, platform or "", territory or "", period_start.isoformat(),
                    period_end.isoformat()])
    return {
        "insight_id": hashlib.sha1(key.encode()).hexdigest()[:16],
        "insight_type": kind, "entity_type": "track", "entity_id": isrc,
        "entity_name": None if track is None else track["track_title"], "isrc": isrc,
        "artist_key": None if track is None else track["artist_key"],
        "artist_name": None if track is None else track["artist_name"],
        "label_key": None if track is None else track["label_key"],
        "label_id": None if track is None else track["label_id"],
        "label_name": None if track is None else track["label_name"],
        "platform": platform, "territory": territory, "period_start": period_start, "period_end": period_end,
        "impact_streams": float(impact_streams), "impact": float(min(1.0, max(0.0, impact))),
        "confidence": float(min(1.0, max(0.0, confidence))),
        "urgency": float(urgency), "headline": headline, "narrative": narrative, "metrics_json": metrics.json(),
        "entity_url": url,
    }


def fold(a: float, b: float) -> float:
    """How far apart two volumes are, 0..1: 1 - min/max (a 7x spike 0.86, a halving 0.5, nothing where
    something was expected 1). The impact of a finding relative to the entity's own normal volume."""
    high, low = max(abs(a), abs(b)), min(abs(a), abs(b))
    return 0.0 if high <= 0 else 1.0 - low / high


def recency(as_of: pd.Timestamp, last: Any) -> float:
    """exp(-ln 2 x days since the period ended / HALF_LIFE_DAYS): 1 for an event still running."""
    age = max(0, (as_of - pd.Timestamp(last)).days)
    return float(math.exp(-math.log(2) * age / HALF_LIFE_DAYS))


def _url(dashboard: str, **params: str | None) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return f"{DASHBOARD}/{dashboard}/?{query}"


def _control_note(agrees: bool) -> str:
    """When the series' own median does not show the event, say why the anomaly model still flags it."""
    return "" if agrees else (" The anomaly model judges it against the same track's other platforms and "
                              "territories on those days, not against this median.")


def anomaly_insights(ctx: _Context) -> list[dict[str, Any]]:
    """One insight per anomaly event. The narrative compares the event's streams with the series' median day of
    the four weeks before it (a number anyone can recompute from the marts); the impact is the model's own
    |observed - expected| (its control is better than a median, and impact is not quoted)."""
    events = ctx.inputs.anomalies
    if events is None or events.empty:
        return []
    out = []
    for ev in events.itertuples(index=False):
        key = (ev.isrc, ev.platform, ev.territory)
        start, end = pd.Timestamp(ev.start_date), pd.Timestamp(ev.end_date)
        history = ctx.series(key)
        if history is None:
            continue
        before = history[(history.index >= start - pd.Timedelta(days=BASELINE_DAYS)) & (history.index < start)]
        if before.empty or float(before.median()) <= 0:
            continue
        m = Metrics()
        m.evidence = {"model": "ml.anomalies", "kind": ev.kind, "score": float(ev.score),
                      "model_observed_streams": float(ev.observed_streams),
                      "model_expected_streams": float(ev.expected_streams)}
        n_days = (end - start).days + 1
        f_event = _series_filter(ev.isrc, ev.platform, ev.territory, start, end)
        f_before = _series_filter(ev.isrc, ev.platform, ev.territory, start - pd.Timedelta(days=BASELINE_DAYS),
                                  start - pd.Timedelta(days=1))
        observed = float(history[(history.index >= start) & (history.index <= end)].sum())
        median = float(before.median())
        days_txt = m.add("days", n_days, ",.0f", aggregation="calendar_days", filter=f_event)
        missing = ev.kind == "missing" or observed == 0
        obs_txt = m.add("observed_streams", observed, ",.0f", aggregation="sum", table=FACT, column="streams",
                        filter=f_event, quoted=not missing)
        med_txt = m.add("usual_daily_streams", median, ",.0f", aggregation="daily_median", table=FACT,
                        column="streams", filter=f_before)
        usual_total = m.values["days"] * m.values["usual_daily_streams"]
        usual_txt = m.add("usual_streams", usual_total, ",.0f", aggregation="product",
                          of=["days", "usual_daily_streams"], quoted=missing)
        title, artist = ctx.name(ev.isrc)
        where = f"{ctx.platform(ev.platform)} in {ev.territory}"
        period = f"{_d(start)} to {_d(end)}" if n_days > 1 else _d(start)
        day_word = "day" if n_days == 1 else "days"
        if missing:
            headline = f"No streams reported for \"{title}\" on {where}"
            narrative = (f"{where} reported no streams for \"{title}\" by {artist} for {days_txt} {day_word} "
                         f"({period}), where the series usually brings {med_txt} a day (median of the previous "
                         f"four weeks): about {usual_txt} streams are unaccounted for.")
        elif ev.kind == "spike":
            ratio_txt = m.add("ratio_to_usual", observed / usual_total, ",.1f", aggregation="ratio",
                              of=["observed_streams", "usual_streams"])
            headline = f"Spike: \"{title}\" on {where}"
            verb = "spiked to" if observed > usual_total else "reached"
            narrative = (f"Streams of \"{title}\" by {artist} on {where} {verb} {obs_txt} over {days_txt} "
                         f"{day_word} ({period}), {ratio_txt} times the usual {med_txt} a day (median of the "
                         f"previous four weeks).{_control_note(observed > usual_total)}")
        else:
            pct_txt = m.add("pct_of_usual", 100.0 * (observed / usual_total), ",.0f", aggregation="ratio",
                            of=["observed_streams", "usual_streams"], scale=100.0)
            headline = f"Drop: \"{title}\" on {where}"
            verb = "fell to" if observed < usual_total else "reached"
            narrative = (f"Streams of \"{title}\" by {artist} on {where} {verb} {obs_txt} over {days_txt} "
                         f"{day_word} ({period}), {pct_txt}% of the usual {med_txt} a day (median of the "
                         f"previous four weeks).{_control_note(observed < usual_total)}")
        model_obs, model_exp = float(ev.observed_streams), float(ev.expected_streams)
        if not (math.isfinite(model_obs) and math.isfinite(model_exp)):
            model_obs, model_exp = observed, usual_total
        out.append(_row(ctx, "anomaly", ev.isrc, ev.platform, ev.territory, start, end, abs(model_obs - model_exp),
                        fold(model_obs, model_exp), float(ev.score),
                        URGENCY_WEIGHT["anomaly"] * recency(ctx.as_of, end), headline, narrative, m,
                        _url("performance-overview", isrc=ev.isrc, platform=ev.platform, territory=ev.territory)))
    return out


def _weeks(ctx: _Context, n_weeks: int) -> tuple[pd.DatetimeIndex, pd.DataFrame]:
    """Weekly totals (weeks x isrc) of the last ``n_weeks`` full 7-day blocks ending on as_of (fewer when the
    history is shorter), and each week's first day."""
    n_weeks = min(n_weeks, len(ctx.track_daily) // 7)
    if n_weeks < 8:
        return pd.DatetimeIndex([]), pd.DataFrame()
    first = ctx.as_of - pd.Timedelta(days=7 * n_weeks - 1)
    block = ctx.track_daily.loc[first:ctx.as_of]
    week = np.arange(len(block)) // 7
    weekly = block.groupby(week).sum()
    starts = pd.DatetimeIndex([first + pd.Timedelta(days=7 * w) for w in range(n_weeks)])
    weekly.index = starts
    return starts, weekly


def _age_days(ctx: _Context, isrc: str, on: pd.Timestamp) -> float:
    if isrc not in ctx.tracks.index or pd.isna(ctx.tracks.at[isrc, "release_date"]):
        return math.inf
    return float((on - pd.Timestamp(ctx.tracks.at[isrc, "release_date"])).days)


def trend_break_insights(ctx: _Context) -> list[dict[str, Any]]:
    """A significant two-segment fit of the last half-year's weekly streams with at least a 25% change of level,
    confirmed by the medians and by a jump between the two lines at the split. Tracks released within the window
    plus ``MATURE_DAYS`` are left out: their release decay is a break by design, not news."""
    starts, weekly = _weeks(ctx, TREND_WEEKS)
    out: list[dict[str, Any]] = []
    if weekly.empty:
        return out
    window_start = starts[0]
    for isrc in weekly.columns:
        y = weekly[isrc].to_numpy(dtype=float)
        if y.mean() < 7 * 5 or _age_days(ctx, isrc, window_start) < MATURE_DAYS:
            continue
        tb = stats.trend_break(y, min_segment=4)
        if tb.p_value >= ALPHA or tb.before_mean <= 0:
            continue
        change = tb.after_mean / tb.before_mean - 1.0
        # the medians must agree: one extreme week (a series spike, a missing report) is an anomaly, not a break
        robust = float(np.median(y[tb.index:])) / max(float(np.median(y[:tb.index])), 1e-9) - 1.0
        if abs(change) < MIN_CHANGE or abs(robust) < MIN_CHANGE or np.sign(robust) != np.sign(change):
            continue
        # a break, not a bend: the two lines must jump apart at the split (a smooth seasonal curve or a slow decay
        # fits two lines that meet, whatever the p-value says with counts this large)
        k, n = tb.index, len(y)
        before_at_k = tb.before_mean + tb.before_slope * (k - (k - 1) / 2)
        after_at_k = tb.after_mean + tb.after_slope * (k - (k + n - 1) / 2)
        if before_at_k <= 0 or abs(after_at_k / before_at_k - 1.0) < MIN_CHANGE or np.sign(
                after_at_k - before_at_k) != np.sign(change):
            continue
        brk = starts[tb.index]
        m = Metrics()
        m.evidence = {"test": "two-segment regression, Chow F-test, Bonferroni over splits", "f_stat": tb.f_stat,
                      "p_value": tb.p_value, "candidate_splits": tb.candidates, "weeks": tb.n}
        f_before = _series_filter(isrc, None, None, window_start, brk - pd.Timedelta(days=1))
        f_after = _series_filter(isrc, None, None, brk, ctx.as_of)
        b_txt = m.add("weekly_before", tb.before_mean, ",.0f", aggregation="weekly_mean", table=FACT,
                      column="streams", filter=f_before)
        a_txt = m.add("weekly_after", tb.after_mean, ",.0f", aggregation="weekly_mean", table=FACT,
                      column="streams", filter=f_after)
        pct = 100.0 * (tb.after_mean - tb.before_mean) / tb.before_mean
        p_txt = m.add("pct_change", pct, "+,.1f", aggregation="pct_change", of=["weekly_after", "weekly_before"])
        title, artist = ctx.name(isrc)
        verb = "rose" if change > 0 else "fell"
        headline = f"Trend break: \"{title}\" {verb} from the week of {_d(brk)}"
        narrative = (f"Weekly streams of \"{title}\" by {artist} {verb} from {b_txt} a week on average "
                     f"({_d(window_start)} to {_d(brk - pd.Timedelta(days=1))}) to {a_txt} a week since "
                     f"({_d(brk)} to {_d(ctx.as_of)}), {p_txt}%: a statistically significant break in the trend.")
        n_after = len(y) - tb.index
        at_stake = abs(tb.after_mean - tb.before_mean) * min(n_after, 4)  # streams a month gained or lost
        out.append(_row(ctx, "trend_break", isrc, None, None, brk, ctx.as_of, at_stake,
                        fold(tb.after_mean, tb.before_mean),
                        stats.confidence_from_p(tb.p_value), URGENCY_WEIGHT["trend_break"] * recency(ctx.as_of, brk),
                        headline, narrative, m, _url("trend-analysis", isrc=isrc)))
    return out


def _windows(ctx: _Context, years_back: int = 0) -> tuple[tuple[pd.Timestamp, pd.Timestamp], ...]:
    """The last four weeks and the four before them, ending on as_of, or 52 weeks earlier per ``years_back``
    (364 days: the same weekdays)."""
    end = ctx.as_of - pd.Timedelta(days=364 * years_back)
    return ((end - pd.Timedelta(days=27), end), (end - pd.Timedelta(days=55), end - pd.Timedelta(days=28)))


def _last_28(ctx: _Context, isrc: str, years_back: int = 0) -> tuple[float, float]:
    col = ctx.track_daily[isrc] if isrc in ctx.track_daily.columns else pd.Series(dtype=float)
    (a0, a1), (b0, b1) = _windows(ctx, years_back)
    return float(col.loc[a0:a1].sum()), float(col.loc[b0:b1].sum())


def _last_year(ctx: _Context, isrc: str) -> tuple[float, float] | None:
    """The same eight weeks a year earlier, when the marts hold them and the track streamed in both halves."""
    (_, _), (b0, _) = _windows(ctx, 1)
    if b0 < ctx.track_daily.index[0] or _age_days(ctx, isrc, b0) < MATURE_DAYS:
        return None
    last, prev = _last_28(ctx, isrc, 1)
    return (last, prev) if last > 0 and prev > 0 else None


def _forecast_28(ctx: _Context, isrc: str) -> float | None:
    f = ctx.inputs.forecasts
    if f is None or f.empty:
        return None
    got = f[f["isrc"] == isrc]
    return float(got["predicted_streams"].sum()) if len(got) else None


def _steady_trend_text(ctx: _Context, isrc: str, m: Metrics) -> str:
    last, prev = _last_28(ctx, isrc)
    f_last = _series_filter(isrc, None, None, ctx.as_of - pd.Timedelta(days=27), ctx.as_of)
    f_prev = _series_filter(isrc, None, None, ctx.as_of - pd.Timedelta(days=55), ctx.as_of - pd.Timedelta(days=28))
    l_txt = m.add("streams_last_28d", last, ",.0f", aggregation="sum", table=FACT, column="streams", filter=f_last)
    p_txt = m.add("streams_prev_28d", prev, ",.0f", aggregation="sum", table=FACT, column="streams", filter=f_prev)
    text = (f"{l_txt} streams in the last four weeks ({_d(ctx.as_of - pd.Timedelta(days=27))} to {_d(ctx.as_of)}) "
            f"against {p_txt} in the four weeks before")
    if prev > 0:
        c_txt = m.add("pct_change", 100.0 * (last - prev) / prev, "+,.1f", aggregation="pct_change",
                      of=["streams_last_28d", "streams_prev_28d"])
        text += f" ({c_txt}%)"
    if (ly := _last_year(ctx, isrc)) is not None:
        (a0, a1), (b0, b1) = _windows(ctx, 1)
        m.add("streams_last_28d_last_year", ly[0], ",.0f", aggregation="sum", table=FACT, column="streams",
              filter=_series_filter(isrc, None, None, a0, a1), quoted=False)
        m.add("streams_prev_28d_last_year", ly[1], ",.0f", aggregation="sum", table=FACT, column="streams",
              filter=_series_filter(isrc, None, None, b0, b1), quoted=False)
        ly_txt = m.add("pct_change_last_year", 100.0 * (ly[0] - ly[1]) / ly[1], "+,.1f", aggregation="pct_change",
                       of=["streams_last_28d_last_year", "streams_prev_28d_last_year"])
        text += f"; over the same weeks last year it moved {ly_txt}%"
    forecast = _forecast_28(ctx, isrc)
    if forecast is not None:
        fc_txt = m.add("forecast_next_28d", forecast, ",.0f", aggregation="sum", table="ml.track_stream_forecast",
                       column="predicted_streams", filter={"isrc": isrc})
        text += f"; the forecast expects {fc_txt} over the next four weeks"
    return text


def trend_insights(ctx: _Context) -> list[dict[str, Any]]:
    """Opportunities and risks: eight weekly totals with a significant OLS slope that Mann-Kendall confirms, and
    a change of at least 25% over the eight weeks. Young tracks are left out (their decay is expected)."""
    starts, weekly = _weeks(ctx, STEADY_WEEKS)
    out: list[dict[str, Any]] = []
    if weekly.empty:
        return out
    for isrc in weekly.columns:
        y = weekly[isrc].to_numpy(dtype=float)
        if y.mean() < 7 * 5 or _age_days(ctx, isrc, starts[0]) < MATURE_DAYS:
            continue
        ols, mk = stats.ols_trend(y), stats.mann_kendall(y)
        p = max(ols.p_value, mk.p_value)
        fitted_first = ols.intercept
        fitted_last = ols.intercept + ols.slope * (len(y) - 1)
        if p >= ALPHA or np.sign(ols.slope) != np.sign(mk.s) or fitted_first <= 0:
            continue
        if abs(fitted_last / fitted_first - 1.0) < MIN_CHANGE:
            continue
        rising = ols.slope > 0
        last, prev = _last_28(ctx, isrc)
        if prev <= 0 or last <= 0:
            continue
        change = last / prev
        # novelty: a rise the track also had over the same weeks last year is its season, not news; what counts is
        # the change beyond last year's (when the marts reach back that far)
        ly = _last_year(ctx, isrc)
        expected = 1.0 if ly is None else ly[0] / ly[1]
        excess = change / expected
        if abs(excess - 1.0) < MIN_CHANGE or (excess > 1.0) != rising:
            continue
        kind = "opportunity" if rising else "risk"
        m = Metrics()
        rho = stats.spearman(np.arange(len(y)), y)
        m.evidence = {"test": "OLS slope t-test and Mann-Kendall on weekly streams", "ols_p_value": ols.p_value,
                      "mann_kendall_p_value": mk.p_value, "sen_slope_per_week": mk.sen_slope,
                      "spearman_rho": rho.r, "spearman_rho_ci95": [rho.lower, rho.upper],
                      "change_same_weeks_last_year": None if ly is None else expected}
        title, artist = ctx.name(isrc)
        body = _steady_trend_text(ctx, isrc, m)
        if rising:
            headline = f"Opportunity: \"{title}\" is growing steadily"
            narrative = (f"\"{title}\" by {artist} has grown week after week for two months: {body}. A good moment "
                         f"to pitch it to playlists or back it with a campaign.")
        else:
            headline = f"Risk: \"{title}\" is declining steadily"
            narrative = (f"\"{title}\" by {artist} has lost streams week after week for two months: {body}. Worth a "
                         f"look before the decline sets in.")
        at_stake = abs(last - prev * expected)  # the four weeks' streams beyond what the season explains
        out.append(_row(ctx, kind, isrc, None, None, starts[0], ctx.as_of, at_stake, fold(change, expected),
                        stats.confidence_from_p(p), URGENCY_WEIGHT[kind], headline, narrative, m,
                        _url("trend-analysis", isrc=isrc)))
    return out


def churn_insights(ctx: _Context, already: set[str]) -> list[dict[str, Any]]:
    """High-risk tracks of the churn model (when it has run) that no steady-decline risk already covers. The
    narrative quotes the marts' last two four-week totals; the confidence is the churn probability."""
    churn = ctx.inputs.churn
    if churn is None or churn.empty:
        return []
    high = churn[(churn["entity_type"] == "track") & (churn["risk_band"].astype(str).str.lower() == "high")]
    out = []
    for row in high.itertuples(index=False):
        isrc = str(row.entity_id)
        if isrc in already or isrc not in ctx.track_daily.columns:
            continue
        m = Metrics()
        m.evidence = {"model": "ml.churn_scores", "churn_probability": float(row.churn_probability),
                      "top_reason": row.top_reason if isinstance(row.top_reason, str) else None}
        title, artist = ctx.name(isrc)
        body = _steady_trend_text(ctx, isrc, m)
        reason = f" The churn model's main reason: {row.top_reason}." if isinstance(row.top_reason, str) else ""
        if any(ch.isdigit() for ch in reason):
            reason = ""  # a reason quoting numbers we cannot recompute from the marts stays out
        narrative = f"\"{title}\" by {artist} is at high risk of losing its audience: {body}.{reason}"
        last, prev = _last_28(ctx, isrc)
        out.append(_row(ctx, "risk", isrc, None, None, ctx.as_of - pd.Timedelta(days=55), ctx.as_of,
                        max(prev - last, 0.0), fold(last, prev) if last < prev else 0.0,
                        float(row.churn_probability), URGENCY_WEIGHT["risk"],
                        f"Risk: \"{title}\" may lose its audience", narrative, m, _url("trend-analysis", isrc=isrc)))
    return out


def benchmark_insights(ctx: _Context) -> list[dict[str, Any]]:
    """Per track, the platform and the territory whose share of the last 28 days departs most from the same
    share across the track's label, when the gap is at least 15 points and significant (two-proportion z-test)."""
    from scipy import stats as sps

    first = ctx.as_of - pd.Timedelta(days=27)
    recent = ctx.inputs.daily[ctx.inputs.daily["usage_date"] >= first]
    if recent.empty:
        return []
    labels = dict(zip(ctx.inputs.labels["label_key"], ctx.inputs.labels["label_name"], strict=False))
    recent = recent[recent["label_key"].notna()]
    # the track's label: the one its recent rows carry most (streams); the benchmark is that label's OTHER tracks,
    # so a track never pulls its own benchmark
    by_isrc_label = recent.groupby(["isrc", "label_key"])["streams"].sum()
    home = by_isrc_label.reset_index().sort_values(["isrc", "streams", "label_key"], ascending=[True, False, True]
                                                   ).drop_duplicates("isrc").set_index("isrc")["label_key"]
    out: list[dict[str, Any]] = []
    for dim, column in (("platform", "platform_code"), ("territory", "territory_code")):
        by_track = recent.groupby(["isrc", dim])["streams"].sum()
        track_total = recent.groupby("isrc")["streams"].sum()
        by_label = recent.groupby(["label_key", dim])["streams"].sum()
        label_total = recent.groupby("label_key")["streams"].sum()
        by_label_isrc = recent.groupby(["label_key", "isrc", dim])["streams"].sum()
        for isrc, total in track_total.items():
            label = home[isrc]
            other_total = float(label_total[label]) - float(by_isrc_label[(isrc, label)])
            if total < 28 * 5 or other_total <= 0:  # a one-track label has no benchmark
                continue
            best = None
            for value, l_streams in by_label[label].items():
                t_streams = float(by_track.get((isrc, value), 0.0))
                other = float(l_streams) - float(by_label_isrc.get((label, isrc, value), 0.0))
                share, bench = t_streams / float(total), other / other_total
                gap = share - bench
                # largest gap; on a tie (two values mirror each other) the one the track leans on
                if best is None or (round(abs(gap), 9), share) > (round(abs(best[1]), 9), best[2]):
                    best = (value, gap, share, bench, t_streams, other)
            if best is None or abs(best[1]) < MIN_SHARE_GAP:
                continue
            value, gap, share, bench, t_streams, other = best
            pooled = (t_streams + other) / (float(total) + other_total)
            se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / float(total) + 1 / other_total))
            p = float(2 * sps.norm.sf(abs(gap) / se))
            if p >= ALPHA:
                continue
            m = Metrics()
            m.evidence = {"test": "two-proportion z-test, track vs the label's other tracks", "p_value": p}
            f_track = _series_filter(isrc, None, None, first, ctx.as_of)
            f_track_dim = {**f_track, column: value}
            f_label = {"is_catalogue_match": True, "label_key": label, "usage_date": [_d(first), _d(ctx.as_of)]}
            f_label_dim = {**f_label, column: value}
            s_txt = m.add("track_share", 100.0 * share, ".1f", aggregation="share", table=FACT, column="streams",
                          filter=f_track_dim, denominator_filter=f_track, scale=100.0)
            # the label's other tracks: the label's share with the track taken out of both sides
            b_txt = m.add("label_other_tracks_share", 100.0 * bench, ".1f", aggregation="share", table=FACT,
                          column="streams", filter={**f_label_dim, "isrc_not": isrc},
                          denominator_filter={**f_label, "isrc_not": isrc}, scale=100.0)
            title, artist = ctx.name(isrc)
            label_name = labels.get(label, label)
            what = ctx.platform(value) if dim == "platform" else value
            more = "more" if gap > 0 else "less"
            headline = f"\"{title}\" leans {'on' if gap > 0 else 'away from'} {what} compared with its label"
            narrative = (f"{what} brings {s_txt}% of the streams of \"{title}\" by {artist} in the last four weeks "
                         f"({_d(first)} to {_d(ctx.as_of)}), against {b_txt}% for the other tracks of {label_name}: "
                         f"the track relies {more} on {what} than its label does.")
            out.append(_row(ctx, "benchmark_deviation", isrc, value if dim == "platform" else None,
                            value if dim == "territory" else None, first, ctx.as_of, abs(gap) * float(total),
                            fold(share, bench),
                            stats.confidence_from_p(p), URGENCY_WEIGHT["benchmark_deviation"], headline, narrative,
                            m, _url("platform-comparison" if dim == "platform" else "geographic-distribution",
                                    isrc=isrc, **{dim: value})))
    return out


def unquoted_numbers(row: dict[str, Any] | Any) -> list[str]:
    """Numbers a narrative prints that are none of its quoted metrics (dates and the entity's names aside): the
    generator's own promise that the narrative carries no number a test cannot recompute."""
    get = row.get if isinstance(row, dict) else row.__getitem__
    text = re.sub(r"\d{4}-\d{2}-\d{2}", "", get("narrative"))
    for name in (get("entity_name"), get("artist_name"), get("label_name")):
        if isinstance(name, str) and name:
            text = text.replace(name, "")
    quoted = {m["display"].lstrip("+-") for m in json.loads(get("metrics_json"))["metrics"] if m["quoted"]}
    return [n for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text) if n not in quoted]


def generate(inputs: Inputs) -> pd.DataFrame:
    """Every insight with its scores, ranked by priority (rank 1 = most important); columns ``COLUMNS``."""
    if inputs.daily.empty:
        return pd.DataFrame(columns=COLUMNS)
    ctx = _context(inputs)
    rows = anomaly_insights(ctx) + trend_break_insights(ctx)
    trends = trend_insights(ctx)
    rows += trends + churn_insights(ctx, {r["isrc"] for r in trends if r["insight_type"] == "risk"})
    rows += benchmark_insights(ctx)
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(rows).drop_duplicates("insight_id")
    frame["priority"] = frame["impact"] * frame["confidence"] * frame["urgency"]
    return rank(frame, "priority")


def rank(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Order by ``by`` (then impact, then id, so ties are deterministic) and number the ranks from 1."""
    out = frame.sort_values([by, "impact_streams", "insight_id"], ascending=[False, False, True]).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out[COLUMNS]


def rank_by_impact(frame: pd.DataFrame) -> pd.DataFrame:
    """The baseline: the same insights ranked by streams at stake alone (no confidence, no urgency)."""
    return rank(frame, "impact_streams")


# --- an sklearn-compatible face, for MLflow's registry ---------------------------------------------------------------

SCORE_FEATURES = ["impact", "confidence", "urgency"]


def _make_ranker_class() -> type:
    """Build :class:`InsightRanker` on first use (scikit-learn is imported only when the registry needs it)."""
    from sklearn.base import BaseEstimator

    class InsightRanker(BaseEstimator):
        """The priority formula as an estimator, so the registry holds the ranking with its weights: ``predict``
        returns impact x confidence x urgency ** ``urgency_power`` for rows with columns ``SCORE_FEATURES``
        (``urgency_power`` 1 is the formula; 0 drops urgency). Nothing is learnt: ``fit`` checks the columns."""

        def __init__(self, urgency_power: float = 1.0) -> None:
            self.urgency_power = urgency_power

        def fit(self, X: pd.DataFrame, y: Any = None) -> Any:
            missing = set(SCORE_FEATURES) - set(X.columns)
            if missing:
                raise ValueError(f"insights need the columns {sorted(missing)}")
            self.n_features_in_ = len(SCORE_FEATURES)
            return self

        def predict(self, X: pd.DataFrame) -> np.ndarray:
            return (X["impact"].to_numpy(dtype=float) * X["confidence"].to_numpy(dtype=float)
                    * X["urgency"].to_numpy(dtype=float) ** self.urgency_power)

    InsightRanker.__module__ = __name__
    InsightRanker.__qualname__ = "InsightRanker"
    return InsightRanker


_LAZY: dict[str, type] = {}


def __getattr__(name: str) -> Any:
    """``ml.insights.InsightRanker`` (skops and MLflow find it by that name), built on first access."""
    if name == "InsightRanker":
        if name not in _LAZY:
            _LAZY[name] = _make_ranker_class()
        return _LAZY[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

