"""Engagement-drop risk ("churn") of tracks and artists over the next 28 days.

There is no listener-level data, so churn here is a drop in an entity's engagement: at a weekly origin (the last
observed day), the label is 1 when the streams of the next 28 days fall below DROP_RATIO (0.75) times the streams
of the 28 days up to the origin. Why this definition and its guards:

* it must not be the release spike fading (every new track loses most of its first-month streams, which is
  certain and useless to flag): an entity is scored only from SETTLED_DAYS (84) days after its (latest) release,
  when the spike is over; an artist with a release in the last 84 days is not scored either;
* a 25 % fall in four weeks is far beyond what a slowly fading catalogue track loses (a few % a month), so the
  label marks real drops: a viral bump ending, a seasonal track after the holidays, a lost playlist;
* entities with fewer than one stream a day over the last 28 days are skipped (ratios of tiny counts are noise).

Features use only the history up to the origin: momentum ratios (7 vs 28 days, 28 vs the 28 before, vs the 12
weeks before), how far above its earlier level the last weeks were (a bump that has to come down), days since
that peak, the entity's seasonal loading (regression of its weekly level on the yearly holiday curve) times the
calendar's expected seasonal change over the next 28 days (public knowledge: streaming peaks in December), age,
level and volatility. A gradient-boosted classifier is trained on earlier origins and judged by AUC on later,
held-out weeks. The naive rule it must beat is the dashboard heuristic "what fell last month keeps falling" (the
last 28 days against the 28 before); a sharper naive rule, the last 7 days against the last 28, is reported
beside it (on this data it is already a good predictor: drops are mostly smooth continuations).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

DAILY_STREAMS = """
    select isrc, usage_date, cast(sum(streams) as double precision) as streams
    from marts.fct_usage_daily
    where is_catalogue_match
    group by isrc, usage_date"""
TRACKS = """
    select isrc, track_title, artist_key, artist_name, release_date
    from marts.dim_track"""

HORIZON = 28
DROP_RATIO = 0.75
SETTLED_DAYS = 84
HISTORY = 112  # days of history a feature row needs
MIN_DAILY = 1.0
HOLDOUT_WEEKS = 12
FEATURES = ["log_level_28", "trend_7_28", "trend_28_56", "trend_28_prev84", "peak_excess", "days_since_peak",
            "seasonal_loading", "season_change_next28", "expected_seasonal_change", "log_age", "volatility_28"]
REASONS = {
    "log_level_28": "low recent volume",
    "trend_7_28": "streams fell over the last 7 days",
    "trend_28_56": "streams fell over the last 28 days",
    "trend_28_prev84": "below its level of the previous 12 weeks",
    "peak_excess": "coming off a short-lived peak",
    "days_since_peak": "past its recent peak",
    "seasonal_loading": "seasonal listening pattern",
    "season_change_next28": "seasonal downturn ahead",
    "expected_seasonal_change": "seasonal downturn ahead",
    "log_age": "catalogue age",
    "volatility_28": "volatile daily streams",
}


def holiday_curve(dates: pd.DatetimeIndex) -> np.ndarray:
    """The yearly streaming season (log scale), peaking around the December holidays (day of year 355)."""
    doy = dates.day_of_year.to_numpy(dtype=float)
    return np.log(1.0 + 0.5 * np.cos(2 * np.pi * (doy - 355.0) / 365.25))


@dataclasses.dataclass
class Entities:
    """Daily streams (entities x days) of one entity type, with every release day index of each entity."""

    entity_type: str
    ids: list[str]
    names: list[str]
    days: pd.DatetimeIndex
    values: np.ndarray
    releases: list[np.ndarray]

    def latest_release(self, origin: int) -> np.ndarray:
        """Day index of each entity's latest release on or before ``origin`` (-10**6 when none is known)."""
        out = np.full(len(self.ids), -10**6)
        for i, r in enumerate(self.releases):
            past = r[r <= origin]
            if len(past):
                out[i] = past.max()
        return out


