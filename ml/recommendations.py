"""Recommendations: collaboration partners, the platform to prioritise and the release timing, each with a reason.

Collaboration (the judged one). The platforms only report each artist's closest related artists ("fans also like",
marts.fct_artist_audience_overlap), so many pairs whose audiences overlap are simply not in the data. We learn a
latent *taste* vector per artist from the pairs that are reported: the logit of a pair's affinity (shared listeners
over the smaller audience, pooled over months and platforms) is modelled as ``c + b * [same genre] + u_a . u_b``,
fitted by weighted alternating ridge least squares. Why this shape: audiences overlap because listeners like
similar music, and a low-rank inner product is the simplest model in which "A is like B and B is like C" carries
over to A and C — which is exactly what lets it score the pairs it has never seen. The genre term keeps genre
from being squeezed into the taste vectors. Unreported pairs enter with a small weight at a low target, because
*not* being anyone's closest artist is weak evidence of low affinity (missing not at random). Recommendations for an
artist are the other artists with the highest predicted affinity, excluding pairs already reported (those are
known, not suggestions). Confidence is the share of refits on random 85% subsamples of the reported pairs that
keep the suggestion in the artist's top 10. The baseline is popularity: the most-streamed artists not already
related.

Platform prioritisation: per artist, the platform whose revenue grew fastest (mean log revenue of the last three
complete months against the three before), explained with that growth, the per-1,000-stream revenue and the
platform's share of the artist; confidence is the normal probability that the chosen platform's growth exceeds the
runner-up's given the month-to-month noise.

Release timing: per label, the release weekday whose releases did best against the label's typical release
(rpt_release_performance's 28-day index, averaged in logs over platforms), shrunk towards "no effect" by the
number of releases (a weekday seen twice must not win on luck), and the calendar month with the highest streaming
seasonality (rpt_trend_seasonality); confidence as above from the weekday means' standard errors.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

TOP_K = 10
MODEL_COLLABORATION = "artist_collaboration_recommender"
MODEL_PLATFORM = "artist_platform_priority"
MODEL_TIMING = "label_release_timing"

# the reported related pairs, both artists identified in the catalogue
OVERLAP_SQL = """
    select artist_key, related_artist_key, platform_code, audience_month,
           cast(artist_listeners as double precision) as artist_listeners,
           cast(related_artist_listeners as double precision) as related_artist_listeners,
           cast(shared_listeners as double precision) as shared_listeners
    from marts.fct_artist_audience_overlap
    where artist_key is not null and related_artist_key is not null and artist_key <> related_artist_key"""
# every catalogue artist with the genre of each of its tracks (the artist's genre is the most frequent one)
ARTIST_TRACKS_SQL = """
    select a.artist_key, a.artist_name, a.label_key, a.label_name, t.isrc, t.genre, t.release_date
    from marts.dim_artist as a inner join marts.dim_track as t on t.artist_key = a.artist_key"""
ARTIST_STREAMS_SQL = """
    select t.artist_key, cast(sum(u.streams) as double precision) as streams
    from marts.fct_usage_daily as u inner join marts.dim_track as t on t.track_key = u.track_key
    where u.is_catalogue_match
    group by t.artist_key"""
# daily streams and revenue per artist and platform (months are formed in pandas: portable SQL)
ARTIST_PLATFORM_DAILY_SQL = """
    select t.artist_key, u.platform_code, u.usage_date,
           cast(sum(u.streams) as double precision) as streams,
           cast(sum(u.revenue_eur) as double precision) as revenue_eur
    from marts.fct_usage_daily as u inner join marts.dim_track as t on t.track_key = u.track_key
    where u.is_catalogue_match
    group by t.artist_key, u.platform_code, u.usage_date"""
RELEASES_SQL = """
    select release_key, release_title, release_date, label_key, label_name, platform_code,
           cast(index_vs_label_median_first_28_days as double precision) as index_28d
    from marts.rpt_release_performance
    where index_vs_label_median_first_28_days is not null and index_vs_label_median_first_28_days > 0
      and label_key is not null"""
SEASONALITY_SQL = """
    select label_key, label_name, season_number, season_name, cast(seasonality_index as double precision) as idx
    from marts.rpt_trend_seasonality
    where seasonality_type = 'month_of_year' and is_full_cycle and seasonality_index is not null
      and label_key is not null"""

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _phi(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


# --- collaboration --------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Artists:
    """The catalogue's artists in a fixed order, with genre, name, label and total streams."""

    frame: pd.DataFrame  # artist_key (index order), artist_name, label_key, label_name, genre, streams

    @classmethod
    def from_frames(cls, tracks: pd.DataFrame, streams: pd.DataFrame) -> Artists:
        """tracks: ARTIST_TRACKS_SQL rows; streams: ARTIST_STREAMS_SQL rows. The genre is the artist's most frequent
        track genre (ties: the earliest release), since collaborations are judged on the artist's usual sound."""
        t = tracks.sort_values(["artist_key", "release_date", "isrc"])
        counts = t.groupby(["artist_key", "genre"], sort=False).agg(n=("isrc", "size"), first=("release_date", "min"))
        counts = counts.reset_index().sort_values(["artist_key", "n", "first"], ascending=[True, False, True])
        genre = counts.drop_duplicates("artist_key").set_index("artist_key")["genre"]
        base = t.drop_duplicates("artist_key").set_index("artist_key")[["artist_name", "label_key", "label_name"]]
        frame = base.join(genre).join(streams.set_index("artist_key")["streams"]).fillna({"streams": 0.0})
        return cls(frame.sort_index().reset_index())

    @property
    def keys(self) -> list[str]:
        return self.frame["artist_key"].tolist()


