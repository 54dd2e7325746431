"""Playlists: the catalogue of playlists the label tracks, and daily snapshots of where its tracks sit on them.

``landing/playlists/playlist_catalogue_<yyyy-mm>.csv`` (one per month, followers at the month's end)::

    snapshot_month,platform,playlist_id,playlist_name,curator_type,followers

``landing/playlist_positions/playlist_positions_<yyyy-mm>.csv`` (one per month; one row per day, platform,
playlist and label track on it, as a daily crawl of the playlists sees them)::

    snapshot_date,platform,playlist_id,isrc,position,added_on

``curator_type`` is ``editorial``, ``algorithmic`` or ``user``; playlist ids look like each platform's (22
base-62 characters on Spotify, ``pl.`` and 32 hex digits on Apple Music, digits on Deezer). User playlists carry
a name and a follower count, never their owner. Adds and removals are derived by comparing consecutive
snapshots (a row whose (platform, playlist, isrc) was absent the day before is an add — ``added_on`` says
when; a row absent the next day is a removal). Positions are unique within a playlist and day.

How tracks get on playlists: editorial adds follow a release (much likelier after a successful *playlist pitch*,
a marketing touch read from ``ctx.shared["marketing"]``) or a viral bump; algorithmic playlists pick up a
release for a week and tracks that are streaming well; user playlists add tracks at any time, more often the
popular ones. Positions drift down over time; a track falling past the playlist's length is removed.

Truth (``ctx.truth["playlists"]``): every observed stay (``episodes``: platform, playlist, isrc, added_on,
removed_on — the first day absent, ``None`` when still on at the window's end — peak position, days on the
playlist within the window), counts of entries (adds dated inside the window) and exits. For later families,
``ctx.shared["playlists"]["reach"]`` (a :class:`Reach`) holds per platform and curator type the daily reach of
each track (followers / sqrt(position)), which ``stream_sources`` uses.

Memory: a stay lasts weeks to months, so the (day, stay) placements grow with tracks x days, like the rows (4-5
million at 1e8 usage rows; listed as Python tuples, with the dicts built from them, they took 100 MB at 5e6).
They are never listed: each stay's desired positions are drawn once, in the stays' order, into one compact int16
array, and the positions file is written a day at a time — a day's placement depends only on that day's stays —
adding each day's reach to the month's arrays, whose positive cells then go to disk (:class:`Reach`). What is
kept is per stay (the truth's episodes) or per playlist.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import tempfile
import weakref

import numpy as np

from ingestion.generator.catalogue import GENRES
from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import Report, all_days, csv_line, write_report
from ingestion.generator.params import PLATFORMS

CURATOR_TYPES = ("editorial", "algorithmic", "user")
_EDITORIAL = ("Rising", "Essentials", "Hits", "Fresh Finds", "Chill", "Hot Right Now", "Deep Cuts", "Anthems")
_ALGORITHMIC = {
    "spotify": ("Release Radar", "Discover Weekly", "Daily Mix 1", "Daily Mix 2", "Radio Mix"),
    "apple_music": ("New Music Mix", "Discovery Station", "Favourites Mix", "Get Up! Mix", "Chill Mix"),
    "deezer": ("New Releases For You", "Flow", "Discovery", "Mix Moods", "Daily Flow"),
}
_USER = ("road trip", "late night", "sunday morning", "gym", "study", "summer", "rainy day", "party", "focus",
         "cooking", "throwbacks", "coffee shop", "heartbreak", "good vibes", "commute", "running", "dinner")
_USER_TAIL = ("mix", "songs", "vibes", "playlist", "2025", "2026", "faves", "on repeat")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclasses.dataclass(frozen=True)
class Playlist:
    playlist_id: str
    platform: str
    name: str
    curator_type: str
    genre: str  # "" for genre-less lists
    followers: float  # at the start of the window
    growth: float  # monthly
    size: int


@dataclasses.dataclass(slots=True)  # tens of thousands at 1e8 usage rows
class Episode:
    playlist: int
    track: int
    added: dt.date
    days: int  # planned length of stay
    start_pos: float
    drift: float  # positions lost per day


class Reach:
    """The playlists' daily reach (followers / sqrt(position)) of every track, per platform and curator type, as
    ``write_playlists`` hands it to ``stream_sources`` (``ctx.shared["playlists"]["reach"]``).

    A dense (days, tracks) array per platform and curator type grows with days x tracks — with the rows: 140 MB
    at 1e8 usage rows — while a track sits on a playlist on few of those days. So only the positive cells are
    kept (flat index and float32 value, exactly as summed), month by month, and they are kept on disk, in an
    anonymous temporary file (gone when closed or when the process ends), since they are read back once a month
    by ``stream_sources``: :meth:`month` gives a month back dense, :meth:`positive` every positive value of the
    window (for its median)."""

    def __init__(self, n_tracks: int) -> None:
        self._n_tracks = n_tracks
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the finalizer below)
        weakref.finalize(self, self._file.close)
        self._where: dict[tuple[int, str, str], tuple[int, int]] = {}  # (first day, platform, curator) -> cells

    def add_month(self, first: int, dense: dict[tuple[str, str], np.ndarray]) -> None:
        """Keep the positive cells of a month's (days, tracks) arrays; ``first``: the month's first day index."""
        self._file.seek(0, io.SEEK_END)
        for (platform, curator), values in dense.items():
            flat = values.ravel()
            at = np.flatnonzero(flat > 0)
            self._where[(first, platform, curator)] = (self._file.tell(), at.size)
            self._file.write(at.astype(np.int32).tobytes())
            self._file.write(flat[at].astype(np.float32).tobytes())

    def _cells(self, first: int, platform: str, curator: str) -> tuple[np.ndarray, np.ndarray]:
        offset, n = self._where.get((first, platform, curator), (0, 0))
        if not n:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        self._file.seek(offset)
        data = self._file.read(8 * n)
        return np.frombuffer(data, np.int32, n), np.frombuffer(data, np.float32, n, offset=4 * n)

    def month(self, platform: str, curator: str, first: int, n_days: int) -> np.ndarray:
        """The reach (days, tracks) of the ``n_days`` from day index ``first`` (a month, as added)."""
        out = np.zeros((n_days, self._n_tracks), dtype=np.float32)
        at, values = self._cells(first, platform, curator)
        out.ravel()[at] = values
        return out

    def positive(self, platform: str, curator: str) -> np.ndarray:
        """Every positive daily reach of a platform and curator type over the window, month by month."""
        firsts = sorted({first for first, p, c in self._where if (p, c) == (platform, curator)})
        parts = [self._cells(first, platform, curator)[1] for first in firsts]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _playlist_id(rng: np.random.Generator, platform: str) -> str:
    if platform == "spotify":
        return "".join(_BASE62[i] for i in rng.integers(0, 62, 22))
    if platform == "apple_music":
        return "pl." + "".join(f"{i:x}" for i in rng.integers(0, 16, 32))
    return str(int(rng.integers(1_000_000_000, 9_999_999_999)))


def build_playlists(rng: np.random.Generator, platforms: tuple[str, ...], n_tracks: int) -> list[Playlist]:
    out: list[Playlist] = []
    for platform in platforms:
        share = PLATFORMS.get(platform, (0.2,))[0]
        for genre in GENRES:
            suffix = _EDITORIAL[int(rng.integers(len(_EDITORIAL)))]
            out.append(Playlist(_playlist_id(rng, platform), platform, f"{genre} {suffix}", "editorial", genre,
                                float(rng.lognormal(math.log(400_000 * share), 0.7)),
                                float(rng.normal(0.012, 0.01)), int(rng.integers(50, 101))))
        for name in ("New Music Friday", "Hot Hits"):
            out.append(Playlist(_playlist_id(rng, platform), platform, name, "editorial", "",
                                float(rng.lognormal(math.log(1_500_000 * share), 0.5)),
                                float(rng.normal(0.01, 0.008)), int(rng.integers(60, 101))))
        for name in _ALGORITHMIC.get(platform, ("Mix 1", "Mix 2", "Mix 3", "Mix 4", "Mix 5")):
            out.append(Playlist(_playlist_id(rng, platform), platform, name, "algorithmic", "",
                                float(rng.lognormal(math.log(150_000 * share), 0.8)),
                                float(rng.normal(0.015, 0.01)), int(rng.integers(30, 51))))
        for _ in range(min(300, max(12, n_tracks))):
            name = f"{_USER[int(rng.integers(len(_USER)))]} {_USER_TAIL[int(rng.integers(len(_USER_TAIL)))]}"
            out.append(Playlist(_playlist_id(rng, platform), platform, name, "user", "",
                                float(rng.lognormal(math.log(200), 1.4)), float(rng.normal(0.0, 0.02)),
                                int(rng.integers(20, 151))))
    return out


def _plan_episodes(ctx: GenerationContext, rng: np.random.Generator, lists: list[Playlist]) -> tuple[
        list[Episode], dict[str, bool]]:
    params, tracks = ctx.params, ctx.tracks
    start, end = params.start_date, params.end_date
    order = np.argsort([-t.popularity for t in tracks], kind="stable")
    pop = np.empty(len(tracks))
    pop[order] = 1.0 - np.arange(len(tracks)) / max(len(tracks) - 1, 1)  # 1: the most popular
    of = {(p, c): [i for i, pl in enumerate(lists) if pl.platform == p and pl.curator_type == c]
          for p in params.platforms for c in CURATOR_TYPES}
    pitches = [t for t in ctx.shared.get("marketing", {}).get("touches", []) if t.kind == "playlist_pitch"]
    isrc_index = {t.isrc: i for i, t in enumerate(tracks)}
    episodes: list[Episode] = []
    stays: dict[tuple[int, int], list[tuple[dt.date, dt.date]]] = {}
    pitch_outcome: dict[str, bool] = {}

    def add(pl: int, t: int, added: dt.date, days: int, pos: float, drift: float) -> bool:
        added = max(added, tracks[t].release_date)
        until = added + dt.timedelta(days=days)
        if added > end or until <= start:
            return False
        if any(added <= b and a <= until for a, b in stays.get((pl, t), [])):  # no overlap, no same-day re-add
            return False
        stays.setdefault((pl, t), []).append((added, until))
        episodes.append(Episode(pl, t, added, days, max(1.0, pos), drift))
        return True

    for t, track in enumerate(tracks):
        rd = track.release_date
        for p in params.platforms:
            editorial, algorithmic, user = of[(p, "editorial")], of[(p, "algorithmic")], of[(p, "user")]
            fitting = [i for i in editorial if lists[i].genre in (track.genre, "")]
            mine = [x for x in pitches if x.platform == p and isrc_index.get(x.isrc) == t]
            if start - dt.timedelta(days=14) <= rd <= end:
                success = any(x.pitch_success for x in mine)
                chance = 0.85 if success else (0.1 if mine else 0.15 + 0.3 * pop[t])
                got = False
                if fitting and rng.random() < chance:
                    k = min(len(fitting), 1 + int(rng.random() < 0.35))
                    for i in rng.choice(fitting, size=k, replace=False):
                        got |= add(int(i), t, rd + dt.timedelta(days=int(rng.integers(0, 7))),
                                   int(rng.integers(14, 64)), float(rng.uniform(1, 20)) * (1.2 - pop[t]),
                                   float(rng.uniform(0.2, 1.0)))
                for x in mine:
                    pitch_outcome[x.touch_id] = got
                if algorithmic and rng.random() < 0.85:  # the release-radar kind: one week
                    add(algorithmic[0], t, rd, 7, float(rng.uniform(1, 30)), 0.0)
                if len(algorithmic) > 1 and rng.random() < 0.2 + 0.5 * pop[t]:
                    add(algorithmic[1 + int(rng.integers(len(algorithmic) - 1))], t,
                        rd + dt.timedelta(days=int(rng.integers(7, 36))), int(rng.integers(7, 29)),
                        float(rng.uniform(1, 40)), float(rng.uniform(0.0, 0.5)))
            elif fitting and rng.random() < 0.05 + 0.25 * pop[t]:  # a catalogue track on an "essentials" list
                add(fitting[int(rng.integers(len(fitting)))], t, start - dt.timedelta(days=int(rng.integers(10, 300))),
                    int(rng.integers(60, 400)), float(rng.uniform(5, 60)), float(rng.uniform(0.0, 0.1)))
            if track.archetype == "viral":
                peak = start + dt.timedelta(days=int(ctx.model.viral_day[t]))
                if algorithmic and rng.random() < 0.8:
                    add(algorithmic[int(rng.integers(len(algorithmic)))], t,
                        peak - dt.timedelta(days=int(rng.integers(0, 6))), int(rng.integers(14, 36)),
                        float(rng.uniform(1, 25)), float(rng.uniform(0.1, 0.8)))
                if fitting and rng.random() < 0.5:
                    add(fitting[int(rng.integers(len(fitting)))], t, peak + dt.timedelta(days=int(rng.integers(2, 11))),
                        int(rng.integers(21, 57)), float(rng.uniform(1, 30)), float(rng.uniform(0.2, 1.0)))
            for _ in range(int(rng.poisson(0.5 + 3.0 * pop[t]))):
                i = user[int(rng.integers(len(user)))]
                first = max(rd, start - dt.timedelta(days=200))
                if first > end:
                    break
                added = first + dt.timedelta(days=int(rng.integers(0, (end - first).days + 1)))
                add(i, t, added, 7 + int(rng.exponential(120)), float(rng.uniform(1, lists[i].size)),
                    float(rng.uniform(-0.05, 0.2)))
    return episodes, pitch_outcome


def write_playlists(ctx: GenerationContext) -> None:
    rng = ctx.rng("playlists")
    params = ctx.params
    lists = build_playlists(rng, params.platforms, len(ctx.tracks))
    episodes, pitch_outcome = _plan_episodes(ctx, rng, lists)
    days = all_days(ctx)
    months = ctx.months
    month_of_day = np.array([(d.year - months[0].year) * 12 + d.month - months[0].month for d in days])

    def followers(i: int, month_index: int) -> int:
        return round(lists[i].followers * (1 + lists[i].growth) ** (month_index + 1))

    cat_rows = 0
    for m, month in enumerate(months):
        lines = [csv_line([f"{month:%Y-%m}", pl.platform, pl.playlist_id, pl.name, pl.curator_type,
                           followers(i, m)]) for i, pl in enumerate(lists)]
        path = ctx.landing_dir / "playlists" / f"playlist_catalogue_{month:%Y-%m}.csv"
        write_report(ctx, path, "playlists", "snapshot_month,platform,playlist_id,playlist_name,curator_type,followers",
                     lines, period=f"{month:%Y-%m}")
        cat_rows += len(lines)

    # desired positions of every stay on every day of the window; a stay ends when it falls off the list. Drawn
    # stay by stay (the random stream's order) and kept compact: per stay its first day, its number of days and
    # where its positions start in one int16 array (positions never exceed a playlist's size, at most 150)
    n_e = len(episodes)
    ep_first = np.zeros(n_e, dtype=np.int64)
    ep_len = np.zeros(n_e, dtype=np.int64)
    ep_at = np.zeros(n_e, dtype=np.int64)
    chunks: list[np.ndarray] = []
    at = 0
    for e_idx, ep in enumerate(episodes):
        first = max((ep.added - params.start_date).days, 0)
        last = min((ep.added - params.start_date).days + ep.days - 1, len(days) - 1)
        if last < first:
            continue
        age = np.arange(first, last + 1) - (ep.added - params.start_date).days
        desired = np.maximum(1, np.rint(ep.start_pos + ep.drift * age + rng.integers(-1, 2, age.size)))
        over = np.flatnonzero(desired > lists[ep.playlist].size)
        stop = int(over[0]) if over.size else age.size
        ep_first[e_idx], ep_len[e_idx], ep_at[e_idx] = first, stop, at
        chunks.append(desired[:stop].astype(np.int16))
        at += stop
    wanted = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    del chunks
    ep_end = ep_first + ep_len
    ep_playlist = np.array([ep.playlist for ep in episodes], dtype=np.int64)

    # day by day: place the stays of the day playlist by playlist (by desired position, then stay; a taken
    # position pushes a stay down), write the day's rows and add the day's reach; nothing is kept per day
    n_t = len(ctx.tracks)
    reach = Reach(n_t)
    seen_days = [0] * n_e  # per stay: days observed, last day observed, best position
    seen_last = [0] * n_e
    seen_peak = [0] * n_e
    pos_rows = 0
    for month in months:
        month_days = ctx.days_of(month)
        k0 = (month_days[0] - params.start_date).days
        month_reach = {(p, c): np.zeros((len(month_days), n_t), dtype=np.float32)
                       for p in params.platforms for c in CURATOR_TYPES}
        report = Report(ctx, ctx.landing_dir / "playlist_positions" / f"playlist_positions_{month:%Y-%m}.csv",
                        "playlist_positions", "snapshot_date,platform,playlist_id,isrc,position,added_on")
        for k, d in enumerate(month_days, start=k0):
            on = np.flatnonzero((ep_first <= k) & (k < ep_end))
            want, on_list = wanted[ep_at[on] + (k - ep_first[on])], ep_playlist[on]
            order = np.lexsort((on, want, on_list))
            rows: list[tuple[str, str, int, str, str]] = []
            taken: set[int] = set()
            current = -1
            for e_idx, pl, pos in zip(on[order].tolist(), on_list[order].tolist(), want[order].tolist(),
                                      strict=True):
                if pl != current:
                    taken, current = set(), pl
                while pos in taken:
                    pos += 1
                if pos > lists[pl].size:  # pushed past the end: the first free slot, if any is left
                    pos = next((p for p in range(1, lists[pl].size + 1) if p not in taken), 0)
                if not pos:
                    continue
                taken.add(pos)
                ep, playlist = episodes[e_idx], lists[pl]
                rows.append((playlist.platform, playlist.playlist_id, pos, ctx.tracks[ep.track].isrc,
                             ep.added.isoformat()))
                seen_peak[e_idx] = min(seen_peak[e_idx], pos) if seen_days[e_idx] else pos
                seen_days[e_idx] += 1
                seen_last[e_idx] = k
                month_reach[(playlist.platform, playlist.curator_type)][k - k0, ep.track] += \
                    followers(pl, int(month_of_day[k])) / math.sqrt(pos)
            report.write([csv_line([d.isoformat(), platform, pid, isrc, pos, added])
                          for platform, pid, pos, isrc, added in sorted(rows, key=lambda r: r[:3])])
        report.close(period=f"{month:%Y-%m}")
        pos_rows += report.lines
        reach.add_month(k0, month_reach)

    iso: dict[dt.date, str] = {}  # one text per date, shared by the stays (tens of thousands at 1e8 rows)

    def date_text(day: dt.date) -> str:
        return iso.get(day) or iso.setdefault(day, day.isoformat())

    stays = []
    for e_idx in range(n_e):
        if not seen_days[e_idx]:
            continue
        ep, last_day, pl = episodes[e_idx], seen_last[e_idx], lists[episodes[e_idx].playlist]
        stays.append({
            "platform": pl.platform, "playlist_id": pl.playlist_id, "curator_type": pl.curator_type,
            "isrc": ctx.tracks[ep.track].isrc, "added_on": date_text(ep.added),
            "removed_on": None if last_day == len(days) - 1 else date_text(days[last_day + 1]),
            "peak_position": seen_peak[e_idx], "days_on_playlist": seen_days[e_idx],
        })
    stays.sort(key=lambda s: (s["added_on"], s["platform"], s["playlist_id"], s["isrc"]))
    entries = [s for s in stays if s["added_on"] >= params.start_date.isoformat()]
    ctx.shared["playlists"] = {"reach": reach}
    ctx.truth["playlists"] = {
        "playlists": len(lists),
        "playlists_by_curator": {c: sum(pl.curator_type == c for pl in lists) for c in CURATOR_TYPES},
        "catalogue_rows": cat_rows,
        "position_rows": pos_rows,
        "entries": len(entries),
        "entries_by_curator": {c: sum(s["curator_type"] == c for s in entries) for c in CURATOR_TYPES},
        "exits": sum(s["removed_on"] is not None for s in stays),
        "episodes": stays,
        "hidden": {"pitch_led_to_editorial_add": dict(sorted(pitch_outcome.items()))},
    }