def build_entities(daily: pd.DataFrame, tracks: pd.DataFrame) -> tuple[Entities, Entities]:
    """Tracks (catalogue tracks with usage) and artists (the sum of their tracks, by dim_track's artist_key)."""
    daily = daily.assign(usage_date=pd.to_datetime(daily["usage_date"]))
    days = pd.date_range(daily["usage_date"].min(), daily["usage_date"].max(), freq="D")
    wide = daily.pivot_table(index="isrc", columns="usage_date", values="streams", aggfunc="sum")
    wide = wide.reindex(columns=days).fillna(0.0).sort_index()
    meta = tracks.drop_duplicates("isrc").set_index("isrc").reindex(wide.index)
    values = wide.to_numpy(dtype=float)
    first = np.argmax(values > 0, axis=1)
    released = pd.to_datetime(meta["release_date"])
    offset = ((released - days[0]).dt.days).to_numpy(dtype=float)
    release = np.where(np.isnan(offset), first, np.minimum(np.nan_to_num(offset), first)).astype(int)
    titles = meta["track_title"].fillna(pd.Series(wide.index, index=wide.index)).astype(str).tolist()
    track_entities = Entities("track", list(wide.index), titles, days, values, [np.array([r]) for r in release])
    artist_key = meta["artist_key"].to_numpy()
    keys = sorted({k for k in artist_key if isinstance(k, str)})
    names = meta.groupby("artist_key")["artist_name"].first() if keys else pd.Series(dtype=str)
    a_values = np.array([values[artist_key == k].sum(axis=0) for k in keys]).reshape(len(keys), len(days))
    a_releases = [release[artist_key == k] for k in keys]
    artists = Entities("artist", keys, [str(names.get(k, k)) for k in keys], days, a_values, a_releases)
    return track_entities, artists


def _seasonal_loading(values: np.ndarray, start: int, origin: int, curve: np.ndarray) -> np.ndarray:
    """Per entity: slope of the weekly log level on the holiday curve over the settled history up to origin
    (last 52 weeks at most); 0 where fewer than 12 weeks are available."""
    first = max(origin + 1 - 364, 0)
    n_weeks = (origin + 1 - first) // 7
    out = np.zeros(len(values))
    if n_weeks < 12:
        return out
    lo = origin + 1 - n_weeks * 7
    weekly = np.log(values[:, lo: origin + 1].reshape(len(values), n_weeks, 7).mean(axis=2) + 1.0)
    season = curve[lo: origin + 1].reshape(n_weeks, 7).mean(axis=1)
    week_start = lo + 7 * np.arange(n_weeks)
    mask = (week_start[None, :] >= np.asarray(start)[:, None]).astype(float)
    t = np.arange(n_weeks, dtype=float)
    x = np.stack([np.ones(n_weeks), t - t.mean(), season - season.mean()], axis=1)  # (weeks, 3)
    xtx = np.einsum("ew,wi,wj->eij", mask, x, x)  # per entity, over its settled weeks only
    xty = np.einsum("ew,wi,ew->ei", mask, x, weekly)
    s_range = np.array([np.ptp(season[m > 0]) if m.sum() >= 12 else 0.0 for m in mask])
    ok = (mask.sum(axis=1) >= 12) & (s_range >= 0.2)
    if ok.any():
        out[ok] = np.linalg.solve(xtx[ok] + 1e-9 * np.eye(3), xty[ok][:, :, None])[:, 2, 0]
    return out


