"""ml/insights.py and ml/evaluation/insights.py on a small synthetic warehouse with planted events.

Five tracks of one label, two platforms x two territories, 2026-01-01..2026-06-30 (Poisson noise):
T1 flat (its Deezer/GB series misses two days near the end), T2 doubles from 2026-05-01 (a trend break),
T3 declines steadily over the last eight weeks (a risk), T4 streams only in the US (a benchmark deviation against
the label's other tracks, which split US/GB evenly), T5 flat with a 12x spike on Spotify/US three days before the
end (the anomaly the ranking must put first).
"""

from __future__ import annotations

import functools
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml import insights as ins
from ml.evaluation import Truth
from ml.evaluation import insights as ev

DAYS = pd.date_range("2026-01-01", "2026-06-30", freq="D")
AS_OF = DAYS[-1]
SPIKE = ("T5", "spotify", "US", pd.Timestamp("2026-06-25"), pd.Timestamp("2026-06-27"))
MISSING = ("T1", "deezer", "GB", pd.Timestamp("2026-06-20"), pd.Timestamp("2026-06-21"))


@functools.cache
def _fact() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    t = np.arange(len(DAYS))
    decline_start = len(DAYS) - 56
    for isrc in ("T1", "T2", "T3", "T4", "T5"):
        for platform in ("spotify", "deezer"):
            for territory in ("US", "GB"):
                lam = np.full(len(DAYS), 100.0 if platform == "spotify" else 60.0)
                if isrc == "T2":
                    lam = np.where(pd.Timestamp("2026-05-01") <= DAYS, 2 * lam, lam)
                if isrc == "T3":
                    lam = np.where(t >= decline_start, lam * (1 - 0.5 * (t - decline_start) / 56), lam)
                if isrc == "T4":
                    lam = lam * (2.0 if territory == "US" else 0.0)
                if (isrc, platform, territory) == SPIKE[:3]:
                    lam = np.where((SPIKE[3] <= DAYS) & (SPIKE[4] >= DAYS), 12 * lam, lam)
                y = rng.poisson(lam)
                for day, streams in zip(DAYS, y, strict=True):
                    if lam[DAYS.get_loc(day)] == 0:
                        continue
                    if (isrc, platform, territory) == MISSING[:3] and MISSING[3] <= day <= MISSING[4]:
                        continue
                    rows.append((day.date(), isrc, platform, territory, "lk1", True, int(streams)))
    return pd.DataFrame(rows, columns=["usage_date", "isrc", "platform_code", "territory_code", "label_key",
                                       "is_catalogue_match", "streams"])


