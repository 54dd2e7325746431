"""Marketing attribution: the incremental streams each marketing touch caused, credited six ways.

The data-driven method is a response model fitted per track on its daily streams split into *cells*: groups of
(platform, territory) series that the same set of touches acts on (a Spotify pitch splits the track's series into
Spotify and the rest, a radio add into its territory and the rest, ...). Every cell shares one base curve, so::

    streams[c, d] = w_c * dow(d) * release(age_d) * life(d) * (1 + sum_i u_i * k((d - s_i + 1) / P_i) * [i acts on c])

Why this shape:
- a touch scoped to one platform or territory is identified by its cell's share departing from the other cells
  (the base curve is common to all cells of a track, only the level ``w_c`` differs);
- a worldwide touch is identified by the track's curve departing from the release-decay shape ``release(age)``
  (``1 + A e^(-age/tau)``), which is the same for every track and therefore learned once, across tracks: started
  on the cells no touch acts on (:func:`learn_release_shape`), then chosen by the full fits of the biggest releases
  (:func:`refine_release_shape`: a few percent off in ``A`` moves a third of a big launch campaign's credit);
  ``dow`` is the catalogue's weekly cycle, also learned across tracks, and ``life`` is a slow per-track
  lifecycle (a slow decay, an annual cycle, one optional symmetric bump for a track going viral — symmetric, so
  unlike a touch it rises *before* its peak);
- the response kernel ``k(x) = x e^(1-x)`` (a gamma/adstock shape, 1 at the peak ``P_i`` days after the effect
  start ``s_i``, cut 120 days after it) has its peak ``P_i`` and uplift ``u_i`` estimated per touch; the effect
  starts on the release day for a playlist pitch (the pitch goes in before the release) and on the activity start
  otherwise (never before the release); the peak is bounded per channel (MAX_PEAK_DAYS) so that a slow, wide
  kernel cannot soak up the base curve's own slow wiggles.

The fit is Poisson-weighted least squares with a Huber loss (single-series anomalies must not move the base) whose
threshold (HUBER_SCALE) is 10 Poisson standard units, not the usual 1-3: on a big release's first weeks the counts
are in the thousands, so a model a few percent off the curve leaves residuals of 3-8 units day after day, and a
tighter threshold treated those launch days as outliers and let the touches starting with the release absorb the
misfit (seed 42: 0.121 at 3, 0.113 at 6-30; an anomaly, 1.5-10 times a busy series, stands tens of units out).
The release spike's profile keeps the threshold at 3 (SHAPE_HUBER_SCALE): summed over the biggest releases at 10
it is led by their launch days' few largest residuals and lands further off (seed 42: A 2.97 -> 3.01 and the
error 0.114 -> 0.145, seed 11: 3.01 -> 2.94 and 0.078 -> 0.088).
A feed that did not arrive is not a fall in listening: a cell with no streams on a day it usually has many is left
out, and a series missing for days *inside* a cell (a platform's files absent for weeks) scales that cell's
expected streams by the share of its series that did arrive (:func:`track_data`'s coverage) instead of dragging the
cell's curve, and the touches on it, down; the days a platform reported nothing for the whole catalogue are
missing for every series of it, small ones included (:func:`platform_gaps`).
A touch's credit is the streams its own term adds over the window: ``sum_c,d base[c, d] * u_i * k_i(d)``. Lifts
add up in this model, so a touch's Shapley value (its marginal contribution averaged over every order in which
the touches could be switched on) is exactly that own term: :func:`shapley_credits` computes it from coalitions
to show it. Press touches act on every track of the artist: each track's fit holds a press term; a press item
whose artist name two catalogue artists share is fitted on both artists' tracks and kept on the one whose streams
moved (:func:`choose_artists`); the item's one uplift and one peak are then fitted on the artist's settled tracks
together, each track's other terms held at their fit, and its credit on every track (the new release's, where
most of its streams are, included) computed with that peak (:func:`share_press`). Finally every touch's uplift is
estimated once (an artist-level touch's per-track estimates combined by their information) and shrunk by how
little the data know about it toward what its channel's touches do (:func:`shrink_uplifts`, empirical Bayes with
a point mass at 0 for touches that did nothing): an uplift bounded at 0 and measured within the noise is
otherwise biased upward, which over-credits the marketing as a whole.

The rule-based methods (first touch, last touch, linear, time decay, position based 40/20/40) split the *same*
estimated incremental streams of each track among the touches acting on it by their rules: they differ from the
data-driven method only in the split, which is what an attribution comparison should show.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

MODEL_NAME = "marketing_attribution"
DATA_DRIVEN = "data_driven"
RULE_METHODS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")
METHODS = (*RULE_METHODS, DATA_DRIVEN)
HORIZON_DAYS = 120  # a touch's response is cut this many days after its effect start
TIME_DECAY_HALF_LIFE = 7.0  # days: a touch 7 days before the last one gets half its weight
SLOW_DECAY_DAYS = 300.0  # the lifecycle's slow decay scale (a catalogue track fades over about a year)
HUBER_SCALE = 10.0  # Poisson standard units: a residual beyond this counts linearly (the module docstring)
SHAPE_HUBER_SCALE = 3.0  # the same for the release spike's profile (refine_release_shape)
BUMP_DAYS = 9.0  # width of a viral bump (a symmetric two-sided exponential)
BUMP_MIN_SCORE = 0.1  # a bump is tried where the smoothed departure from the base curve exceeds 10%
DEFAULT_RELEASE = (3.0, 12.0)  # release spike (A, tau) used when too few tracks are clean enough to learn it
# the latest plausible response peak per channel (days after the effect start): a press item is read within days,
# a social campaign peaks within its first fortnight, playlist placements and radio rotation build for weeks.
# Without these bounds a slow, wide kernel soaks up the base curve's own slow wiggles (seasonality, decay).
SPEND_PRIORS = ("social_campaign",)  # channels whose prior mean uplift grows with the spend (shrink_uplifts)
MIN_TOUCHES_TO_POOL = 8  # a channel needs this many touches before its uplifts are shrunk toward its mean
SHAPE_TRACKS = 24  # the biggest releases in the window whose full fits pick the release spike (refine_release_shape)
SETTLED_DAYS = 28  # a track out this long before a touch starts is past its release spike (shrink_uplifts)
PITCH_LANDS = 0.5  # prior chance that an editorial playlist pitch lands (fit_track_averaged)
# a landed pitch's uplift is uniform on 0..this a priori (pitch_occam): the well-measured pitches' fitted uplifts
# reach about 0.3 on both dev seeds (95th percentile 0.26-0.28)
PITCH_UPLIFT_RANGE = 0.3
MAX_PITCHES_AVERAGED = 4  # at most 2^4 fits per track
MAX_PEAK_DAYS = {"press": 6.0, "social_campaign": 12.0, "playlist_pitch": 16.0, "radio_add": 24.0}
PRESS_PEAKS = np.arange(1.5, MAX_PEAK_DAYS["press"] + 0.01, 0.25)  # the peaks a shared press fit weighs (share_press)

TOUCHES = """
    select activity_id, activity_type, start_date, end_date, isrc, artist_key, platform_code, territory_code,
           cast(spend as double precision) as spend, currency, cast(spend_eur as double precision) as spend_eur
    from marts.fct_marketing_touches
    order by activity_id"""
# artist-level touches whose artist name two catalogue artists share (the mart leaves their artist_key NULL): the
# candidates, one row each; the fits pick the one whose tracks moved (choose_artists)
ARTIST_CANDIDATES = """
    select touches.activity_id, artists.artist_key
    from marts.fct_marketing_touches as touches
    inner join marts.dim_artist as artists on artists.artist_name_normalised = touches.artist_name_normalised
    where touches.artist_key is null and coalesce(touches.isrc, '') = ''
    order by touches.activity_id, artists.artist_key"""
TRACKS = """
    select isrc, artist_key, release_date from marts.dim_track"""
SERIES = """
    select isrc, platform_code, territory_code, usage_date, cast(sum(streams) as double precision) as streams
    from marts.fct_usage_daily
    where is_catalogue_match
    group by isrc, platform_code, territory_code, usage_date"""


# --- the response kernel and the rule-based splits ------------------------------------------------------------------

def kernel(days_since_start: np.ndarray, peak_days: float) -> np.ndarray:
    """k((tau + 1) / P) with k(x) = x e^(1-x): 0 before the start, 1 at the peak, 0 after HORIZON_DAYS."""
    tau = np.asarray(days_since_start, dtype=float)
    x = (tau + 1.0) / peak_days
    return np.where((tau >= 0) & (tau <= HORIZON_DAYS), x * np.exp(1.0 - x), 0.0)


def rule_weights(method: str, starts: Sequence[dt.date]) -> np.ndarray:
    """Weights (summing to 1) of touches ordered by start for one rule-based method.

    first/last touch: all to the first/last; linear: equal; time decay: halves every TIME_DECAY_HALF_LIFE days
    before the last touch; position based: 40% first, 40% last, 20% shared by the middle (50/50 for two)."""
    n = len(starts)
    if n == 0:
        return np.zeros(0)
    w = np.zeros(n)
    if method == "first_touch":
        w[0] = 1.0
    elif method == "last_touch":
        w[-1] = 1.0
    elif method == "linear":
        w[:] = 1.0 / n
    elif method == "time_decay":
        last = max(starts)
        raw = np.array([0.5 ** ((last - s).days / TIME_DECAY_HALF_LIFE) for s in starts])
        w = raw / raw.sum()
    elif method == "position_based":
        if n == 1:
            w[0] = 1.0
        elif n == 2:
            w[:] = 0.5
        else:
            w[0] = w[-1] = 0.4
            w[1:-1] = 0.2 / (n - 2)
    else:
        raise ValueError(f"unknown rule {method!r}")
    return w


def rule_based_credits(per_track: pd.DataFrame, method: str) -> pd.Series:
    """Credits per activity_id: each track's estimated incremental streams (the sum of its touches' credits in
    ``per_track``: columns isrc, activity_id, start_date, credited) split among its touches by the rule."""
    out: dict[str, float] = {a: 0.0 for a in per_track["activity_id"].unique()}
    for _, group in per_track.groupby("isrc", sort=True):
        group = group.sort_values(["start_date", "activity_id"])
        weights = rule_weights(method, list(pd.to_datetime(group["start_date"]).dt.date))
        total = float(group["credited"].sum())
        for activity, weight in zip(group["activity_id"], weights, strict=True):
            out[activity] += total * float(weight)
    return pd.Series(out, name=method, dtype=float).sort_index()


def shapley_credits(value: Callable[[frozenset[str]], float], players: Sequence[str]) -> dict[str, float]:
    """Exact Shapley values of ``players`` for a coalition value function ``value(frozenset) -> float``.
    Exponential in the number of players: for the handful of touches on one track."""
    n = len(players)
    weights = [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)]
    out = {p: 0.0 for p in players}
    for p in players:
        others = [q for q in players if q != p]
        for k in range(n):
            for coalition in itertools.combinations(others, k):
                s = frozenset(coalition)
                out[p] += weights[k] * (value(s | {p}) - value(s))
    return out


# --- the response model of one track --------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TrackTouch:
    """A touch as one track's fit sees it: the day index its effect starts on and the cells it acts on."""

    activity_id: str
    start: int  # day index of the effect start (may be negative: before the window)
    cells: np.ndarray  # bool (n_cells,)
    max_peak: float = 21.0  # the latest peak the channel's response may have (days after its effect start)
    kind: str = ""  # the activity type


