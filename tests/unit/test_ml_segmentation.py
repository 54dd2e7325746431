"""Segmentation on planted curves: the four behaviours are found and named from their shapes, the volume-only
baseline cannot find them, artists take their tracks' majority, audiences split by their mix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml import segmentation as sg

START, DAYS = pd.Timestamp("2025-09-01"), 426
KINDS = ("evergreen", "seasonal", "viral", "decaying")


def planted(per_kind: int = 4, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Poisson daily streams on two platforms: a common release spike, then one of the four behaviours; the
    level is random and unrelated to the behaviour."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(START, periods=DAYS, freq="D")
    doy = days.day_of_year.to_numpy()
    rows, tracks = [], []
    for k, kind in enumerate(KINDS):
        for j in range(per_kind):
            isrc = f"XX{k}{j:02d}"
            release = START - pd.Timedelta(days=int(rng.integers(200, 900))) if j % 2 else START + pd.Timedelta(
                days=int(rng.integers(0, 120)))
            age = (days - release).days.to_numpy().astype(float)
            shape = {"evergreen": np.ones(DAYS),
                     "seasonal": 1 + 0.6 * np.cos(2 * np.pi * (doy - 355) / 365.25),
                     "viral": 1 + 2.5 * np.exp(-np.abs(np.arange(DAYS) - 220 - 10 * j) / 9),
                     "decaying": 0.35 + 0.65 * np.exp(-np.clip(age, 0, None) / 150)}[kind]
            lam = rng.choice([40.0, 400.0]) * (1 + 3 * np.exp(-np.clip(age, 0, None) / 12)) * shape * (age >= 0)
            for p in ("spotify", "deezer"):
                rows.append(pd.DataFrame({"isrc": isrc, "usage_date": days, "platform_code": p,
                                          "streams": rng.poisson(lam / 2).astype(float)}))
            tracks.append({"isrc": isrc, "track_title": isrc, "artist_key": f"A{k}", "artist_name": f"Artist {k}",
                           "release_date": release.date(), "kind": kind})
    daily = pd.concat(rows, ignore_index=True)
    return daily[daily["streams"] > 0], pd.DataFrame(tracks)


@pytest.fixture(scope="module")
def result():
    daily, tracks = planted()
    panel = sg.Panel.from_frames(daily, tracks)
    segs, seg = sg.segment_tracks(panel)
    return segs.merge(tracks, on="isrc"), seg, panel, tracks


def test_planted_behaviours_are_found_and_named_by_shape(result) -> None:
    segs, seg, _, _ = result
    assert len(segs) == 16
    # every planted behaviour gets its own plain-word name from the cluster centres
    agree = (segs["segment_name"] == segs["kind"]).mean()
    assert agree >= 14 / 16, segs[["isrc", "kind", "segment_name", "seasonal_t", "trend_t", "peak"]]
    assert seg.stability_ari > 0.9
    assert set(segs["segment_name"]) == set(KINDS)
    assert segs["confidence"].between(0, 1).all()


def test_shape_features_point_the_right_way(result) -> None:
    segs, _, _, _ = result
    by = segs.groupby("kind")[["seasonal_amplitude", "trend_per_year", "peak"]].median()
    assert by.loc["seasonal", "seasonal_amplitude"] > 0.4 > by.loc["evergreen", "seasonal_amplitude"]
    assert by.loc["decaying", "trend_per_year"] < -0.2 < by.loc["evergreen", "trend_per_year"]
    assert by.loc["viral", "peak"] > 0.6 > by.loc["evergreen", "peak"]


def test_volume_baseline_does_not_find_the_behaviours(result) -> None:
    from sklearn.metrics import adjusted_rand_score

    segs, _, panel, _ = result
    base, _ = sg.segment_tracks(panel, use_baseline=True)
    base = base.merge(segs[["isrc", "kind"]], on="isrc")
    assert adjusted_rand_score(segs["kind"], segs["segment"]) >= 0.6
    assert adjusted_rand_score(base["kind"], base["segment"]) < 0.3


def test_artist_takes_its_tracks_majority() -> None:
    segs = pd.DataFrame({"isrc": ["a", "b", "c", "d"], "segment_name": ["viral", "viral", "seasonal", "seasonal"],
                         "mean_daily_streams": [1.0, 1.0, 5.0, 1.0]})
    tracks = pd.DataFrame({"isrc": ["a", "b", "c", "d"], "artist_key": ["K1", "K1", "K1", "K2"],
                           "artist_name": ["One", "One", "One", "Two"]})
    out = sg.segment_artists(segs, tracks).set_index("artist_key")
    assert out.loc["K1", "segment_name"] == "viral"
    assert out.loc["K1", "confidence"] == pytest.approx(2 / 3)
    assert out.loc["K2", "segment_name"] == "seasonal"


def test_tiny_catalogue_gets_fewer_clusters() -> None:
    daily, tracks = planted(per_kind=1)
    segs, seg = sg.segment_tracks(sg.Panel.from_frames(daily, tracks))
    assert len(segs) == 4 and seg.labels.max() + 1 == 1
    assert sg.n_clusters(12) == 4 and sg.n_clusters(7) == 2


def test_audiences_split_by_age_and_territory() -> None:
    rows = []
    for a in range(8):
        young = a < 4
        for month in ("2026-01-01", "2026-02-01"):
            for band, share in zip(["18-24", "25-34", "45-54", "65+"],
                                   [0.5, 0.3, 0.1, 0.1] if young else [0.1, 0.1, 0.4, 0.4], strict=True):
                for gender in ("female", "male"):
                    rows.append((month, "spotify", f"p{a}", f"Artist {a}", f"K{a}", "age_gender", band, gender,
                                 None, int(1000 * share / 2)))
            for country, share in (("US", 0.7 if young else 0.2), ("DE", 0.3 if young else 0.8)):
                rows.append((month, "spotify", f"p{a}", f"Artist {a}", f"K{a}", "country", None, None, country,
                             int(1000 * share)))
    frame = pd.DataFrame(rows, columns=["audience_month", "platform_code", "platform_artist_id", "artist_name",
                                        "artist_key", "breakdown", "age_band", "gender", "territory_code",
                                        "listeners"])
    profiles = sg.audience_profiles(frame)
    assert profiles.loc[0, "age_18-24"] == pytest.approx(0.5)
    out, silhouette = sg.segment_audiences(profiles)
    assert out.groupby("segment")["audience_name"].count().tolist() == [4, 4]
    assert silhouette > 0.9
    names = out.set_index("audience_name")["segment_name"]
    assert names["Artist 0"].startswith("18-34") and names["Artist 0"].endswith("US-led")
    assert names["Artist 7"].startswith("35-54") or names["Artist 7"].startswith("55+")
    assert sg.segment_audiences(sg.audience_profiles(frame.iloc[0:0]))[0].empty