class _Marts:
    """An in-memory DuckDB with the marts the insights read (the evaluation's Marts protocol)."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        fact = _fact()
        tracks = pd.DataFrame({"isrc": ["T1", "T2", "T3", "T4", "T5"],
                               "track_title": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"],
                               "artist_key": ["a1", "a1", "a2", "a2", "a3"],
                               "artist_name": ["Ann", "Ann", "Bo", "Bo", "Cy"], "label_key": "lk1",
                               "label_name": "Label One", "release_date": pd.Timestamp("2024-03-01").date()})
        labels = pd.DataFrame({"label_key": ["lk1"], "label_id": ["L001"], "label_name": ["Label One"]})
        platforms = pd.DataFrame({"platform_code": ["spotify", "deezer"], "platform_name": ["Spotify", "Deezer"]})
        self.con.execute("create schema marts")
        for name, frame in (("fct_usage_daily", fact), ("dim_track", tracks), ("dim_label", labels),
                            ("dim_platform", platforms)):
            self.con.register("f", frame)
            self.con.execute(f"create table marts.{name} as select * from f")
            self.con.unregister("f")

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()


def _anomalies() -> pd.DataFrame:
    """What ml.anomalies.detect would return for the planted events (its interface), plus a weak old one."""
    return pd.DataFrame([
        {"isrc": "T5", "platform": "spotify", "territory": "US", "start_date": SPIKE[3].date(),
         "end_date": SPIKE[4].date(), "kind": "spike", "observed_streams": 3600.0, "expected_streams": 300.0,
         "score": 0.95, "series_median": 100.0},
        {"isrc": "T1", "platform": "deezer", "territory": "GB", "start_date": MISSING[3].date(),
         "end_date": MISSING[4].date(), "kind": "missing", "observed_streams": 0.0, "expected_streams": 120.0,
         "score": 0.8, "series_median": 60.0},
        {"isrc": "T1", "platform": "spotify", "territory": "US", "start_date": pd.Timestamp("2026-02-01").date(),
         "end_date": pd.Timestamp("2026-02-01").date(), "kind": "drop", "observed_streams": 70.0,
         "expected_streams": 100.0, "score": 0.3, "series_median": 100.0},
    ])


@pytest.fixture(scope="module")
def marts() -> _Marts:
    return _Marts()


@pytest.fixture(scope="module")
def insights(marts: _Marts) -> pd.DataFrame:
    return ins.generate(ins.load(marts, anomalies=_anomalies()))


def _one(frame: pd.DataFrame, kind: str, isrc: str) -> pd.Series:
    got = frame[(frame["insight_type"] == kind) & (frame["isrc"] == isrc)]
    assert len(got) >= 1, f"no {kind} insight for {isrc}: {frame[['insight_type', 'isrc']].values.tolist()}"
    return got.iloc[0]


def test_each_planted_event_becomes_its_insight(insights: pd.DataFrame) -> None:
    assert set(insights["insight_type"]) >= {"anomaly", "trend_break", "risk", "benchmark_deviation"}
    brk = _one(insights, "trend_break", "T2")
    # weekly blocks end on the last day, so the break is the week that holds 2026-05-01 or the next one
    assert abs((pd.Timestamp(brk["period_start"]) - pd.Timestamp("2026-05-01")).days) <= 6
    assert "rose" in brk["narrative"]
    risk = _one(insights, "risk", "T3")
    assert "lost streams" in risk["narrative"]
    bench = _one(insights, "benchmark_deviation", "T4")
    fact = _fact()
    recent = fact[(pd.to_datetime(fact["usage_date"]) >= AS_OF - pd.Timedelta(days=27)) & (fact["isrc"] != "T4")]
    others_us = 100 * recent.loc[recent["territory_code"] == "US", "streams"].sum() / recent["streams"].sum()
    assert bench["territory"] == "US"
    assert "US brings 100.0% of the streams of \"Delta\" by Bo" in bench["narrative"]
    assert f"against {others_us:.1f}% for the other tracks of Label One" in bench["narrative"]
    # nothing fires on the flat tracks but the planted series events
    assert set(insights.loc[insights["insight_type"] != "anomaly", "isrc"]) <= {"T2", "T3", "T4"}


def test_anomaly_narrative_numbers_are_the_marts(insights: pd.DataFrame) -> None:
    spike = insights[(insights["insight_type"] == "anomaly") & (insights["isrc"] == "T5")].iloc[0]
    fact = _fact()
    series = fact[(fact["isrc"] == "T5") & (fact["platform_code"] == "spotify") & (fact["territory_code"] == "US")]
    day = pd.to_datetime(series["usage_date"])
    observed = series.loc[(day >= SPIKE[3]) & (day <= SPIKE[4]), "streams"].sum()
    median = series.loc[(day >= SPIKE[3] - pd.Timedelta(days=28)) & (day < SPIKE[3]), "streams"].median()
    assert f"spiked to {observed:,.0f} over 3 days (2026-06-25 to 2026-06-27)" in spike["narrative"]
    assert f"{observed / (3 * median):,.1f} times the usual {median:,.0f} a day" in spike["narrative"]
    metrics = {m["name"]: m for m in json.loads(spike["metrics_json"])["metrics"]}
    assert metrics["observed_streams"]["value"] == observed
    assert metrics["observed_streams"]["filter"] == {
        "is_catalogue_match": True, "isrc": "T5", "platform_code": "spotify", "territory_code": "US",
        "usage_date": ["2026-06-25", "2026-06-27"]}
    assert spike["entity_url"] == "/superset/dashboard/performance-overview/?isrc=T5&platform=spotify&territory=US"
    missing = insights[(insights["insight_type"] == "anomaly") & (insights["isrc"] == "T1")
                       & (insights["platform"] == "deezer")].iloc[0]
    assert missing["narrative"].startswith("Deezer in GB reported no streams for \"Alpha\" by Ann for 2 days")


def test_priority_ranks_the_recent_confident_event_first(insights: pd.DataFrame) -> None:
    assert np.allclose(insights["priority"], insights["impact"] * insights["confidence"] * insights["urgency"])
    assert list(insights["rank"]) == list(range(1, len(insights) + 1))
    assert insights["priority"].is_monotonic_decreasing
    top = insights.iloc[0]
    assert (top["insight_type"], top["isrc"], top["platform"], top["territory"]) == ("anomaly", "T5", "spotify", "US")
    old = insights[(insights["isrc"] == "T1") & (insights["platform"] == "spotify")].iloc[0]
    assert old["urgency"] == pytest.approx(0.5 ** ((AS_OF - pd.Timestamp("2026-02-01")).days / 30))
    assert ((insights[["impact", "confidence", "urgency"]] >= 0) & (insights[["impact", "confidence", "urgency"]]
                                                                     <= 1)).all().all()
    # the baseline (impact alone) puts a big standing effect first instead
    assert ins.rank_by_impact(insights).iloc[0]["insight_type"] != "anomaly"


def test_ids_are_stable_and_specific(marts: _Marts, insights: pd.DataFrame) -> None:
    again = ins.generate(ins.load(marts, anomalies=_anomalies()))
    assert list(again["insight_id"]) == list(insights["insight_id"])
    assert insights["insight_id"].is_unique
    shifted = _anomalies().assign(end_date=lambda f: f["end_date"].where(f["isrc"] != "T5",
                                                                         pd.Timestamp("2026-06-28").date()))
    moved = ins.generate(ins.load(marts, anomalies=shifted))
    assert set(moved["insight_id"]) ^ set(insights["insight_id"])  # the spike's period changed, so its id


def test_every_narrative_number_recomputes_from_sql(marts: _Marts, insights: pd.DataFrame) -> None:
    checked = 0
    for row in insights.to_dict("records"):
        assert ev.check_narrative(marts, row) == []
        checked += len(json.loads(row["metrics_json"])["metrics"])
        # no number in the words but the quoted ones (dates and names aside)
        assert ins.unquoted_numbers(row) == [], row["narrative"]
    assert checked >= 20


def test_a_wrong_number_is_caught(marts: _Marts, insights: pd.DataFrame) -> None:
    row = insights.iloc[0].to_dict()
    metrics = json.loads(row["metrics_json"])
    metrics["metrics"][1]["display"] = "1"
    row["metrics_json"] = json.dumps(metrics)
    assert len(ev.check_narrative(marts, row)) == 1


def test_evaluation_judges_the_top_insight_and_the_baseline_misses(marts: _Marts,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ev, "detect_anomalies", lambda daily: _anomalies())
    truth = Truth({"hidden": {"anomalies": [
        {"isrc": "T5", "platform": "spotify", "territory": "US", "start": "2026-06-25", "end": "2026-06-27",
         "kind": "spike"},
        {"isrc": "T1", "platform": "deezer", "territory": "GB", "start": "2026-06-20", "end": "2026-06-21",
         "kind": "missing"}]}})
    figures = {f.name: f for f in ev.evaluate(marts, truth)}
    assert figures["top-ranked insight is an injected event"].passed is True
    assert figures["narrative numbers not matching the marts"].value == 0
    assert figures["injected events covered by an anomaly insight"].value == 1.0
    baseline = {f.name: f for f in ev.evaluate(marts, truth, use_baseline=True)}
    assert baseline["top-ranked insight is an injected event"].passed is False


def test_forecasts_and_churn_scores_join_in(marts: _Marts) -> None:
    forecasts = pd.DataFrame({"isrc": "T3", "forecast_date": pd.date_range("2026-07-01", periods=28).date,
                              "predicted_streams": np.linspace(120.0, 90.0, 28)})
    marts.con.execute("create schema if not exists ml")
    marts.con.register("f", forecasts)
    marts.con.execute("create or replace table ml.track_stream_forecast as select * from f")
    marts.con.unregister("f")
    churn = pd.DataFrame({"entity_type": ["track", "track", "artist"], "entity_id": ["T1", "T3", "a1"],
                          "entity_name": ["Alpha", "Gamma", "Ann"], "as_of_date": AS_OF.date(),
                          "churn_probability": [0.8, 0.9, 0.95], "risk_band": ["high", "high", "high"],
                          "top_reason": ["streams fell over 28 days", "decline", "decline"]})
    got = ins.generate(ins.load(marts, anomalies=_anomalies(), forecasts=ins.read_optional(marts, ins.FORECASTS_TABLE),
                                churn=churn))
    risk = _one(got, "risk", "T3")  # the steady decline, not a second churn insight for the same track
    assert ((got["insight_type"] == "risk") & (got["isrc"] == "T3")).sum() == 1
    assert f"the forecast expects {forecasts['predicted_streams'].sum():,.0f} over the next four weeks" in (
        risk["narrative"])
    churned = _one(got, "risk", "T1")
    assert churned["confidence"] == 0.8
    assert "high risk of losing its audience" in churned["narrative"]
    assert "streams fell over" not in churned["narrative"]  # a reason quoting numbers stays out
    for row in got.to_dict("records"):
        assert ev.check_narrative(marts, row) == []
    assert ins.read_optional(marts, "select * from ml.no_such_table") is None
    marts.con.execute("drop table ml.track_stream_forecast")


def test_the_anomaly_model_plugs_in(marts: _Marts) -> None:
    """ml.anomalies.detect on the insights' own daily frame (what the evaluation runs) feeds the generator."""
    inputs = ins.load(marts)
    inputs.anomalies = ev.detect_anomalies(inputs.daily)
    assert {"isrc", "platform", "territory", "start_date", "end_date", "kind", "observed_streams",
            "expected_streams", "score"} <= set(inputs.anomalies.columns)
    got = ins.generate(inputs)
    spikes = got[(got["insight_type"] == "anomaly") & (got["isrc"] == "T5")]
    assert len(spikes) >= 1 and spikes.iloc[0]["platform"] == "spotify" and spikes.iloc[0]["territory"] == "US"


def test_unquoted_numbers_are_flagged(insights: pd.DataFrame) -> None:
    row = insights.iloc[0].to_dict()
    row["narrative"] += " It ranks 7th."
    assert ins.unquoted_numbers(row) == ["7"]


def test_no_usage_no_insights() -> None:
    empty = ins.Inputs(pd.DataFrame(columns=["isrc", "platform", "territory", "usage_date", "label_key", "streams"]),
                       pd.DataFrame(), pd.DataFrame(columns=["platform_code", "platform_name"]),
                       pd.DataFrame(columns=["label_key", "label_name"]))
    assert list(ins.generate(empty).columns) == ins.COLUMNS


def test_ranker_estimator_reproduces_priority(insights: pd.DataFrame) -> None:
    ranker = ins.InsightRanker().fit(insights[ins.SCORE_FEATURES])
    assert np.allclose(ranker.predict(insights[ins.SCORE_FEATURES]), insights["priority"])
    no_urgency = ins.InsightRanker(urgency_power=0.0).fit(insights[ins.SCORE_FEATURES])
    assert np.allclose(no_urgency.predict(insights[ins.SCORE_FEATURES]), insights["impact"] * insights["confidence"])