@dataclasses.dataclass
class TrackFit:
    """The fitted response model of one track: base streams per cell and day, and each touch's lift."""

    base: np.ndarray  # (n_cells, n_days) expected streams without any touch
    uplift: np.ndarray  # (n_touches,)
    peak_days: np.ndarray  # (n_touches,)
    credits: np.ndarray  # (n_touches,) incremental streams over the window
    release: tuple[float, float]
    cost: float
    scale: np.ndarray | None = None  # (n_touches,) streams one unit of uplift adds: credit = uplift * scale
    information: np.ndarray | None = None  # (n_touches,) the data's information on each uplift (1 / its variance)
    dispersion: float = 1.0  # the residuals' variance over Poisson's at a week's scale (weekly_dispersion)
    theta: np.ndarray | None = None  # the fitted parameters (a warm start for the same track's other fits)
    bump_day: float | None = None  # the viral bump's centre (day index), None without one


@dataclasses.dataclass(frozen=True)
class Calendar:
    """The window's days and the catalogue-wide curves: weekly cycle, annual cycle."""

    days: pd.DatetimeIndex
    dow: np.ndarray  # (n_days,) weekly factor, mean 1

    @property
    def n_days(self) -> int:
        return len(self.days)

    def index(self, day: dt.date | pd.Timestamp) -> int:
        return int((pd.Timestamp(day) - self.days[0]).days)


def _life_features(calendar: Calendar, age: np.ndarray) -> np.ndarray:
    """Slow lifecycle terms (3, n_days): a slow decay since release and an annual cycle (cos, sin)."""
    doy = calendar.days.day_of_year.to_numpy(dtype=float)
    angle = 2 * np.pi * doy / 365.25
    return np.vstack([np.exp(-np.clip(age, 0, None) / SLOW_DECAY_DAYS), np.cos(angle), np.sin(angle)])


def missing_days(y: np.ndarray) -> np.ndarray:
    """(n_cells, n_days) True where a cell has no streams although its usual share of the track's streams that day
    is well above zero: a feed that did not arrive (a missing file, a series dropped for weeks), not a day nobody
    listened. Those days are left out of the fit instead of dragging the cell's level (and its touches) down."""
    total = y.sum(axis=0)
    present = (y > 0).all(axis=0)
    if not present.any():
        return np.zeros_like(y, dtype=bool)
    share = y[:, present].sum(axis=1) / max(total[present].sum(), 1e-9)
    return (y == 0) & (share[:, None] * total[None, :] > 10.0)


