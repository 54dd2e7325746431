"""Recommendations vs the generator's truth: collaboration hit-rate@10 on the held-out artist pairs.

The audience_overlap family hides a random fifth of the related artist pairs (never written to any file, listed
under ``families.audience_overlap.hidden.held_out``). The model sees only the reported pairs; a held-out pair is a
pair of artists whose audiences overlap strongly that it has to *infer*.

Hit-rate@10 (judged, as a ratio to the popularity baseline): for every artist with at least one held-out partner
(both artists identified in the warehouse), its top-10 recommendations are the 10 best-scored other artists that
are not already related in the files (reported pairs and the artist itself excluded); its recall@10 is the number of
its held-out partners among them over min(its held-out partners, 10). Hit-rate@10 is the mean recall@10 over those
artists (ml.recommendations.hit_rate). The baseline recommends the most-streamed artists not already related, the
same exclusions. Target: model / baseline >= 1.3. With ``use_baseline`` the baseline takes the model's place, so the
ratio is 1.0 and the target is missed.

Platform prioritisation and release timing have no planted truth (the generator's platform shares are fixed and
release dates uniform over weekdays), so their backtests are reported, not judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml import recommendations as rc
from ml.evaluation import Figure, Marts, Truth, at_least

TARGET_RATIO = 1.3


def truth_artist_keys(marts: Marts, truth: Truth) -> dict[str, str]:
    """Generator artist id -> warehouse artist_key: by the catalogue name and the ISRC registrant (namesakes have
    different registrants), as dim_artist tells artists apart."""
    dim = marts.frame("select artist_key, artist_name, isrc_registrant from marts.dim_artist")
    dim["name"] = dim["artist_name"].astype(str).str.strip().str.casefold()
    out: dict[str, str] = {}
    for art, info in truth.hidden.get("artists", {}).items():
        cand = dim[dim["name"] == str(info.get("name", "")).strip().casefold()]
        if len(cand) > 1 and info.get("registrant"):
            cand = cand[cand["isrc_registrant"].astype(str).str.upper().str.endswith(str(info["registrant"]).upper())]
        if len(cand) == 1:
            out[art] = str(cand["artist_key"].iloc[0])
    return out


def held_out_pairs(marts: Marts, truth: Truth) -> tuple[pd.DataFrame, int]:
    """The held-out pairs in warehouse keys (a, b), and how many could not be mapped."""
    keys = truth_artist_keys(marts, truth)
    rows, unmapped = [], 0
    for p in truth.family("audience_overlap")["hidden"]["held_out"]:
        a, b = keys.get(p["artist_a"]), keys.get(p["artist_b"])
        if a is None or b is None:
            unmapped += 1
            continue
        rows.append({"a": min(a, b), "b": max(a, b), "affinity": float(p["affinity"])})
    return pd.DataFrame(rows, columns=["a", "b", "affinity"]), unmapped


def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]:
    artists = rc.Artists.from_frames(marts.frame(rc.ARTIST_TRACKS_SQL), marts.frame(rc.ARTIST_STREAMS_SQL))
    pairs = rc.pair_table(marts.frame(rc.OVERLAP_SQL))
    held, unmapped = held_out_pairs(marts, truth)
    leaked = len(held.merge(pairs, on=["a", "b"])) if len(held) else 0

    model_recs, model = rc.recommend(artists, pairs, use_baseline=use_baseline, bootstraps=0)
    base_recs, _ = rc.recommend(artists, pairs, use_baseline=True, bootstraps=0)
    got = rc.hit_rate(model_recs, held)
    base = rc.hit_rate(base_recs, held)
    if base["hit_rate"] > 0:
        ratio = got["hit_rate"] / base["hit_rate"]
    else:
        ratio = 1.0 if got["hit_rate"] == base["hit_rate"] else 99.0
    who = "popularity baseline" if use_baseline else "latent-taste model"
    figures = [
        Figure("recommendations", "collaboration hit-rate@10 / popularity", float(ratio), 1.0,
               f">= {TARGET_RATIO:.2f} x baseline", at_least(ratio, TARGET_RATIO),
               f"{who}: {got['hit_rate']:.3f} vs {base['hit_rate']:.3f} over {int(got['artists'])} artists with "
               f"held-out partners; {len(held)} held-out pairs, {unmapped} unmapped, {leaked} leaked"),
        Figure("recommendations", "collaboration hit-rate@10 (mean recall)", got["hit_rate"], base["hit_rate"],
               detail=who),
        Figure("recommendations", "collaboration any-hit@10 share", got["any_hit"], base["any_hit"],
               detail="artists with >= 1 held-out partner in their top 10"),
        Figure("recommendations", "collaboration held-out pair recall@10", got["pair_recall"], base["pair_recall"]),
    ]
    if model is not None and len(held):
        pred = model.predict(held.rename(columns={"a": "artist_key", "b": "related_artist_key"}))
        ok = ~np.isnan(pred)
        if ok.sum() > 2:
            corr = float(pd.Series(pred[ok]).corr(held.loc[ok, "affinity"].reset_index(drop=True), method="spearman"))
            figures.append(Figure("recommendations", "held-out affinity rank correlation", corr,
                                  detail="Spearman, predicted vs true affinity of the held-out pairs"))

    daily = marts.frame(rc.ARTIST_PLATFORM_DAILY_SQL)
    bt = rc.platform_backtest(daily)
    figures.append(Figure("recommendations", "platform priority backtest hit share", bt["hit_share"], bt["chance"],
                          ">= chance (reported)", None,
                          f"prioritised platform grew fastest in the held-out month; {int(bt['decisions'])} "
                          f"decisions over the last 4 months; baseline = chance (no planted platform trend)"))
    releases = marts.frame(rc.RELEASES_SQL)
    tb = rc.timing_backtest(releases)
    figures.append(Figure("recommendations", "release weekday backtest log uplift", tb["uplift_log"], 0.0,
                          "> 0 (reported)", None,
                          f"leave-one-out: {int(tb['on_recommended_weekday'])} of {int(tb['test_releases'])} "
                          f"releases on their recommended weekday vs the others (mean log index vs label median); "
                          f"the generator spreads release days uniformly (no true effect)"))
    return figures
