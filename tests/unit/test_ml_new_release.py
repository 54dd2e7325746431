"""New-release performance (ml/new_release.py) on a synthetic catalogue: the baseline on known numbers, the
features known on release day only, and the acceptance swap: the model beats the label-curve baseline when the
release size follows the track count, the baseline in its place misses."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ml import new_release as nr
from ml.evaluation.new_release import figures

START = dt.date(2025, 9, 1)
DAYS = 420


def catalogue(n: int = 40, seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Releases spread over the window, each streaming size x (1 + 3 exp(-age / 12)) a day; the size grows with
    the track count (harmonic number) times a noisy draw independent of the artist, so the artist's last release
    says little and the track count a lot."""
    rng = np.random.default_rng(seed)
    releases, daily = [], []
    for i in range(n):
        day = int(i * (DAYS - 40) / n)
        tracks = int(rng.integers(1, 6))
        size = 40 * np.sum(1 / np.arange(1, tracks + 1)) ** 3 * rng.lognormal(0, 0.25)
        releases.append({"release_key": f"R{i:03d}", "release_title": f"T{i}",
                         "release_date": START + dt.timedelta(days=day), "artist_key": f"A{i % 7}",
                         "artist_name": f"Artist {i % 7}", "label_key": f"L{i % 2}", "label_name": f"Label {i % 2}",
                         "track_count": tracks, "genre": "pop"})
        age = np.arange(DAYS - day)
        streams = rng.poisson(size * (1 + 3 * np.exp(-age / 12)))
        daily += [(f"R{i:03d}", START + dt.timedelta(days=day + int(a)), float(s)) for a, s in zip(age, streams,
                                                                                                   strict=True)]
    return pd.DataFrame(releases), pd.DataFrame(daily, columns=["release_key", "usage_date", "streams"])


@pytest.fixture(scope="module")
def data() -> tuple[nr.ReleaseData, pd.DataFrame]:
    releases, daily = catalogue()
    data = nr.prepare(releases, daily)
    artist = daily.merge(releases[["release_key", "artist_key"]]).groupby(["artist_key", "usage_date"],
                                                                         as_index=False)["streams"].sum()
    touches = pd.DataFrame(columns=["activity_id", "start_date", "artist_key", "release_key", "spend_eur"])
    return data, nr.features(data, artist, touches)


def test_observed_first_28_days_and_the_median_curve(data) -> None:
    d, _ = data
    rel = d.releases.set_index("release_key")
    last = pd.Timestamp(d.last_date)
    assert rel["observed"].tolist() == (rel["release_date"] + pd.Timedelta(days=27) <= last).tolist()
    assert rel["observed"].sum() >= 30
    assert rel.loc["R000", "first28"] == pytest.approx(d.curves.loc["R000"].sum())
    curve = nr.median_curve(d)
    assert curve[-1] == pytest.approx(1.0) and np.all(np.diff(curve) >= 0)
    # the release spike front-loads the curve: 1 + 3 exp(-a / 12) puts ~36% of 28 days in the first week
    assert 0.3 < curve[6] < 0.45


def test_baseline_is_the_artist_last_release_else_the_label_median() -> None:
    releases = pd.DataFrame({
        "release_key": ["R1", "R2", "R3", "R4"], "release_title": "t", "artist_key": ["A", "B", "A", "C"],
        "artist_name": "x", "label_key": ["L", "L", "L", "L"], "label_name": "l", "track_count": 1, "genre": "g",
        "release_date": [START, START + dt.timedelta(days=1), START + dt.timedelta(days=60),
                         START + dt.timedelta(days=61)]})
    daily = pd.DataFrame([(k, START + dt.timedelta(days=d0 + a), v) for k, d0, v in
                          [("R1", 0, 10.0), ("R2", 1, 30.0), ("R3", 60, 1.0), ("R4", 61, 1.0)] for a in range(40)],
                         columns=["release_key", "usage_date", "streams"])
    d = nr.prepare(releases, daily)
    feats = nr.features(d, pd.DataFrame(columns=["artist_key", "usage_date", "streams"]),
                        pd.DataFrame(columns=["activity_id", "start_date", "artist_key", "release_key", "spend_eur"]))
    train = d.releases["release_key"].isin(["R1", "R2"])
    base = nr.baseline(d, feats, train)
    # R3: artist A's last release R1 made 280 in its first 28 days; R4: artist C has none, the label median
    assert base[2] == pytest.approx(280.0)
    assert base[3] == pytest.approx(np.median([280.0, 840.0]))
    assert feats.loc[2, "has_prev_first28"] == 1.0 and feats.loc[3, "has_prev_first28"] == 0.0


def test_features_only_know_the_past(data) -> None:
    d, feats = data
    rel = d.releases
    for i in rel.index[feats["has_prev_first28"] == 1.0]:
        earlier = rel[(rel["artist_key"] == rel.at[i, "artist_key"])
                      & (rel["release_date"] + pd.Timedelta(days=27) < rel.at[i, "release_date"]) & rel["observed"]]
        assert np.expm1(feats.at[i, "log_prev_first28"]) == pytest.approx(earlier.iloc[-1]["first28"])
    assert feats.loc[rel["track_count"] == 1, "log_harmonic_tracks"].eq(0.0).all()


def test_the_model_beats_its_baseline_and_the_swap_misses(data) -> None:
    d, feats = data
    model = nr.backtest(d, feats)
    swapped = nr.backtest(d, feats, use_baseline=True)
    judged = figures(model)[0]
    assert judged.name == "wape_first_28d_streams" and judged.passed is True
    assert judged.value < 0.8 * judged.baseline
    miss = figures(swapped, use_baseline=True)[0]
    assert miss.passed is False and miss.value == pytest.approx(miss.baseline)
    assert miss.baseline == pytest.approx(judged.baseline)
    assert len(model.rows) >= 10 and (model.rows["model"] > 0).all()


def test_the_table_and_too_few_releases(data) -> None:
    d, feats = data
    observed = d.releases["observed"].to_numpy()
    estimator = nr.fit(feats[observed], d.releases.loc[observed, "first28"].to_numpy(float))
    table = nr.forecast_table(d, feats, estimator, (-0.3, 0.3))
    assert len(table) == len(d.releases)
    assert (table["predicted_first_28d_streams_lower"] <= table["predicted_first_28d_streams"]).all()
    assert (table["predicted_first_28d_streams"] <= table["predicted_first_28d_streams_upper"]).all()
    assert table.loc[table["days_observed"] == 28, "actual_first_28d_streams"].notna().all()
    # two releases only: no model, no scored release, the baseline's table, nothing raises
    releases, daily = catalogue(n=2)
    small = nr.prepare(releases, daily)
    small_feats = nr.features(small, pd.DataFrame(columns=["artist_key", "usage_date", "streams"]),
                              pd.DataFrame(columns=["activity_id", "start_date", "artist_key", "release_key",
                                                    "spend_eur"]))
    assert len(nr.backtest(small, small_feats).rows) == 0
    assert figures(nr.backtest(small, small_feats))[0].passed is None
    assert len(nr.forecast_table(small, small_feats, None)) == 2