def fit_track(y: np.ndarray, calendar: Calendar, release_index: int, touches: Sequence[TrackTouch], *,
              release: tuple[float, float] | None = DEFAULT_RELEASE, bump_candidates: int = 2,
              coverage: np.ndarray | None = None, off: Sequence[int] = (), warm: TrackFit | None = None,
              huber: float = HUBER_SCALE) -> TrackFit:
    """Fit the response model to one track's cells ``y`` (n_cells, n_days) and credit its touches.

    ``release`` is the learned release spike (A, tau); None fits it for this track (the learning step).
    Tries a viral bump at the ``bump_candidates`` most bump-like days of the residuals and keeps it when the fit
    improves clearly (a bump that explains nothing better than the touches is not kept). ``coverage`` (n_cells,
    n_days) is the share of each cell's usual streams whose series arrived that day (1 but where a series of the
    cell is missing): the model's streams are scaled by it, and cell-days under half covered are left out.
    The touches at the indices ``off`` are held at no lift (the model in which they did nothing). ``warm`` (a fit
    of the same track, at this release shape or a nearby one) starts one solve from its parameters, with its bump
    or none, instead of searching for a bump again."""
    from scipy.optimize import least_squares
    from threadpoolctl import threadpool_limits

    n_cells, n_days = y.shape
    t = np.arange(n_days)
    age = (t - release_index).astype(float)
    released = (age >= 0).astype(float)
    life_x = _life_features(calendar, age)
    n_touch = len(touches)
    k_since = [t - touch.start for touch in touches]
    cells = np.array([touch.cells for touch in touches], dtype=float).reshape(n_touch, n_cells)
    fit_release = release is None
    live = released > 0
    if not live.any() or y.sum() <= 0:
        return TrackFit(np.zeros_like(y), np.zeros(n_touch), np.full(n_touch, 7.0), np.zeros(n_touch),
                        release or DEFAULT_RELEASE, 0.0, np.zeros(n_touch), np.zeros(n_touch))

    def unpack(theta: np.ndarray) -> tuple:
        lw = theta[:n_cells]
        b = theta[n_cells:n_cells + 3]
        pos = n_cells + 3
        u = theta[pos:pos + n_touch]
        p = theta[pos + n_touch:pos + 2 * n_touch]
        pos += 2 * n_touch
        a, tau = (theta[pos], theta[pos + 1]) if fit_release else release
        v = (theta[-2], theta[-1]) if has_bump else (0.0, 0.0)
        return lw, b, u, p, a, tau, v

    def base_of(lw, b, a, tau, v) -> np.ndarray:
        life = 1.0 + b @ life_x
        if has_bump:
            life = life + v[0] * np.exp(-np.abs(t - v[1]) / BUMP_DAYS)
        life = np.clip(life, 0.05, None)
        shape = calendar.dow * (1.0 + a * np.exp(-np.clip(age, 0, None) / tau)) * life * released
        return np.exp(lw)[:, None] * shape[None, :]

    def lift_of(u, p) -> np.ndarray:
        lift = np.zeros((n_cells, n_days))
        for i in range(n_touch):
            lift += u[i] * cells[i][:, None] * kernel(k_since[i], p[i])[None, :]
        return lift

    def residuals(theta: np.ndarray) -> np.ndarray:
        lw, b, u, p, a, tau, v = unpack(theta)
        mu = base_of(lw, b, a, tau, v) * (1.0 + lift_of(u, p)) * cover
        return ((y - mu) / np.sqrt(mu + 1.0))[fitted]

    def jacobian(theta: np.ndarray) -> np.ndarray:
        """d residual / d theta, the Poisson weight 1/sqrt(mu + 1) held fixed (Gauss-Newton's usual IRLS step):
        one pass instead of a finite difference per parameter."""
        lw, b, u, p, a, tau, v = unpack(theta)
        decay = np.exp(-np.clip(age, 0, None) / tau)
        rel = 1.0 + a * decay
        bump = v[0] * np.exp(-np.abs(t - v[1]) / BUMP_DAYS) if has_bump else np.zeros(n_days)
        raw_life = 1.0 + b @ life_x + bump
        life = np.clip(raw_life, 0.05, None)
        free = (raw_life > 0.05).astype(float)
        w = np.exp(lw)
        common = calendar.dow * released  # (n_days,)
        lift = 1.0 + lift_of(u, p)  # (n_cells, n_days)
        base = w[:, None] * (common * rel * life)[None, :]
        mu = base * lift
        scale = -cover / np.sqrt(mu * cover + 1.0)  # d (mu * cover) / d theta, Poisson weight held fixed
        cols = []
        for c in range(n_cells):  # log weights
            col = np.zeros((n_cells, n_days))
            col[c] = mu[c]
            cols.append(col)
        d_life = w[:, None] * (common * rel * free)[None, :] * lift  # d mu / d life
        cols += [d_life * life_x[j][None, :] for j in range(3)]
        for i in range(n_touch):
            cols.append(base * cells[i][:, None] * kernel(k_since[i], p[i])[None, :])
        for i in range(n_touch):
            tau_i = np.asarray(k_since[i], dtype=float)
            x = (tau_i + 1.0) / p[i]
            dk = np.where((tau_i >= 0) & (tau_i <= HORIZON_DAYS), -np.exp(1.0 - x) * (1.0 - x) * x / p[i], 0.0)
            cols.append(base * u[i] * cells[i][:, None] * dk[None, :])
        if fit_release:
            d_rel = w[:, None] * (common * life)[None, :] * lift
            cols.append(d_rel * decay[None, :])
            cols.append(d_rel * (a * decay * np.clip(age, 0, None) / tau ** 2)[None, :])
        if has_bump:
            shape = np.exp(-np.abs(t - v[1]) / BUMP_DAYS)
            cols.append(d_life * shape[None, :])
            cols.append(d_life * (v[0] * shape * np.sign(t - v[1]) / BUMP_DAYS)[None, :])
        return np.column_stack([(col * scale)[fitted] for col in cols])

    fitted = live[None, :] & ~missing_days(y)
    cover = np.ones_like(y) if coverage is None else np.asarray(coverage, dtype=float)
    fitted &= cover >= 0.5
    level = calendar.dow[live].mean()
    lw0 = np.log(np.maximum(y[:, live].mean(axis=1), 0.1) / level)
    if release is not None and release_index >= 0:
        lw0 -= np.log(1.0 + release[0] * np.exp(-np.clip(age[live], 0, None) / release[1]).mean())
    x0 = [*lw0, 0.0, 0.0, 0.0, *([0.05] * n_touch), *(min(7.0, t.max_peak / 2) for t in touches)]
    lo = [*([-30.0] * n_cells), 0.0, -0.9, -0.9, *([0.0] * n_touch), *([1.5] * n_touch)]
    hi = [*([30.0] * n_cells), 50.0, 0.9, 0.9, *([1.0] * n_touch), *(t.max_peak for t in touches)]
    for i in off:
        x0[n_cells + 3 + i], hi[n_cells + 3 + i] = 0.0, 1e-9
    if fit_release:
        x0 += [DEFAULT_RELEASE[0], DEFAULT_RELEASE[1]]
        lo += [0.0, 2.0]
        hi += [20.0, 60.0]
    has_bump = False

    def solve(x_start: list[float], lower: list[float], upper: list[float]):
        # one BLAS thread: the Jacobian is small (observations x ~20) and threads only contend on a shared machine
        with threadpool_limits(1):
            return least_squares(residuals, np.clip(x_start, lower, upper), jac=jacobian, bounds=(lower, upper),
                                 loss="huber", f_scale=huber, x_scale="jac", max_nfev=200)

    def finish(final) -> TrackFit:
        lw, b, u, p, a, tau, v = unpack(final.x)
        base = base_of(lw, b, a, tau, v)
        mu = base * (1.0 + lift_of(u, p)) * cover  # the streams the feeds should hold
        scale = np.zeros(n_touch)
        information = np.zeros(n_touch)
        dispersion = weekly_dispersion(y, mu, fitted)
        for i in range(n_touch):
            unit = base * cells[i][:, None] * kernel(k_since[i], p[i])[None, :]  # d mu / d u_i
            scale[i] = float(unit.sum())
            information[i] = float(((unit * cover) ** 2 / (mu + 1.0))[fitted].sum()) / dispersion
        return TrackFit(base, u.copy(), p.copy(), u * scale, (float(a), float(tau)), float(final.cost), scale,
                        information, dispersion, np.array(final.x), float(v[1]) if has_bump else None)

    candidates: list[int] = []
    if warm is not None and warm.theta is not None:
        has_bump = warm.bump_day is not None
        start = np.array(warm.theta, dtype=float)
        start[[n_cells + 3 + i for i in off]] = 0.0
        lower, upper, cold = list(lo), list(hi), list(x0)
        if has_bump:
            lower += [0.0, warm.bump_day - 15.0]
            upper += [10.0, warm.bump_day + 15.0]
            cold += [1.0, warm.bump_day]
        # from the warm fit and from the cold start: the warm one alone keeps the other touches where the
        # switched-off ones had left them
        return finish(min((solve(list(start), lower, upper), solve(cold, lower, upper)), key=lambda r: r.cost))
    if bump_candidates:
        # where the track departs most from its base curve in a symmetric bump shape, seen by a fit with no touch
        # (so the touches cannot absorb a viral bump before the bump gets its chance)
        no_touch = [*x0[:n_cells + 3], *([0.0] * n_touch), *x0[n_cells + 3 + n_touch:]]
        hi_zero = [*hi[:n_cells + 3], *([1e-9] * n_touch), *hi[n_cells + 3 + n_touch:]]
        base_only = solve(no_touch, lo, hi_zero)
        lw, b, _, _, a, tau, v = unpack(base_only.x)
        mu = base_of(lw, b, a, tau, v) * cover
        ratio = np.where(live, y.sum(axis=0) / np.maximum(mu.sum(axis=0), 1e-9) - 1.0, 0.0)
        laplace = np.exp(-np.abs(np.arange(-30, 31)) / BUMP_DAYS)
        score = np.convolve(ratio, laplace / laplace.sum(), mode="same")
        for day in np.argsort(-score):
            if score[day] <= BUMP_MIN_SCORE or len(candidates) >= bump_candidates:
                break
            if all(abs(day - c) > 20 for c in candidates) and live[day]:
                candidates.append(int(day))
    best = solve(x0, lo, hi)
    best_bump = None
    has_bump = True
    for day in candidates:
        # from the touches' fit and from the start (the touches may have settled where the bump belongs)
        lo_b, hi_b = [*lo, 0.0, day - 15.0], [*hi, 10.0, day + 15.0]
        got = min((solve([*start, 1.0, float(day)], lo_b, hi_b) for start in (best.x, x0)), key=lambda r: r.cost)
        # a bump costs 2 parameters: keep it only when it explains clearly more than the touches alone
        if got.cost < best.cost - 25.0 and (best_bump is None or got.cost < best_bump.cost):
            best_bump = got
    has_bump = best_bump is not None
    return finish(best_bump if best_bump is not None else best)