def pair_table(overlap: pd.DataFrame) -> pd.DataFrame:
    """Reported pairs pooled over months and platforms: (a, b) with a < b, affinity = sum(shared) / sum(smaller
    audience) — the share of the smaller audience that also listens to the other — and the audience it rests on."""
    if overlap.empty:
        return pd.DataFrame(columns=["a", "b", "affinity", "support"])
    o = overlap.copy()
    a, b = o["artist_key"].astype(str), o["related_artist_key"].astype(str)
    o["a"], o["b"] = np.where(a < b, a, b), np.where(a < b, b, a)
    o["smaller"] = np.minimum(o["artist_listeners"], o["related_artist_listeners"])
    g = o.groupby(["a", "b"], as_index=False).agg(shared=("shared_listeners", "sum"), support=("smaller", "sum"))
    g = g[g["support"] > 0]
    g["affinity"] = g["shared"] / g["support"]
    return g[["a", "b", "affinity", "support"]].reset_index(drop=True)


def _fit_factors(n: int, ia: np.ndarray, ib: np.ndarray, y: np.ndarray, w: np.ndarray, same: np.ndarray, *,
                 rank: int, reg: float, sweeps: int, seed: int) -> tuple[np.ndarray, float, float]:
    """Weighted symmetric factorisation y_ab ~ c + beta*same_ab + u_a.u_b by alternating ridge updates (each
    u_a given the others is a small weighted ridge regression; then c and beta by weighted least squares)."""
    rng = np.random.default_rng(seed)
    u = rng.normal(0.0, 0.3, (n, rank))
    c, beta = float(np.average(y, weights=w)), 0.0
    # adjacency lists once: for every artist, the rows of its pairs and the other end
    rows = np.concatenate([np.arange(len(ia)), np.arange(len(ia))])
    me = np.concatenate([ia, ib])
    other = np.concatenate([ib, ia])
    order = np.argsort(me, kind="stable")
    rows, me, other = rows[order], me[order], other[order]
    starts = np.searchsorted(me, np.arange(n + 1))
    eye = reg * np.eye(rank)
    for _ in range(sweeps):
        for i in range(n):
            sl = slice(starts[i], starts[i + 1])
            if sl.start == sl.stop:
                continue
            r, o = rows[sl], other[sl]
            v = u[o]
            ww = w[r]
            target = y[r] - c - beta * same[r]
            u[i] = np.linalg.solve((v * ww[:, None]).T @ v + eye, (v * ww[:, None]).T @ target)
        resid = y - np.einsum("ij,ij->i", u[ia], u[ib])
        design = np.column_stack([np.ones_like(resid), same])
        sw = np.sqrt(w)
        coef, *_ = np.linalg.lstsq(design * sw[:, None], resid * sw, rcond=None)
        c, beta = float(coef[0]), float(coef[1])
    return u, c, beta