def features_at(ent: Entities, origin: int) -> pd.DataFrame:
    """Feature rows of the entities that are settled and active at ``origin`` (index of the last observed day)."""
    y = ent.values
    if origin + 1 < HISTORY or len(y) == 0:
        return pd.DataFrame(columns=["entity", "origin", *FEATURES])
    latest = ent.latest_release(origin)
    age = origin - latest
    m7 = y[:, origin - 6: origin + 1].mean(axis=1)
    m28 = y[:, origin - 27: origin + 1].mean(axis=1)
    m56 = y[:, origin - 55: origin - 27].mean(axis=1)
    m84 = y[:, origin - 111: origin - 27].mean(axis=1)
    week_means = pd.DataFrame(y[:, origin - 111: origin + 1].T).rolling(7).mean().to_numpy().T[:, 6:]
    recent = week_means[:, -56:]
    earlier = week_means[:, : -56]
    peak = np.nanmax(recent, axis=1)
    peak_day = 55 - np.nanargmax(recent, axis=1)
    base = np.nanmedian(earlier, axis=1)
    curve = holiday_curve(ent.days)
    future = holiday_curve(pd.date_range(ent.days[origin] + pd.Timedelta(days=1), periods=HORIZON, freq="D"))
    change = float(future.mean() - curve[origin - 27: origin + 1].mean())
    loading = _seasonal_loading(y, latest + SETTLED_DAYS, origin, curve)
    with np.errstate(all="ignore"):
        vol = np.std(np.log1p(y[:, origin - 27: origin + 1]), axis=1)
    frame = pd.DataFrame({
        "entity": np.arange(len(y)), "origin": origin,
        "log_level_28": np.log1p(m28),
        "trend_7_28": np.log((m7 + 1) / (m28 + 1)),
        "trend_28_56": np.log((m28 + 1) / (m56 + 1)),
        "trend_28_prev84": np.log((m28 + 1) / (m84 + 1)),
        "peak_excess": np.log((peak + 1) / (base + 1)),
        "days_since_peak": peak_day.astype(float),
        "seasonal_loading": loading,
        "season_change_next28": change,
        "expected_seasonal_change": loading * change,
        "log_age": np.log1p(np.clip(age, 0, 3650)),
        "volatility_28": vol,
    })
    keep = (age >= SETTLED_DAYS) & (m28 >= MIN_DAILY)
    return frame[keep].reset_index(drop=True)


def labels_at(ent: Entities, rows: pd.DataFrame) -> np.ndarray:
    """1 when the next 28 days' streams fall below DROP_RATIO x the last 28 days' (rows need origin + 28 data)."""
    idx = rows["entity"].to_numpy(dtype=int)
    origin = rows["origin"].to_numpy(dtype=int)
    prev = np.array([ent.values[i, o - 27: o + 1].sum() for i, o in zip(idx, origin, strict=True)])
    nxt = np.array([ent.values[i, o + 1: o + 1 + HORIZON].sum() for i, o in zip(idx, origin, strict=True)])
    return (nxt < DROP_RATIO * prev).astype(int)


def weekly_origins(n_days: int) -> list[int]:
    """Weekly origins whose 28-day future is observed, counted back from the last such day."""
    last = n_days - 1 - HORIZON
    return sorted(range(last, HISTORY - 2, -7))


def labelled_examples(entities: list[Entities]) -> pd.DataFrame:
    """Feature rows with labels at every weekly origin, for every entity type."""
    frames = []
    for ent in entities:
        for origin in weekly_origins(len(ent.days)):
            rows = features_at(ent, origin)
            if rows.empty:
                continue
            rows["entity_type"] = ent.entity_type
            rows["label"] = labels_at(ent, rows)
            frames.append(rows)
    if not frames:
        return pd.DataFrame(columns=["entity", "origin", *FEATURES, "entity_type", "label"])
    return pd.concat(frames, ignore_index=True)


def naive_score(rows: pd.DataFrame) -> np.ndarray:
    """The baseline: last month's decline (last 28 days below the 28 before) is the risk."""
    return -rows["trend_28_56"].to_numpy(dtype=float)


def recent_decline_score(rows: pd.DataFrame) -> np.ndarray:
    """A sharper naive rule, reported: the decline of the last 7 days against the last 28."""
    return -rows["trend_7_28"].to_numpy(dtype=float)