def fit_track_averaged(data: TrackData, calendar: Calendar, release: tuple[float, float], *,
                       prior_landed: float = PITCH_LANDS) -> TrackFit:
    """The track's fit averaged over whether each of its playlist pitches landed (Bayesian model averaging).

    Why: a pitch either got the track onto an editorial playlist or did nothing, and a release is often pitched
    to every platform at once while a worldwide campaign starts the same day; the pitches' lifts together then
    look almost like the campaign's, and a free fit splits their sum between them at random (failed pitches
    credited, the campaign short). Each pattern of landed/failed pitches is fitted (the failed ones held at no
    lift) and weighted by its likelihood, a prior ``prior_landed`` per pitch, and the Occam factor of each landed
    pitch's uplift (:func:`pitch_occam`); the credits are the weighted mean. The likelihood's Poisson units are
    divided by the full fit's weekly dispersion, which says how much more the residuals vary than Poisson
    noise."""
    full = fit_track(data.y, calendar, data.release_index, data.touches, release=release, coverage=data.coverage)
    pitches = [i for i, t in enumerate(data.touches) if t.kind == "playlist_pitch"]
    if not pitches or len(pitches) > MAX_PITCHES_AVERAGED:
        return full
    dispersion = max(full.dispersion, 1.0)
    fits, scores = [], []
    for landed in itertools.product((True, False), repeat=len(pitches)):
        off = [i for i, on in zip(pitches, landed, strict=True) if not on]
        fit = full if not off else fit_track(data.y, calendar, data.release_index, data.touches, release=release,
                                             coverage=data.coverage, off=off, warm=full)
        n_on = len(pitches) - len(off)
        occam = sum(pitch_occam(fit.information[i]) for i in pitches if i not in off)
        scores.append(-fit.cost / dispersion - occam
                      + n_on * math.log(prior_landed) + len(off) * math.log(1.0 - prior_landed))
        fits.append(fit)
    weights = np.exp(np.array(scores) - max(scores))
    weights /= weights.sum()
    credits = sum(w * f.credits for w, f in zip(weights, fits, strict=True))
    uplift = sum(w * f.uplift for w, f in zip(weights, fits, strict=True))
    scale = np.where(uplift > 1e-12, credits / np.where(uplift > 1e-12, uplift, 1.0), full.scale)
    return dataclasses.replace(full, uplift=uplift, credits=credits, scale=scale)


def pitch_occam(information: float, uplift_range: float = PITCH_UPLIFT_RANGE) -> float:
    """What a landed pitch's free uplift costs in log likelihood (Laplace's approximation of its Occam factor):
    ``log(uplift_range * sqrt(information / 2 pi))``, the log of its prior range (uniform on 0..uplift_range)
    over its posterior's width. Why not BIC's ``log(n)`` for an uplift and a peak: BIC's unit-information prior
    is far wider than a placement's lift, so it charged a landed pitch about twice this (7.2 against 3-4 on a
    track of six cells) and the averaging dropped real placements of 0.09 whenever a campaign from the same days
    could take their streams (seed 42 GBNPR2600053: three landed pitches, averaged to Spotify's only). The peak
    is not charged: bounded to a few days either way, its Occam factor is near 1."""
    return math.log(uplift_range) + 0.5 * math.log(max(float(information), 1.0) / (2.0 * math.pi))


def weekly_dispersion(y: np.ndarray, mu: np.ndarray, fitted: np.ndarray) -> float:
    """How much more the fit's residuals vary than Poisson noise at the time scale of a response (a week):
    mean over complete cell-weeks of (sum of residuals)^2 / (sum of mu), at least 1. Slow misfit of the base curve
    (a lifecycle it does not quite follow) is correlated from day to day, so the per-day Poisson information
    overstates what the data know about an uplift by about this factor."""
    n_cells, n_days = y.shape
    weeks = n_days // 7
    if weeks == 0:
        return 1.0
    whole = fitted[:, :weeks * 7].reshape(n_cells, weeks, 7).all(axis=2)
    if not whole.any():
        return 1.0
    resid = (y - mu)[:, :weeks * 7].reshape(n_cells, weeks, 7).sum(axis=2)
    expected = mu[:, :weeks * 7].reshape(n_cells, weeks, 7).sum(axis=2) + 7.0
    return max(1.0, float(np.mean(resid[whole] ** 2 / expected[whole])))


# --- from the marts to the per-track fits ---------------------------------------------------------------------------

def learn_calendar(series: pd.DataFrame) -> Calendar:
    """The window's days and the catalogue's weekly cycle: each day's total over a centred 7-day mean, averaged
    by weekday (every track shares the cycle, so the whole catalogue estimates it)."""
    daily = series.groupby("usage_date")["streams"].sum()
    days = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    total = daily.reindex(days).fillna(0.0).to_numpy()
    smooth = pd.Series(total).rolling(7, center=True).mean().to_numpy()
    ratio = pd.Series(np.where(smooth > 0, total / np.where(smooth > 0, smooth, 1.0), np.nan), index=days)
    by_weekday = ratio.groupby(days.day_of_week).median().reindex(range(7)).fillna(1.0).to_numpy()
    by_weekday = by_weekday / by_weekday.mean()
    return Calendar(days, by_weekday[days.day_of_week])


def effect_start(touch: pd.Series, release_date: pd.Timestamp | None) -> pd.Timestamp:
    """The day a touch starts acting: the release for a pitch, else its start but never before the release."""
    start = pd.Timestamp(touch["start_date"])
    if release_date is None or pd.isna(release_date):
        return start
    if touch["activity_type"] == "playlist_pitch":
        return pd.Timestamp(release_date)
    if touch["activity_type"] == "press":  # artist-level: acts from its day on every track already out
        return start
    return max(start, pd.Timestamp(release_date))


def touches_by_track(touches: pd.DataFrame, tracks: pd.DataFrame) -> pd.DataFrame:
    """(isrc, activity_id, ...) for every track each touch acts on: its own track, or every track of the
    artist for an artist-level touch (no ISRC)."""
    own = touches[touches["isrc"].notna() & (touches["isrc"] != "")]
    own = own.merge(tracks[["isrc", "release_date"]], on="isrc", how="inner")
    artist = touches[touches["isrc"].isna() | (touches["isrc"] == "")].drop(columns=["isrc"])
    artist = artist.merge(tracks[["isrc", "artist_key", "release_date"]], on="artist_key", how="inner")
    out = pd.concat([own, artist], ignore_index=True)
    out["effect_start"] = [effect_start(row, row["release_date"]) for _, row in out.iterrows()]
    return out.sort_values(["isrc", "start_date", "activity_id"]).reset_index(drop=True)