class AudienceTasteModel:
    """Latent taste vectors learned from the reported audience overlaps (see the module docstring).

    scikit-learn compatible (get_params/set_params/fit/predict) so it is logged, registered and reloaded like the
    other models. ``fit(X)``: X has artist_key, related_artist_key, affinity (and optionally support);
    ``predict(X)``: X has artist_key, related_artist_key; returns the predicted affinity (share of the smaller
    audience listening to the other artist, 0-1); NaN for an artist the model has never seen."""

    def __init__(self, rank: int = 4, reg: float = 0.1, unobserved_weight: float = 0.2,
                 unobserved_quantile: float = 0.02, sweeps: int = 40, restarts: int = 2, random_state: int = 0,
                 artist_keys: list[str] | None = None, genres: list[str] | None = None) -> None:
        self.rank = rank
        self.reg = reg
        self.unobserved_weight = unobserved_weight
        self.unobserved_quantile = unobserved_quantile
        self.sweeps = sweeps
        self.restarts = restarts
        self.random_state = random_state
        self.artist_keys = artist_keys
        self.genres = genres

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("rank", "reg", "unobserved_weight", "unobserved_quantile", "sweeps",
                                              "restarts", "random_state", "artist_keys", "genres")}

    def set_params(self, **params: Any) -> AudienceTasteModel:
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def fit(self, X: pd.DataFrame, y: Any = None) -> AudienceTasteModel:
        keys = list(self.artist_keys) if self.artist_keys is not None else sorted(
            set(X["artist_key"]) | set(X["related_artist_key"]))
        genres = list(self.genres) if self.genres is not None else [""] * len(keys)
        index = {k: i for i, k in enumerate(keys)}
        n = len(keys)
        known = X[X["artist_key"].isin(index) & X["related_artist_key"].isin(index)]
        ia = known["artist_key"].map(index).to_numpy(dtype=np.int64)
        ib = known["related_artist_key"].map(index).to_numpy(dtype=np.int64)
        target = _logit(known["affinity"].to_numpy(dtype=float))
        weight = np.ones(len(known))
        genre_code = {g: i for i, g in enumerate(dict.fromkeys(genres))}
        code = np.array([genre_code[g] for g in genres], dtype=np.int64)
        # unreported pairs among the artists that have reported ones: weak evidence of a low affinity
        active = np.zeros(n, dtype=bool)
        active[ia] = active[ib] = True
        seen = np.zeros((n, n), dtype=bool)
        seen[ia, ib] = seen[ib, ia] = True
        ua, ub = np.nonzero(np.triu(~seen & active[:, None] & active[None, :], k=1))
        # below the weakest reported pairs: their low quantile less one spread of the reported logits (at least 0.5)
        low = float(np.quantile(target, self.unobserved_quantile) - max(np.std(target), 0.5)) if len(target) else 0.0
        all_a = np.concatenate([ia, ua])
        all_b = np.concatenate([ib, ub])
        all_y = np.concatenate([target, np.full(len(ua), low)])
        all_w = np.concatenate([weight, np.full(len(ua), self.unobserved_weight)])
        same = (code[all_a] == code[all_b]).astype(float) * np.array([g != "" for g in genres])[all_a]
        rank = max(1, min(self.rank, n - 1)) if n > 1 else 1
        best: tuple[float, np.ndarray, float, float] | None = None
        for r in range(max(1, self.restarts)):
            u, c, beta = _fit_factors(n, all_a, all_b, all_y, all_w, same, rank=rank, reg=self.reg,
                                      sweeps=self.sweeps, seed=self.random_state + r)
            pred = c + beta * same + np.einsum("ij,ij->i", u[all_a], u[all_b])
            loss = float(np.sum(all_w * (all_y - pred) ** 2) + self.reg * np.sum(u ** 2))
            if best is None or loss < best[0]:
                best = (loss, u, c, beta)
        assert best is not None
        self.keys_ = keys
        self.genres_ = genres
        self.embedding_ = best[1]
        self.intercept_ = best[2]
        self.genre_coef_ = best[3]
        self.active_ = active
        self.training_rmse_ = float(np.sqrt(np.mean((target - (self.intercept_ + self.genre_coef_ * same[:len(ia)]
                                                               + np.einsum("ij,ij->i", best[1][ia], best[1][ib])))
                                                    ** 2))) if len(ia) else float("nan")
        return self

    def score_matrix(self) -> np.ndarray:
        """Predicted logit affinity of every pair of the model's artists (n x n); -inf where unknown."""
        genres = np.array(self.genres_, dtype=object)
        same = ((genres[:, None] == genres[None, :]) & (genres[:, None] != "")).astype(float)
        s = self.intercept_ + self.genre_coef_ * same + self.embedding_ @ self.embedding_.T
        s[~self.active_, :] = -np.inf
        s[:, ~self.active_] = -np.inf
        np.fill_diagonal(s, -np.inf)
        return s

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        index = {k: i for i, k in enumerate(self.keys_)}
        a = X["artist_key"].map(index)
        b = X["related_artist_key"].map(index)
        out = np.full(len(X), np.nan)
        ok = (a.notna() & b.notna()).to_numpy()
        if ok.any():
            s = _sigmoid(self.score_matrix())
            out[ok] = s[a[ok].astype(int).to_numpy(), b[ok].astype(int).to_numpy()]
        return out