def fit(rows: pd.DataFrame, seed: int = 0):
    """A gradient-boosted classifier; None when the rows hold a single class (tiny catalogues)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if rows.empty or rows["label"].nunique() < 2:
        return None
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                           min_samples_leaf=min(40, max(5, len(rows) // 20)),
                                           l2_regularization=1.0, random_state=seed)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # OpenMP threads on a busy, small machine cost far more than they give here
        return model.fit(rows[FEATURES].astype(float), rows["label"].to_numpy())


def score(model, rows: pd.DataFrame) -> np.ndarray:
    """Probability of a drop; the naive rule squashed to (0, 1) when there is no model."""
    if rows.empty:
        return np.zeros(0)
    if model is None:
        return 1.0 / (1.0 + np.exp(-4.0 * naive_score(rows)))
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return model.predict_proba(rows[FEATURES].astype(float))[:, 1]


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s)) if len(set(y.tolist())) == 2 else float("nan")


@dataclasses.dataclass
class Backtest:
    auc: float
    auc_baseline: float
    auc_recent_decline: float
    auc_track: float
    auc_artist: float
    holdout_rows: int
    holdout_positive_rate: float
    train_rows: int
    first_holdout: pd.Timestamp | None


def backtest(entities: list[Entities], examples: pd.DataFrame | None = None, *,
             use_baseline: bool = False) -> Backtest:
    """Train on the origins whose 28-day outcome is known before the first held-out origin (no leakage), judge on
    the last HOLDOUT_WEEKS weekly origins. ``use_baseline``: the naive rule's scores are judged instead."""
    examples = labelled_examples(entities) if examples is None else examples
    origins = sorted(examples["origin"].unique()) if not examples.empty else []
    if len(origins) < 2:
        return Backtest(float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), 0, float("nan"), 0,
                        None)
    held = origins[-min(HOLDOUT_WEEKS, max(1, len(origins) // 3)):]
    first = held[0]
    train = examples[examples["origin"] + HORIZON < first]
    test = examples[examples["origin"] >= first]
    model = None if use_baseline else fit(train)
    s = naive_score(test) if use_baseline else score(model, test)
    y = test["label"].to_numpy()
    by_type = {t: _auc(y[test["entity_type"].to_numpy() == t], s[test["entity_type"].to_numpy() == t])
               for t in ("track", "artist")}
    days = entities[0].days
    return Backtest(_auc(y, s), _auc(y, naive_score(test)), _auc(y, recent_decline_score(test)), by_type["track"],
                    by_type["artist"], len(test), float(y.mean()) if len(y) else float("nan"), len(train),
                    days[int(first)])


def reasons(model, rows: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """The feature whose replacement by its typical (median) value lowers the risk the most: why this entity
    is at risk, in words. Occlusion over the few features is cheap for the scored rows."""
    if rows.empty:
        return []
    if model is None:
        return [REASONS["trend_28_56"]] * len(rows)
    base = score(model, rows)
    medians = reference[FEATURES].median() if not reference.empty else rows[FEATURES].median()
    drops = np.zeros((len(rows), len(FEATURES)))
    for j, f in enumerate(FEATURES):
        swapped = rows.copy()
        swapped[f] = medians[f]
        drops[:, j] = base - score(model, swapped)
    best = drops.argmax(axis=1)
    return [REASONS[FEATURES[j]] if drops[i, j] > 0 else "no single driver" for i, j in enumerate(best)]


LOW_RISK = "no elevated risk"


def risk_band(p: np.ndarray) -> np.ndarray:
    return np.where(p >= 0.5, "high", np.where(p >= 0.25, "medium", "low"))


def score_latest(entities: list[Entities], examples: pd.DataFrame, seed: int = 0) -> tuple[object, pd.DataFrame]:
    """Fit on every labelled origin and score each settled, active entity at the last observed day."""
    model = fit(examples, seed)
    frames = []
    for ent in entities:
        origin = len(ent.days) - 1
        rows = features_at(ent, origin)
        if rows.empty:
            continue
        p = score(model, rows)
        frames.append(pd.DataFrame({
            "entity_type": ent.entity_type,
            "entity_id": [ent.ids[i] for i in rows["entity"]],
            "entity_name": [ent.names[i] for i in rows["entity"]],
            "as_of_date": ent.days[origin].date(),
            "churn_probability": p,
            "risk_band": risk_band(p),
            "top_reason": np.where(p >= 0.25, reasons(model, rows, examples), LOW_RISK),
            **{f: rows[f].to_numpy() for f in ("trend_7_28", "trend_28_56", "peak_excess")},
        }))
    columns = ["entity_type", "entity_id", "entity_name", "as_of_date", "churn_probability", "risk_band",
               "top_reason", "trend_7_28", "trend_28_56", "peak_excess"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return model, out[columns]