@dataclasses.dataclass
class TrackData:
    isrc: str
    y: np.ndarray  # (n_cells, n_days)
    release_index: int
    touches: list[TrackTouch]
    coverage: np.ndarray | None = None  # (n_cells, n_days) share of the cell's usual streams that arrived


def platform_gaps(series: pd.DataFrame, calendar: Calendar) -> dict[str, np.ndarray]:
    """Per platform, the days (n_days bool) on which it reported nothing for any recording, between its first and
    last day: its feed did not arrive, so every series of that platform is missing then. Found on the catalogue,
    not per series: a small series' missing days look like days nobody listened."""
    out = {}
    for platform, days in series.groupby("platform_code")["usage_date"]:
        index = np.unique((pd.to_datetime(days) - calendar.days[0]).dt.days.to_numpy())
        gap = np.ones(calendar.n_days, dtype=bool)
        gap[index] = False
        gap[:index.min()] = False
        gap[index.max() + 1:] = False
        out[str(platform)] = gap
    return out


def track_data(isrc: str, series: pd.DataFrame, touched: pd.DataFrame, calendar: Calendar,
               release_date: pd.Timestamp | None, *, gaps: dict[str, np.ndarray] | None = None) -> TrackData:
    """Cells of one track: its (platform, territory) series grouped by the set of touches whose scope holds them.
    ``gaps`` (:func:`platform_gaps`) marks the days each platform's whole feed is missing."""
    frame = series[series["isrc"] == isrc]
    keys = frame[["platform_code", "territory_code"]].drop_duplicates().sort_values(
        ["platform_code", "territory_code"]).itertuples(index=False, name=None)
    keys = list(keys)
    mine = touched[touched["isrc"] == isrc]

    def acts_on(row: pd.Series, platform: str, territory: str) -> bool:
        p_ok = pd.isna(row["platform_code"]) or row["platform_code"] in ("", platform)
        t_ok = pd.isna(row["territory_code"]) or row["territory_code"] in ("", "WW", territory)
        return bool(p_ok and t_ok)

    signature = {k: tuple(acts_on(row, *k) for _, row in mine.iterrows()) for k in keys}
    groups = sorted(set(signature.values()))
    cell_of = {k: groups.index(s) for k, s in signature.items()}
    y = np.zeros((max(len(groups), 1), calendar.n_days))
    coverage = np.ones_like(y)
    if keys:
        idx_day = ((pd.to_datetime(frame["usage_date"]) - calendar.days[0]).dt.days).to_numpy()
        pairs = list(zip(frame["platform_code"], frame["territory_code"], strict=True))
        idx_cell = np.array([cell_of[k] for k in pairs])
        np.add.at(y, (idx_cell, idx_day), frame["streams"].to_numpy(dtype=float))
        # a series missing for days (a file or a feed that did not arrive) inside a cell lowers the cell's total
        # without emptying it: found on the series themselves; the cell's expected streams that day are scaled
        # by the share of the series that did arrive (each series' share of its cell on the complete days)
        series_index = {k: i for i, k in enumerate(keys)}
        per_series = np.zeros((len(keys), calendar.n_days))
        np.add.at(per_series, (np.array([series_index[k] for k in pairs]), idx_day),
                  frame["streams"].to_numpy(dtype=float))
        gone = missing_days(per_series)
        for (platform, _), row in series_index.items():
            if gaps and platform in gaps:
                gone[row] |= gaps[platform]
        cell_rows = np.array([cell_of[k] for k in keys])
        cell_gone = np.zeros_like(y, dtype=bool)
        np.logical_or.at(cell_gone, cell_rows, gone)
        complete = ~cell_gone[cell_rows]  # (n_series, n_days): days the series' whole cell arrived
        own = (per_series * complete).sum(axis=1)
        cell_total = np.zeros(len(y))
        np.add.at(cell_total, cell_rows, own)
        share = own / np.maximum(cell_total[cell_rows], 1e-9)
        np.subtract.at(coverage, cell_rows, gone * share[:, None])
        coverage = np.clip(coverage, 0.0, 1.0)
    first_stream = int(np.argmax(y.sum(axis=0) > 0)) if y.sum() > 0 else 0
    if release_date is not None and not pd.isna(release_date):
        release_index = calendar.index(release_date)
        if release_index > 0 and y[:, :max(release_index, 0)].sum() > 0:  # streams before the stated release
            release_index = first_stream
    else:
        release_index = first_stream if first_stream > 0 else -10_000
    touch_list = [TrackTouch(row["activity_id"], calendar.index(row["effect_start"]),
                             np.array([s[j] for s in groups], dtype=bool),
                             MAX_PEAK_DAYS.get(row["activity_type"], 21.0), row["activity_type"])
                  for j, (_, row) in enumerate(mine.iterrows())]
    return TrackData(isrc, y, release_index, touch_list, coverage)


def learn_release_shape(datas: Iterable[TrackData], calendar: Calendar, *, min_tracks: int = 3
                        ) -> tuple[float, float]:
    """The release spike (A, tau) common to every track, learned on tracks released in the window from their cells
    no touch acts on (their curve is the base curve alone): the median of per-track fits."""
    found = []
    for data in datas:
        if not (0 < data.release_index < calendar.n_days - 120):
            continue
        untouched = ~np.any([t.cells for t in data.touches], axis=0) if data.touches else np.ones(len(data.y), bool)
        y = data.y[untouched]
        if y.sum() < 20 * calendar.n_days * 0.2:  # too thin to see a spike shape
            continue
        fit = fit_track(y.sum(axis=0, keepdims=True), calendar, data.release_index, [], release=None,
                        bump_candidates=0, huber=SHAPE_HUBER_SCALE)
        found.append(fit.release)
    if len(found) < min_tracks:
        return DEFAULT_RELEASE
    a, tau = np.median(np.array(found), axis=0)
    return float(a), float(tau)


def refine_release_shape(datas: Sequence[TrackData], calendar: Calendar, start: tuple[float, float], *,
                         tracks: int = SHAPE_TRACKS, rounds: int = 2) -> tuple[float, float]:
    """The release spike (A, tau) that best fits the biggest tracks released in the window, touches and all.

    Why: the median of per-track fits on untouched cells (:func:`learn_release_shape`) is only a start. It sees
    the few cells no touch acts on, and a median of nonlinear estimates is biased; yet the shape decides how much
    of a release's first weeks the worldwide touches that start with it are credited (a spike 6% too high takes
    a third of a social campaign's streams on a big release; 3% too low gives a launch campaign the missing
    spike). The full model's cost summed over the biggest releases is a profile likelihood of the shape,
    minimised by :func:`grid_minimum`."""
    chosen = sorted((d for d in datas if 0 < d.release_index < calendar.n_days - 120 and d.y.sum() > 0),
                    key=lambda d: -float(d.y.sum()))[:tracks]
    if len(chosen) < 3:
        return start
    # each track's structure (whether it has a viral bump, and where) is found once, at the start; every shape
    # then refits from it. Searched anew per shape, a bump found at one shape and missed at the next made the
    # profile jump by thousands (seed 7: +16,000 on one track wherever A * tau passed about 35.7)
    anchors = [fit_track(d.y, calendar, d.release_index, d.touches, release=start, coverage=d.coverage,
                         huber=SHAPE_HUBER_SCALE) for d in chosen]

    def cost(a: float, tau: float) -> float:
        return sum(fit_track(d.y, calendar, d.release_index, d.touches, release=(a, tau), coverage=d.coverage,
                             huber=SHAPE_HUBER_SCALE, warm=anchor).cost
                   for d, anchor in zip(chosen, anchors, strict=True))

    return grid_minimum(cost, start, rounds=rounds)