class LookupModel:
    """A scored table as a scikit-learn compatible model: ``predict(X)`` returns, for each ``X[key]``, the value the
    table holds (None when absent). Why: the platform and timing advice are per-entity decisions computed from
    the marts, not a function of features; registering the decision table as a model gives them the same MLflow
    versioning, champion alias and lineage as the learned models."""

    def __init__(self, key: str = "key", value: str = "value") -> None:
        self.key = key
        self.value = value

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"key": self.key, "value": self.value}

    def set_params(self, **params: Any) -> LookupModel:
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def fit(self, X: pd.DataFrame, y: Any = None) -> LookupModel:
        self.table_ = {str(k): str(v) for k, v in zip(X[self.key], X[self.value], strict=True)}
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.array([self.table_.get(str(k), "") for k in X[self.key]], dtype=object)


def _exclusion(keys: list[str], pairs: pd.DataFrame) -> np.ndarray:
    index = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    seen = np.eye(n, dtype=bool)
    p = pairs[pairs["a"].isin(index) & pairs["b"].isin(index)]
    ia, ib = p["a"].map(index).to_numpy(dtype=np.int64), p["b"].map(index).to_numpy(dtype=np.int64)
    seen[ia, ib] = seen[ib, ia] = True
    return seen


def top_k(scores: np.ndarray, exclude: np.ndarray, k: int = TOP_K) -> np.ndarray:
    """Per row, the indexes of the k best-scored columns that are not excluded (-1 pads when fewer exist);
    ties broken by column order so the result is deterministic."""
    s = np.where(exclude, -np.inf, scores)
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    valid = np.take_along_axis(np.isfinite(s), order, axis=1)
    return np.where(valid, order, -1)


def fit_collaboration(artists: Artists, pairs: pd.DataFrame, *, seed: int = 0, **params: Any) -> AudienceTasteModel:
    model = AudienceTasteModel(artist_keys=artists.keys, genres=artists.frame["genre"].fillna("").tolist(),
                               random_state=seed, **params)
    return model.fit(pairs.rename(columns={"a": "artist_key", "b": "related_artist_key"}))


def popularity_scores(artists: Artists) -> np.ndarray:
    """The baseline: every artist scores its total streams, whoever asks."""
    s = np.log1p(artists.frame["streams"].to_numpy(dtype=float))
    return np.tile(s, (len(s), 1))


