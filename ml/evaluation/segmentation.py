"""Segmentation against the generator's hidden archetypes (evergreen, viral, seasonal, decaying).

Judged: the adjusted Rand index of the track segments (>= 0.6): label-free, so the cluster names play no part.
Reported: the artist ARI, where an artist's true segment is the most common archetype of its tracks (ties: the
archetype with the larger total popularity) and its predicted segment the most common segment of its tracks
(ml.segmentation.segment_artists); the stability (mean ARI between KMeans seeds); the audience segments'
silhouette (there is no truth for audiences). The baseline clusters the tracks on volume alone.
"""

from __future__ import annotations

import collections

import numpy as np
import pandas as pd

from ml import segmentation as sg
from ml.evaluation import Figure, Marts, Truth, at_least

MODEL = "segmentation"
TARGET_ARI = 0.6


def true_artist_segments(hidden_tracks: dict, tracks: pd.DataFrame) -> pd.Series:
    """artist_key -> majority archetype of the artist's tracks (the artist found through its tracks' ISRCs)."""
    key_of = tracks.drop_duplicates("isrc").set_index("isrc")["artist_key"]
    votes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    weight: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    keys: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for isrc, h in hidden_tracks.items():
        votes[h["artist_id"]][h["archetype"]] += 1
        weight[h["artist_id"]][h["archetype"]] += h.get("popularity", 0.0)
        if isrc in key_of.index and isinstance(key_of[isrc], str):
            keys[h["artist_id"]][key_of[isrc]] += 1
    out = {}
    for artist, counter in votes.items():
        if not keys[artist]:
            continue
        best = max(counter, key=lambda a: (counter[a], weight[artist][a]))
        out[keys[artist].most_common(1)[0][0]] = best
    return pd.Series(out, dtype=object)


def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]:
    from sklearn.metrics import adjusted_rand_score

    daily = marts.frame(sg.DAILY_STREAMS)
    tracks = marts.frame(sg.TRACKS)
    panel = sg.Panel.from_frames(daily, tracks)
    features = sg.track_features(panel)
    model, seg = sg.segment_tracks(panel, use_baseline=use_baseline, features=features)
    naive, _ = sg.segment_tracks(panel, use_baseline=True, features=features)
    hidden = truth.hidden["tracks"]

    def track_ari(frame: pd.DataFrame) -> tuple[float, int]:
        known = frame[frame["isrc"].isin(hidden)]
        return float(adjusted_rand_score([hidden[i]["archetype"] for i in known["isrc"]],
                                         known["segment"])), len(known)

    ari, n_tracks = track_ari(model)
    ari_naive, _ = track_ari(naive)
    true_artists = true_artist_segments(hidden, tracks)

    def artist_ari(frame: pd.DataFrame) -> tuple[float, int]:
        got = sg.segment_artists(frame, tracks).set_index("artist_key")["segment_name"]
        common = got.index.intersection(true_artists.index)
        if len(common) < 2:
            return float("nan"), len(common)
        return float(adjusted_rand_score(true_artists[common], got[common])), len(common)

    a_ari, n_artists = artist_ari(model)
    a_naive, _ = artist_ari(naive)
    figures = [
        Figure(MODEL, "track ARI vs hidden archetypes", ari, ari_naive, f">= {TARGET_ARI}",
               at_least(ari, TARGET_ARI), f"{n_tracks} tracks, {seg.labels.max() + 1} clusters"
               + (" (volume-only baseline in the model's place)" if use_baseline else "")),
        Figure(MODEL, "artist ARI vs majority archetype", a_ari, a_naive, "", None, f"{n_artists} artists"),
        Figure(MODEL, "stability ARI across KMeans seeds", seg.stability_ari, None, "", None,
               f"mean ARI of seeds {list(sg.SEEDS[1:])} vs seed {sg.SEEDS[0]}"),
    ]
    audience = marts.frame(sg.AUDIENCE)
    rows, silhouette = sg.segment_audiences(sg.audience_profiles(audience))
    if len(rows):
        figures.append(Figure(MODEL, "audience segments silhouette", silhouette if np.isfinite(silhouette) else 0.0,
                              None, "", None, f"{len(rows)} artist audiences, {rows['segment'].nunique()} segments"))
    return figures