def grid_minimum(cost: Callable[[float, float], float], start: tuple[float, float], *, rounds: int = 2,
                 lo: tuple[float, float] = (0.2, 2.0), hi: tuple[float, float] = (20.0, 60.0)
                 ) -> tuple[float, float]:
    """The release shape (A, tau) of least ``cost``: a 3x3 grid around the start (steps of 10%), a quadratic
    fitted to its costs and its minimum evaluated too; the next grid, half as wide, is centred on the best point
    evaluated so far, and that point is the answer. Why the best point and not the quadratic's minimum: the
    profile is far from quadratic over a grid that wide, flat on the side of too small a spike (the touches that
    start with a release absorb what is missing) and steep on the other (their uplifts cannot go below 0), so the
    quadratic's minimum lands on the flat side (seed 11: A = 2.92 where the best evaluated point was 3.01)."""
    cache: dict[tuple[float, float], float] = {}

    def value(a: float, tau: float) -> float:
        key = (round(float(a), 4), round(float(tau), 4))
        if key not in cache:
            cache[key] = float(cost(*key))
        return cache[key]

    center = np.array(start, dtype=float)
    step = np.array([0.1 * max(center[0], 1.0), 0.1 * center[1]])
    lower, upper = np.array(lo, dtype=float), np.array(hi, dtype=float)
    offsets = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)], dtype=float)
    for _ in range(rounds):
        points = np.clip(center + offsets * step, lower, upper)
        grid = (points - center) / step  # the clipped points in grid units
        costs = np.array([value(*p) for p in points])
        design = np.column_stack([np.ones(9), grid[:, 0], grid[:, 1], grid[:, 0] ** 2, grid[:, 1] ** 2,
                                  grid[:, 0] * grid[:, 1]])
        b = np.linalg.lstsq(design, costs, rcond=None)[0]
        hessian = np.array([[2 * b[3], b[5]], [b[5], 2 * b[4]]])
        if np.all(np.linalg.eigvalsh(hessian) > 0):
            value(*np.clip(center + np.clip(np.linalg.solve(hessian, -b[1:3]), -1.5, 1.5) * step, lower, upper))
        center = np.array(min(cache, key=cache.__getitem__), dtype=float)
        step = step / 2
    return float(center[0]), float(center[1])


@dataclasses.dataclass
class Attribution:
    """Everything the asset and the evaluation need: per-track credits, credits per method, the learned shape."""

    per_track: pd.DataFrame  # isrc, activity_id, start_date, credited, uplift, peak_days
    credits: pd.DataFrame  # activity_id x method -> credited streams
    release: tuple[float, float]
    tracks_fitted: int
    fit_cost: float  # the fits' mean Huber cost per observation (in Poisson standard units): lower fits better


def with_candidates(touches: pd.DataFrame, candidates: pd.DataFrame | None) -> pd.DataFrame:
    """The touches with every candidate artist of an ambiguous artist-level touch as a row of its own (same
    activity_id): a press item about "Nova" when the catalogue has two artists called Nova acts on one of them,
    and only the streams can tell which."""
    if candidates is None or candidates.empty:
        return touches
    ambiguous = touches[touches["artist_key"].isna() & touches["activity_id"].isin(candidates["activity_id"])]
    if ambiguous.empty:
        return touches
    expanded = ambiguous.drop(columns=["artist_key"]).merge(candidates, on="activity_id", how="inner")
    rest = touches[~touches.index.isin(ambiguous.index)]
    return pd.concat([rest, expanded[touches.columns]], ignore_index=True).sort_values(
        ["activity_id", "artist_key"]).reset_index(drop=True)