def recommend(artists: Artists, pairs: pd.DataFrame, *, use_baseline: bool = False, k: int = TOP_K,
              bootstraps: int = 4, seed: int = 0) -> tuple[pd.DataFrame, AudienceTasteModel | None]:
    """Top-k new collaboration partners per artist (pairs already reported excluded), with score, confidence
    and an explanation. Returns the table and the fitted model (None for the baseline)."""
    keys = artists.keys
    exclude = _exclusion(keys, pairs)
    frame = artists.frame
    if use_baseline:
        model = None
        scores = popularity_scores(artists)
        affinity = np.full_like(scores, np.nan)
        conf = np.full(scores.shape, np.nan)
    else:
        model = fit_collaboration(artists, pairs, seed=seed)
        scores = model.score_matrix()
        affinity = _sigmoid(scores)
        conf = np.zeros(scores.shape)
        rng = np.random.default_rng(seed + 1000)
        for b in range(bootstraps):
            keep = rng.random(len(pairs)) < 0.85
            sub = fit_collaboration(artists, pairs[keep], seed=seed + 1 + b)
            top = top_k(sub.score_matrix(), exclude, k)
            rows = np.repeat(np.arange(len(keys)), top.shape[1])
            cols = top.ravel()
            ok = cols >= 0
            np.add.at(conf, (rows[ok], cols[ok]), 1.0 / max(1, bootstraps))
    top = top_k(scores, exclude, k)
    names = frame["artist_name"].tolist()
    genres = frame["genre"].fillna("").tolist()
    streams = frame["streams"].to_numpy(dtype=float)
    related = exclude & ~np.eye(len(keys), dtype=bool)
    out = []
    for i in range(len(keys)):
        for r, j in enumerate(top[i].tolist(), start=1):
            if j < 0:
                continue
            common = np.flatnonzero(related[i] & related[j])
            common_names = ", ".join(names[c] for c in common[:3])
            same = genres[i] != "" and genres[i] == genres[j]
            if use_baseline:
                why = (f"{names[j]} is the #{r} most-streamed artist not yet related to {names[i]} "
                       f"({streams[j]:,.0f} streams); popularity only, no audience evidence.")
                confidence = float("nan")
            else:
                why = (f"Predicted {affinity[i, j]:.0%} of the smaller audience would listen to both "
                       f"{names[i]} and {names[j]}"
                       + (f"; both {genres[i]}" if same else "")
                       + (f"; {len(common)} shared related artist{'s' if len(common) != 1 else ''} ({common_names})"
                          if len(common) else "")
                       + f"; in the top {k} in {conf[i, j]:.0%} of refits.")
                confidence = float(conf[i, j])
            out.append({"artist_key": keys[i], "artist_name": names[i], "recommended_artist_key": keys[j],
                        "recommended_artist_name": names[j], "rank": r, "score": float(
                            affinity[i, j] if not use_baseline else scores[i, j]),
                        "confidence": confidence, "same_genre": bool(same), "shared_related_artists": len(common),
                        "explanation": why})
    columns = ["artist_key", "artist_name", "recommended_artist_key", "recommended_artist_name", "rank", "score",
               "confidence", "same_genre", "shared_related_artists", "explanation"]
    return pd.DataFrame(out, columns=columns), model


def hit_rate(recommendations: pd.DataFrame, held_out: pd.DataFrame, k: int = TOP_K) -> dict[str, float]:
    """Hit-rate@k on held-out pairs (the evaluation's definition, also used on a self-holdout for MLflow).

    held_out: columns a, b (unordered pairs never shown to the model). For every artist with at least one held-out
    partner, its recall@k = (held-out partners among its top-k recommendations) / min(its held-out partners, k);
    ``hit_rate`` is the mean of that over those artists (an artist without recommendations scores 0).
    ``any_hit`` is the share of those artists with at least one held-out partner in the top k; ``pair_recall``
    is the share of held-out (artist, partner) directions found."""
    partners: dict[str, set[str]] = {}
    for a, b in held_out[["a", "b"]].itertuples(index=False):
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    if not partners:
        return {"hit_rate": float("nan"), "any_hit": float("nan"), "pair_recall": float("nan"), "artists": 0.0}
    recs = recommendations[recommendations["rank"] <= k].groupby("artist_key")["recommended_artist_key"].agg(set)
    recalls, anys, found, total = [], [], 0, 0
    for a, ps in partners.items():
        got = recs.get(a, set()) & ps
        recalls.append(len(got) / min(len(ps), k))
        anys.append(bool(got))
        found += len(got)
        total += len(ps)
    return {"hit_rate": float(np.mean(recalls)), "any_hit": float(np.mean(anys)), "pair_recall": found / total,
            "artists": float(len(partners))}


def self_holdout(artists: Artists, pairs: pd.DataFrame, *, share: float = 0.2, seed: int = 0,
                 use_baseline: bool = False) -> dict[str, float]:
    """The model's own backtest (what MLflow records, since the true held-out pairs are never seen): hide a random
    share of the reported pairs, recommend from the rest, and measure hit-rate@10 on the hidden ones."""
    if len(pairs) < 5:
        return {"hit_rate": float("nan"), "any_hit": float("nan"), "pair_recall": float("nan"), "artists": 0.0}
    rng = np.random.default_rng(seed + 7)
    hide = rng.random(len(pairs)) < share
    recs, _ = recommend(artists, pairs[~hide], use_baseline=use_baseline, bootstraps=0, seed=seed)
    return hit_rate(recs, pairs[hide])