def pooled_uplifts(per_track: pd.DataFrame, info: pd.Series, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: the summed information ``info`` and the information-weighted mean uplift ``u``
    (0 where the group has no information): one estimate from a touch's estimates on several tracks."""
    frame = per_track.assign(info=info, uw=per_track["uplift"] * info)
    out = frame.groupby(keys, dropna=False).agg(uw=("uw", "sum"), info=("info", "sum"))
    out["u"] = np.where(out["info"] > 0, out["uw"] / out["info"].where(out["info"] > 0, 1.0), 0.0)
    return out[["info", "u"]]


def choose_artists(per_track: pd.DataFrame) -> pd.DataFrame:
    """Per-track rows of the touches with one artist only: for an ambiguous touch (fitted on every candidate
    artist's tracks) the candidate whose combined uplift stands furthest above its noise (u * sqrt(information),
    its z-score) keeps its rows; the other candidates' tracks did not move with the touch."""
    if per_track.empty:
        return per_track
    by = pooled_uplifts(per_track, per_track["information"].clip(lower=0.0), ["activity_id", "artist_key"])
    by["z"] = by["u"] * np.sqrt(by["info"])
    best = by.reset_index().sort_values(["activity_id", "z", "artist_key"], ascending=[True, False, True])
    best = best.drop_duplicates("activity_id")[["activity_id", "artist_key"]]
    keep = per_track.merge(best.assign(_keep=True), on=["activity_id", "artist_key"], how="left")["_keep"]
    return per_track[keep.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def touch_terms(data: TrackData, fit: TrackFit, j: int) -> dict[str, np.ndarray]:
    """Touch ``j`` of a track with the track's other terms held at their fit. On the fitted cell-days: the
    streams the rest of the model leaves (``resid``), the streams one unit of the touch's uplift adds per unit of
    its kernel (``unit``: the base on its cells, times the coverage), the Poisson weights over the fit's weekly
    dispersion (``weight``) and the days since its effect start (``since``); over every cell-day, the base on its
    cells and the days since its start (``all_unit``, ``all_since``), from which its credit is computed."""
    n_cells, n_days = data.y.shape
    t = np.arange(n_days)
    cover = np.ones_like(data.y) if data.coverage is None else np.asarray(data.coverage, dtype=float)
    lift = [fit.uplift[i] * touch.cells[:, None] * kernel(t - touch.start, fit.peak_days[i])[None, :]
            for i, touch in enumerate(data.touches)]
    others = sum((x for i, x in enumerate(lift) if i != j), np.zeros((n_cells, n_days)))
    mu = fit.base * (1.0 + others + lift[j]) * cover
    fitted = (t >= data.release_index)[None, :] & ~missing_days(data.y) & (cover >= 0.5)
    all_unit = fit.base * data.touches[j].cells[:, None]
    since = np.broadcast_to(t - data.touches[j].start, data.y.shape)
    return {"resid": (data.y - fit.base * (1.0 + others) * cover)[fitted], "unit": (all_unit * cover)[fitted],
            "weight": 1.0 / ((mu[fitted] + 1.0) * max(fit.dispersion, 1.0)), "since": since[fitted],
            "all_unit": all_unit, "all_since": since}


def shared_press_fit(terms: Sequence[dict[str, np.ndarray]], peaks: np.ndarray = PRESS_PEAKS
                     ) -> tuple[float, float, np.ndarray]:
    """One uplift and one peak for a touch from its terms on several tracks (:func:`touch_terms`).

    For each peak ``P`` of the grid the uplift is the weighted least squares over every track at once,
    ``u(P) = sum_t a_t / sum_t b_t`` (``a = sum w z r``, ``b = sum w z^2``, ``z`` the unit lift with kernel ``P``;
    at least 0), and the data's log-likelihood of the peak is the squares that uplift removes less the Laplace
    width of the uplift, ``(sum a)^2 / 2 sum b - log(sum b) / 2``. The peak is its posterior mean under a flat
    prior on the grid: a profile of a small, short lift is flat over the peaks, and its maximum is as often at the
    grid's ends as anywhere. Returns (u at that peak, the peak, each track's information ``b_t`` on u there)."""
    def moments(peak: float) -> tuple[np.ndarray, np.ndarray]:
        z = [x["unit"] * kernel(x["since"], peak) for x in terms]
        a = np.array([float((x["weight"] * zx * x["resid"]).sum()) for x, zx in zip(terms, z, strict=True)])
        b = np.array([float((x["weight"] * zx * zx).sum()) for x, zx in zip(terms, z, strict=True)])
        return a, b

    grid, log_like = [], []
    for peak in peaks:
        a, b = moments(float(peak))
        if b.sum() <= 0:
            continue
        gain = a.sum() ** 2 / b.sum() if a.sum() > 0 else 0.0  # the weighted squares a press term removes
        grid.append(float(peak))
        log_like.append(0.5 * gain - 0.5 * math.log(b.sum()))
    if not grid:
        return 0.0, float(np.median(peaks)), np.zeros(len(terms))
    w = np.exp(np.array(log_like) - max(log_like))
    peak = float(np.dot(w, grid) / w.sum())
    a, b = moments(peak)
    return max(a.sum() / b.sum(), 0.0) if b.sum() > 0 else 0.0, peak, b


def share_press(per_track: pd.DataFrame, prepared: Prepared, fits: Sequence[TrackFit]) -> pd.DataFrame:
    """Per-track rows with each press item measured once, on the artist's settled tracks together (one uplift
    and one peak: :func:`shared_press_fit`, each track's other terms held at their fit), and its streams per unit
    of uplift (``scale``) on every track, the new release's included, computed with that one peak.

    Why: the generator's press item lifts every track of the artist by the same uplift with the same peak. On
    the release it is about, the item's lift and the release's spike are one bump, so that track's own fit of the
    item's peak (and with it the streams a unit of uplift adds there, which are most of the item's streams) is
    confounded; and on each settled track alone the peak of a small, short lift is mostly noise. An item with no
    settled track keeps its per-track fits. :func:`shrink_uplifts` then shrinks the shared uplift (its
    information is the settled tracks' at the shared peak) and credits ``u_post * scale`` per track."""
    if per_track.empty:
        return per_track
    out = per_track.copy()
    index = {data.isrc: k for k, data in enumerate(prepared.datas)}
    for activity, rows in out[out["activity_type"] == "press"].groupby("activity_id"):
        settled = rows[rows["settled"].astype(bool) & (rows["information"] > 0)]
        if settled.empty:
            continue
        terms = {}
        for row_index, isrc in rows["isrc"].items():
            k = index[isrc]
            j = [touch.activity_id for touch in prepared.datas[k].touches].index(activity)
            terms[row_index] = touch_terms(prepared.datas[k], fits[k], j)
        u, peak, info = shared_press_fit([terms[i] for i in settled.index])
        out.loc[settled.index, "information"] = info
        out.loc[settled.index, "uplift"] = u
        out.loc[rows.index, "peak_days"] = peak
        out.loc[rows.index, "scale"] = [float((terms[i]["all_unit"] * kernel(terms[i]["all_since"], peak)).sum())
                                        for i in rows.index]
    return out


@dataclasses.dataclass
class Prepared:
    """What the per-track fits need: the calendar, every touched track's cells (with the touches acting on it)
    and the learned release spike."""

    calendar: Calendar
    touched: pd.DataFrame  # touches_by_track (an ambiguous artist-level touch once per candidate artist)
    datas: list[TrackData]
    release: tuple[float, float]


def prepare(touches: pd.DataFrame, tracks: pd.DataFrame, series: pd.DataFrame,
            candidates: pd.DataFrame | None = None) -> Prepared:
    """The calendar, the cells of every touched track and the release spike learned on them."""
    tracks = tracks.assign(release_date=pd.to_datetime(tracks["release_date"]))
    series = series.assign(usage_date=pd.to_datetime(series["usage_date"]))
    calendar = learn_calendar(series)
    touched = touches_by_track(with_candidates(touches, candidates), tracks)
    release_of = dict(zip(tracks["isrc"], tracks["release_date"], strict=False))
    by_isrc = dict(tuple(series.groupby("isrc")))
    empty = series.iloc[:0]
    gaps = platform_gaps(series, calendar)
    datas = [track_data(isrc, by_isrc.get(isrc, empty), touched, calendar, release_of.get(isrc), gaps=gaps)
             for isrc in sorted(touched["isrc"].unique())]
    release = refine_release_shape(datas, calendar, learn_release_shape(datas, calendar))
    return Prepared(calendar, touched, datas, release)


def attribute(touches: pd.DataFrame, tracks: pd.DataFrame, series: pd.DataFrame,
              candidates: pd.DataFrame | None = None) -> Attribution:
    """Fit the response model on every touched track and credit every touch by every method. ``candidates``
    (ARTIST_CANDIDATES: activity_id, artist_key) lists the possible artists of artist-level touches whose
    artist the mart could not name."""
    prepared = prepare(touches, tracks, series, candidates)
    fits = [fit_track_averaged(data, prepared.calendar, prepared.release) for data in prepared.datas]
    return credit(prepared, fits, touches["activity_id"])


def credit(prepared: Prepared, fits: Sequence[TrackFit], activity_ids: Iterable[str]) -> Attribution:
    """Every touch credited by every method from the per-track fits (one per ``prepared.datas``)."""
    calendar, touched = prepared.calendar, prepared.touched
    rows = []
    cost, observations = 0.0, 0
    for data, fit in zip(prepared.datas, fits, strict=True):
        cost += fit.cost
        observations += data.y.shape[0] * max(calendar.n_days - max(data.release_index, 0), 0)
        mine = touched[touched["isrc"] == data.isrc]
        for j, (_, row) in enumerate(mine.iterrows()):
            rows.append({"isrc": data.isrc, "activity_id": row["activity_id"], "artist_key": row["artist_key"],
                         "start_date": row["start_date"],
                         "credited": fit.credits[j], "uplift": fit.uplift[j], "peak_days": fit.peak_days[j],
                         "activity_type": row["activity_type"], "scale": fit.scale[j],
                         "information": fit.information[j], "spend_eur": row.get("spend_eur", np.nan),
                         "settled": data.touches[j].start - data.release_index >= SETTLED_DAYS})
    per_track = pd.DataFrame(rows, columns=["isrc", "activity_id", "artist_key", "start_date", "credited", "uplift",
                                            "peak_days", "activity_type", "scale", "information", "settled",
                                            "spend_eur"])
    per_track = shrink_uplifts(share_press(choose_artists(per_track), prepared, fits))
    per_track = per_track[["isrc", "activity_id", "start_date", "credited", "uplift", "peak_days"]]
    credits = credits_by_method(per_track, activity_ids)
    return Attribution(per_track, credits, prepared.release, len(prepared.datas),
                       cost / observations if observations else 0.0)


def shrink_uplifts(per_track: pd.DataFrame, *, min_touches: int = MIN_TOUCHES_TO_POOL) -> pd.DataFrame:
    """Empirical-Bayes uplifts: each touch's uplift, estimated once (an artist-level touch's estimates on its
    tracks combined by their information: the generator's press item lifts every track of the artist alike; only
    the tracks out SETTLED_DAYS before it when it has any, because on a track released days after a press item
    the item's lift and the release's spike and campaigns are one bump, and that estimate's large information
    would outweigh the catalogue tracks that measure the item cleanly), is pulled toward its channel's mean
    uplift by how little the data know about it::

        u_post = s * u_hat + (1 - s) * m_channel,   s = tau^2 / (tau^2 + var(u_hat))

    with the channel's mean ``m`` and spread ``tau^2`` of the true uplifts estimated from all its touches (Paule-
    Mandel: the weighted moments of the estimates, less their noise). Why: most touches sit on small tracks where
    an uplift of a few percent is within the noise; a least-squares uplift bounded at 0 is then biased upward
    (noise only ever adds credit), which over-credited the marketing as a whole. A channel with fewer than
    ``min_touches`` touches keeps its own estimates (too few to learn a spread from). In the channels of
    :data:`SPEND_PRIORS` the prior mean is a line in ``log(1 + spend_eur)`` rather than one number: a paid
    campaign with a bigger budget reaches more listeners, and the channel mixes release campaigns (hundreds to
    thousands of euros, uplifts of 0.1-0.2) with small catalogue ones, whose poorly measured uplifts a single
    mean pulled up toward the release campaigns' (seeds 11 and 42: catalogue campaigns' mean posterior uplift
    0.062 and 0.058 against true means of 0.048 and 0.042). The credit of a touch on a track is
    ``u_post * scale``, its streams per unit of uplift."""
    if per_track.empty:
        return per_track
    out = per_track.copy()
    info = out["information"].clip(lower=0.0)
    if "settled" in out:  # an artist-level touch is measured on the tracks already settled, where there are any
        settled = out["settled"].astype(bool) & (info > 0)
        info = info.where(settled | ~settled.groupby(out["activity_id"]).transform("any"), 0.0)
    touch = pooled_uplifts(out, info, ["activity_id"])
    touch["activity_type"] = out.groupby("activity_id")["activity_type"].first()
    posterior = touch["u"].copy()
    spend = out.groupby("activity_id")["spend_eur"].first() if "spend_eur" in out else None
    for channel, group in touch.groupby("activity_type"):
        known = group[group["info"] > 0]
        if len(known) < min_touches:
            continue
        u_hat, var = known["u"].to_numpy(), 1.0 / known["info"].to_numpy()
        design = None
        if channel in SPEND_PRIORS and spend is not None:
            x = np.log1p(spend.reindex(known.index).fillna(0.0).clip(lower=0.0).to_numpy(dtype=float))
            if np.ptp(x) > 0:
                design = np.column_stack([np.ones_like(x), x])
        posterior[known.index] = spike_and_slab_means(u_hat, var, design=design)
    out["uplift"] = out["activity_id"].map(posterior).to_numpy(dtype=float)
    out["credited"] = out["uplift"] * out["scale"]
    return out


def spike_and_slab_means(u_hat: np.ndarray, var: np.ndarray, *, iterations: int = 200,
                         design: np.ndarray | None = None) -> np.ndarray:
    """Posterior mean uplifts under a prior learned from the channel's touches (empirical Bayes): a touch either
    did nothing (a point mass at 0: a pitch that landed no placement, a campaign nobody noticed) or lifted by an
    amount drawn from a normal ``N(m, tau^2)``. EM finds the share ``pi0`` of touches that did nothing, ``m`` and
    ``tau^2``; each touch's posterior mean is then ``P(it worked | u_hat) * (s u_hat + (1 - s) m)`` with
    ``s = tau^2 / (tau^2 + var)``. Why the point mass: a failed touch's estimate is noise bounded at 0, so it is
    never below 0 and a normal prior alone credits it about half its noise; with the point mass an estimate the
    noise explains is credited by the chance that it is not noise. When no touch of the channel looks like a
    failure, ``pi0`` goes to 0 and this is the plain normal shrinkage (Paule-Mandel moments).

    With a ``design`` (one row of covariates per touch) the slab's mean is a line in them, ``m_i = x_i . beta``
    (at least 0), fitted by the same weighted least squares: a touch's prior then expects what touches like it
    lifted (:data:`SPEND_PRIORS`: a social campaign's by its spend)."""
    pi0, mean, tau2 = 0.2, float(np.mean(u_hat)), max(float(np.var(u_hat)), 1e-6)

    def normal(x: np.ndarray, mu: float | np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.exp(-0.5 * (x - mu) ** 2 / v) / np.sqrt(2 * np.pi * v)

    worked = np.ones_like(u_hat)
    for _ in range(iterations):
        slab = (1.0 - pi0) * normal(u_hat, mean, var + tau2)
        spike = pi0 * normal(u_hat, 0.0, var)
        worked = slab / np.maximum(slab + spike, 1e-300)
        pi0 = float(np.clip(1.0 - worked.mean(), 0.0, 0.95))
        w = worked / (var + tau2)
        if w.sum() <= 0:
            break
        if design is None:
            mean = float((w * u_hat).sum() / w.sum())
        else:  # the slab's mean a weighted least-squares line in the touch's covariates (at least 0)
            beta = np.linalg.lstsq(design * np.sqrt(w)[:, None], u_hat * np.sqrt(w), rcond=None)[0]
            mean = np.maximum(design @ beta, 0.0)
        tau2 = max(float((w ** 2 * ((u_hat - mean) ** 2 - var)).sum() / (w ** 2).sum()), 1e-8)
    shrink = tau2 / (tau2 + var)
    return np.maximum(worked * (shrink * u_hat + (1.0 - shrink) * mean), 0.0)


def credits_by_method(per_track: pd.DataFrame, activity_ids: Iterable[str]) -> pd.DataFrame:
    """activity_id x method: the data-driven credit (a touch's own term summed over its tracks) and each rule's."""
    ids = sorted(set(activity_ids))
    out = pd.DataFrame(index=pd.Index(ids, name="activity_id"))
    out[DATA_DRIVEN] = per_track.groupby("activity_id")["credited"].sum().reindex(ids).fillna(0.0)
    for method in RULE_METHODS:
        out[method] = rule_based_credits(per_track, method).reindex(ids).fillna(0.0) if len(per_track) else 0.0
    return out[list(METHODS)]


def attribution_table(credits: pd.DataFrame, touches: pd.DataFrame) -> pd.DataFrame:
    """Long table: one row per activity and method, with spend (EUR) and the cost per incremental stream."""
    long = credits.reset_index().melt(id_vars="activity_id", var_name="method", value_name="credited_streams")
    totals = long.groupby("method")["credited_streams"].transform("sum")
    long["credited_share"] = np.where(totals > 0, long["credited_streams"] / totals.where(totals > 0, 1.0), 0.0)
    spend = touches.set_index("activity_id")[["activity_type", "spend_eur"]]
    long = long.join(spend, on="activity_id").rename(columns={"spend_eur": "spend"})
    long["spend"] = long["spend"].astype(float)
    long["cost_per_incremental_stream"] = np.where(
        (long["spend"] > 0) & (long["credited_streams"] > 0),
        long["spend"] / long["credited_streams"].where(long["credited_streams"] > 0, 1.0), np.nan)
    return long[["activity_id", "activity_type", "method", "credited_streams", "credited_share", "spend",
                 "cost_per_incremental_stream"]].sort_values(["method", "activity_id"]).reset_index(drop=True)


def attribution_error(credited: pd.Series, truth: pd.Series) -> float:
    """sum |credited - true| / sum true over every touch of the truth (a touch not credited counts as 0)."""
    credited = credited.reindex(truth.index).fillna(0.0)
    total = float(truth.sum())
    return float(np.abs(credited - truth).sum() / total) if total > 0 else float("nan")


# --- the registered model -------------------------------------------------------------------------------------------

class TouchResponseModel:
    """The fitted response kernels as a small scikit-learn-compatible estimator (get_params/set_params/fit/predict,
    without importing scikit-learn at module import): ``predict`` takes rows of (days_since_effect_start, uplift,
    peak_days, base_streams) and returns the incremental streams the touch adds that day (``base * u * k``), the
    quantity summed into each credit. ``fit`` keeps the fitted touches' uplift and peak (the learning itself
    happens in :func:`fit_track`) so the registered artifact documents them."""

    _estimator_type = "regressor"

    def __init__(self, horizon_days: int = HORIZON_DAYS) -> None:
        self.horizon_days = horizon_days

    def get_params(self, deep: bool = True) -> dict[str, int]:
        return {"horizon_days": self.horizon_days}

    def set_params(self, **params: int) -> TouchResponseModel:
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def fit(self, X: pd.DataFrame | np.ndarray, y: np.ndarray | None = None) -> TouchResponseModel:
        arr = np.asarray(X, dtype=float)
        self.uplift_ = arr[:, 1].copy() if arr.size else np.zeros(0)
        self.peak_days_ = arr[:, 2].copy() if arr.size else np.zeros(0)
        self.n_features_in_ = 4
        return self

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        arr = np.asarray(X, dtype=float).reshape(-1, 4)
        since, u, peak, base = arr.T
        x = (since + 1.0) / peak
        k = np.where((since >= 0) & (since <= self.horizon_days), x * np.exp(1.0 - x), 0.0)
        return base * u * k