# --- platform prioritisation ---------------------------------------------------------------------------------------


def _monthly(daily: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.Period]]:
    """Monthly streams/revenue per artist and platform over the complete months of the data."""
    d = daily.assign(usage_date=pd.to_datetime(daily["usage_date"]))
    d["month"] = d["usage_date"].dt.to_period("M")
    first, last = d["usage_date"].min(), d["usage_date"].max()
    months = sorted(d["month"].unique())
    complete = [m for m in months if m.start_time >= first.normalize() and m.end_time.normalize() <= last]
    m = d[d["month"].isin(complete)].groupby(["artist_key", "platform_code", "month"], as_index=False)[
        ["streams", "revenue_eur"]].sum()
    return m, complete


def _platform_choice(m: pd.DataFrame, months: list[pd.Period], window: int = 3) -> pd.DataFrame:
    """For each artist, the platforms scored on their smoothed monthly revenue growth: the mean log revenue of the
    last `window` complete months minus that of the `window` months before, per month of lag. Comparing window
    means rather than chaining month-on-month changes keeps one noisy month (a spike, a missing day) from
    deciding the advice; with fewer months the windows shrink."""
    w = min(window, len(months) // 2)
    if w < 1:
        return pd.DataFrame()
    use = months[-2 * w:]
    sub = m[m["month"].isin(use)]
    wide_r = sub.pivot_table(index=["artist_key", "platform_code"], columns="month", values="revenue_eur",
                             aggfunc="sum").reindex(columns=use).fillna(0)
    wide_s = sub.pivot_table(index=["artist_key", "platform_code"], columns="month", values="streams",
                             aggfunc="sum").reindex(columns=use).fillna(0)
    logs = np.log1p(wide_r.to_numpy())
    out = pd.DataFrame(index=wide_r.index).reset_index()
    out["growth"] = (logs[:, w:].mean(axis=1) - logs[:, :w].mean(axis=1)) / w
    # noise of that difference from the month-to-month scatter within the windows, pooled over all series
    resid = np.concatenate([logs[:, :w] - logs[:, :w].mean(axis=1, keepdims=True),
                            logs[:, w:] - logs[:, w:].mean(axis=1, keepdims=True)], axis=1)
    pooled = float(np.sqrt((resid ** 2).sum() / max(1, resid.size - 2 * len(out)))) if w > 1 else 0.1
    out["growth_se"] = pooled * math.sqrt(2.0 / w) / w
    out["streams_last"] = wide_s.to_numpy()[:, -1]
    out["revenue_last"] = wide_r.to_numpy()[:, -1]
    out["window"] = w
    return out


def platform_priorities(daily: pd.DataFrame, artists: Artists, *, window: int = 3) -> pd.DataFrame:
    """One row per artist with usage on at least two platforms: the platform to prioritise next."""
    m, months = _monthly(daily)
    scored = _platform_choice(m, months, window)
    columns = ["artist_key", "artist_name", "platform_code", "revenue_growth_monthly", "runner_up_platform_code",
               "runner_up_growth_monthly", "rate_per_1000_streams_eur", "platform_share", "confidence",
               "explanation", "months_used"]
    if scored.empty:
        return pd.DataFrame(columns=columns)
    names = artists.frame.set_index("artist_key")["artist_name"].to_dict()
    rows = []
    for key, g in scored.groupby("artist_key"):
        g = g[g["streams_last"] > 0].sort_values("growth", ascending=False)
        if len(g) < 2:
            continue
        best, second = g.iloc[0], g.iloc[1]
        z = (best["growth"] - second["growth"]) / max(1e-9, math.hypot(best["growth_se"], second["growth_se"]))
        confidence = _phi(z)
        rate = 1000 * best["revenue_last"] / best["streams_last"]
        share = best["streams_last"] / g["streams_last"].sum()
        name = names.get(key, key)
        why = (f"{best['platform_code']}: revenue {math.expm1(best['growth']):+.1%} a month (last "
               f"{int(best['window'])} months vs the {int(best['window'])} before; next best {second['platform_code']} "
               f"{math.expm1(second['growth']):+.1%}), EUR {rate:.2f} per 1,000 streams, {share:.0%} of {name}'s "
               f"streams last month.")
        rows.append({"artist_key": key, "artist_name": name, "platform_code": best["platform_code"],
                     "revenue_growth_monthly": math.expm1(best["growth"]),
                     "runner_up_platform_code": second["platform_code"],
                     "runner_up_growth_monthly": math.expm1(second["growth"]), "rate_per_1000_streams_eur": rate,
                     "platform_share": share, "confidence": confidence, "explanation": why,
                     "months_used": int(2 * best["window"])})
    return pd.DataFrame(rows, columns=columns)


def platform_backtest(daily: pd.DataFrame, *, window: int = 3, folds: int = 4) -> dict[str, float]:
    """For each of the last `folds` complete months: choose each artist's platform from the months before it,
    and count how often that platform's streams grew the most in the held-out month. Chance is 1 / platforms."""
    m, months = _monthly(daily)
    hits, chance = [], []
    for f in range(folds, 0, -1):
        if len(months) - f < 2:
            continue
        train = months[: len(months) - f]
        test, prev = months[len(months) - f], train[-1]
        scored = _platform_choice(m[m["month"].isin(train)], train, window)
        if scored.empty:
            continue
        s = m[m["month"].isin([prev, test])].pivot_table(index=["artist_key", "platform_code"], columns="month",
                                                         values="streams", aggfunc="sum").reindex(
            columns=[prev, test]).fillna(0)
        s["g"] = np.log1p(s[test]) - np.log1p(s[prev])
        actual = s.reset_index()
        for key, g in scored[scored["streams_last"] > 0].groupby("artist_key"):
            if len(g) < 2:
                continue
            choice = g.sort_values("growth", ascending=False).iloc[0]["platform_code"]
            a = actual[(actual["artist_key"] == key) & actual["platform_code"].isin(g["platform_code"])]
            if len(a) < 2:
                continue
            hits.append(float(a.sort_values("g", ascending=False).iloc[0]["platform_code"] == choice))
            chance.append(1.0 / len(a))
    if not hits:
        return {"hit_share": float("nan"), "chance": float("nan"), "decisions": 0.0}
    return {"hit_share": float(np.mean(hits)), "chance": float(np.mean(chance)), "decisions": float(len(hits))}


# --- release timing ----------------------------------------------------------------------------------------------


def _weekday_effects(releases: pd.DataFrame, prior_releases: float) -> pd.DataFrame:
    """Per label and weekday: releases, mean log index (over platforms, then releases), its shrunk value and SE."""
    r = releases.assign(log_index=np.log(releases["index_28d"].astype(float)),
                        release_date=pd.to_datetime(releases["release_date"]))
    per = r.groupby(["label_key", "release_key"], as_index=False).agg(
        log_index=("log_index", "mean"), release_date=("release_date", "first"), label_name=("label_name", "first"))
    per["weekday"] = per["release_date"].dt.dayofweek
    # a label's scatter, never below the scatter over all labels: two releases that happen to agree must not
    # make a weekday look certain
    pooled = float(per["log_index"].std(ddof=1)) if len(per) > 2 else 0.5
    label_sd = per.groupby("label_key")["log_index"].std(ddof=1).fillna(pooled).clip(lower=max(pooled, 0.05))
    g = per.groupby(["label_key", "weekday"], as_index=False).agg(
        releases=("log_index", "size"), mean_log=("log_index", "mean"), label_name=("label_name", "first"))
    g["sd"] = g["label_key"].map(label_sd)
    g["shrunk"] = g["mean_log"] * g["releases"] / (g["releases"] + prior_releases)
    g["se"] = g["sd"] / np.sqrt(g["releases"] + prior_releases)
    return g


def release_timing(releases: pd.DataFrame, seasonality: pd.DataFrame, *, prior_releases: float = 3.0
                   ) -> pd.DataFrame:
    """One row per label with covered releases: best weekday (and calendar month) to release."""
    columns = ["label_key", "label_name", "best_weekday", "weekday_uplift", "weekday_releases", "releases",
               "best_month", "month_seasonality_index", "confidence", "explanation"]
    if releases.empty:
        return pd.DataFrame(columns=columns)
    effects = _weekday_effects(releases, prior_releases)
    months = seasonality.sort_values(["label_key", "idx", "season_number"], ascending=[True, False, True]) \
        .drop_duplicates("label_key").set_index("label_key") if not seasonality.empty else pd.DataFrame()
    rows = []
    for key, g in effects.groupby("label_key"):
        g = g.sort_values(["shrunk", "releases"], ascending=False)
        best = g.iloc[0]
        if len(g) > 1:
            rest = g.iloc[1:]
            others = float(np.average(rest["mean_log"], weights=rest["releases"]))
            se_rest = float(rest["sd"].iloc[0] / math.sqrt(rest["releases"].sum()))
            confidence = _phi((best["shrunk"] - others * rest["releases"].sum() / (rest["releases"].sum()
                                                                                   + prior_releases))
                              / max(1e-9, math.hypot(best["se"], se_rest)))
        else:
            confidence = 0.5
        total = int(g["releases"].sum())
        month_name = months.loc[key, "season_name"] if key in months.index else None
        month_idx = float(months.loc[key, "idx"]) if key in months.index else float("nan")
        why = (f"{WEEKDAYS[int(best['weekday'])]} releases of {best['label_name']} reached "
               f"{math.exp(best['mean_log']):.2f}x the label's typical first-28-day streams "
               f"({int(best['releases'])} of {total} releases; shrunk estimate {math.exp(best['shrunk']):.2f}x)")
        why += (f"; {month_name} is the label's strongest streaming month ({month_idx:.2f}x an average day)."
                if month_name else "; no full year of streams for a month recommendation.")
        rows.append({"label_key": key, "label_name": best["label_name"], "best_weekday": WEEKDAYS[int(best["weekday"])],
                     "weekday_uplift": math.exp(best["shrunk"]), "weekday_releases": int(best["releases"]),
                     "releases": total, "best_month": month_name, "month_seasonality_index": month_idx,
                     "confidence": confidence, "explanation": why})
    return pd.DataFrame(rows, columns=columns)


def timing_backtest(releases: pd.DataFrame, *, prior_releases: float = 3.0) -> dict[str, float]:
    """Leave-one-out: for each release, recommend its label's weekday from the label's *other* releases; the
    figure is the mean log index of the releases that fell on their recommended weekday minus that of the others
    (> 0: the advice would have helped). Leave-one-out rather than a time split: a label has only a few dozen
    covered releases, too few to hold out a later period."""
    nan = {"uplift_log": float("nan"), "test_releases": 0.0, "on_recommended_weekday": 0.0}
    if releases.empty:
        return nan
    r = releases.assign(release_date=pd.to_datetime(releases["release_date"]),
                        log_index=np.log(releases["index_28d"].astype(float)))
    per = r.groupby(["label_key", "release_key"], as_index=False).agg(
        log_index=("log_index", "mean"), release_date=("release_date", "first"))
    per["weekday"] = per["release_date"].dt.dayofweek
    on, values = [], []
    for _, g in per.groupby("label_key"):
        x, wd = g["log_index"].to_numpy(), g["weekday"].to_numpy()
        sums = np.bincount(wd, weights=x, minlength=7)
        counts = np.bincount(wd, minlength=7).astype(float)
        for xi, di in zip(x, wd, strict=True):
            s_, n_ = sums.copy(), counts.copy()
            s_[di] -= xi
            n_[di] -= 1
            if n_.sum() == 0:
                continue
            # the same choice as release_timing: shrunk mean, ties to the weekday with more releases, then earlier
            shrunk = np.where(n_ > 0, s_ / (n_ + prior_releases), -np.inf)
            choice = int(np.lexsort((np.arange(7), -n_, -shrunk))[0])
            on.append(di == choice)
            values.append(float(xi))
    on_a, v = np.array(on, dtype=bool), np.array(values)
    if on_a.sum() == 0 or (~on_a).sum() == 0:
        return {**nan, "test_releases": float(len(v)), "on_recommended_weekday": float(on_a.sum())}
    return {"uplift_log": float(v[on_a].mean() - v[~on_a].mean()), "test_releases": float(len(v)),
            "on_recommended_weekday": float(on_a.sum())}
