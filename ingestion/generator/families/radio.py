"""Radio airplay logs, as an airplay-monitoring service delivers them: one CSV per ISO week.

``landing/radio/airplay_<yyyy>-W<ww>.csv`` (comma-separated, UTF-8, LF)::

    station,country,played_at_local,utc_offset,isrc,artist,title,duration_played_s,audience_estimate

* ``played_at_local`` is the station's wall-clock time (``yyyy-mm-dd HH:MM:SS``) and ``utc_offset`` the offset
  in force at that instant (``+01:00``, ``-04:00``, ``+05:30``…), so ``played_at_local - utc_offset`` is the
  instant in UTC. Offsets follow each zone's daylight-saving rules (EU: last Sunday of March/October at 01:00
  UTC; US/Canada: second Sunday of March/first Sunday of November at 02:00 local; Sydney: first Sunday of
  October/April), written out here rather than read from the host's time-zone database so the bytes never
  depend on the machine. In the autumn hour that happens twice, only the offset tells the plays apart.
* The week of a play is the ISO week of its *local* date; the last file of the window may be a partial week.
* Monitors recognise the audio but sometimes miss the code: then ``isrc`` is empty and the artist and title
  are written as the monitor's metadata has them (upper case, or folded to ASCII). Stations that print codes
  with hyphens do so (``GB-NPR-25-00001``).
* ``duration_played_s`` is how long the track was on air (radio edits and fades cut it short);
  ``audience_estimate`` the station's estimated listeners at that quarter hour, rounded to hundreds.

Spins follow the usage model's expected streams in the station's country and the station's format (genres),
and a *radio add* (a marketing touch, ``ctx.shared["marketing"]``) really raises the station's spins of the
track for the following weeks: the boost per add is in ``ctx.truth["radio"]["hidden"]["radio_add_boost"]``.
Only the label's own tracks are logged. Aggregated broadcast data; no listener appears anywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import (
    csv_line,
    display_artist,
    expected_streams_by_territory,
    write_report,
)


@dataclasses.dataclass(frozen=True)
class Station:
    name: str
    country: str
    dst: str  # eu | us | au | none
    std_offset_min: int
    audience: int  # average listeners per quarter hour
    formats: tuple[str, ...]


STATIONS: tuple[Station, ...] = (
    Station("KXRP 97.1 FM", "US", "us", -300, 180_000, ("Pop", "Hip-Hop", "R&B")),
    Station("WZLA 104.3 The Coast", "US", "us", -480, 150_000, ("Pop", "Latin", "Indie")),
    Station("Capital Wave London", "GB", "eu", 0, 220_000, ("Pop", "Electronic", "Hip-Hop")),
    Station("Northern Beat FM", "GB", "eu", 0, 60_000, ("Indie", "Rock")),
    Station("Radio Sonnenwelle", "DE", "eu", 60, 140_000, ("Pop", "Electronic")),
    Station("Welle Nord 89.2", "DE", "eu", 60, 45_000, ("Rock", "Indie", "Jazz")),
    Station("Onde Pop Paris", "FR", "eu", 60, 120_000, ("Pop", "Hip-Hop", "R&B")),
    Station("Rádio Sintonia SP", "BR", "none", -180, 160_000, ("Latin", "Pop", "Hip-Hop")),
    Station("Tokyo Wave 81.9", "JP", "none", 540, 110_000, ("Pop", "Electronic", "Jazz")),
    Station("Frecuencia 99 CDMX", "MX", "none", -360, 130_000, ("Latin", "Pop")),
    Station("Maple 102 Toronto", "CA", "us", -300, 70_000, ("Pop", "Rock", "Indie")),
    Station("Harbour FM Sydney", "AU", "au", 600, 90_000, ("Pop", "Rock", "Electronic")),
    Station("Onda Sol Madrid", "ES", "eu", 60, 100_000, ("Latin", "Pop")),
    Station("Rang FM Mumbai", "IN", "none", 330, 200_000, ("Pop", "Hip-Hop", "Electronic")),
    Station("Seoul Pulse 95.5", "KR", "none", 540, 80_000, ("Pop", "Hip-Hop", "R&B")),
    Station("Lagos Groove 101.9", "NG", "none", 60, 75_000, ("Hip-Hop", "R&B", "Pop")),
)
HEADER = ("station", "country", "played_at_local", "utc_offset", "isrc", "artist", "title", "duration_played_s",
          "audience_estimate")
# share of spins by local hour (drive times high, small hours low)
_HOURS = np.array([0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.4, 1.9, 1.9, 1.5, 1.3, 1.3, 1.3, 1.3, 1.3, 1.5, 1.8, 1.9,
                   1.6, 1.3, 1.1, 1.0, 0.9, 0.7])
_HOURS = _HOURS / _HOURS.sum()
_AUDIENCE_BY_HOUR = _HOURS / _HOURS.max()
ADD_DECAY_WEEKS = 4.0


def _sunday(year: int, month: int, nth: int) -> dt.date:
    """The nth Sunday of a month (nth = -1: the last)."""
    if nth > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def utc_offset_minutes(station: Station, utc: dt.datetime) -> int:
    std, y = station.std_offset_min, utc.year
    if station.dst == "eu":
        begin = dt.datetime.combine(_sunday(y, 3, -1), dt.time(1))
        end = dt.datetime.combine(_sunday(y, 10, -1), dt.time(1))
        return std + 60 if begin <= utc < end else std
    if station.dst == "us":
        begin = dt.datetime.combine(_sunday(y, 3, 2), dt.time(2)) - dt.timedelta(minutes=std)
        end = dt.datetime.combine(_sunday(y, 11, 1), dt.time(2)) - dt.timedelta(minutes=std + 60)
        return std + 60 if begin <= utc < end else std
    if station.dst == "au":  # southern hemisphere: summer time from October to April
        end = dt.datetime.combine(_sunday(y, 4, 1), dt.time(3)) - dt.timedelta(minutes=std + 60)
        begin = dt.datetime.combine(_sunday(y, 10, 1), dt.time(2)) - dt.timedelta(minutes=std)
        return std + 60 if (utc < end or utc >= begin) else std
    return std


def offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def localise(station: Station, local: dt.datetime) -> tuple[dt.datetime, int]:
    """A sampled wall-clock time made real: (the local time shown, its offset). A time inside the spring gap
    moves forward by the gap; an ambiguous autumn time resolves to standard time."""
    utc = local - dt.timedelta(minutes=station.std_offset_min)
    offset = utc_offset_minutes(station, utc)
    utc = local - dt.timedelta(minutes=offset)
    offset = utc_offset_minutes(station, utc)
    return utc + dt.timedelta(minutes=offset), offset


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def write_radio(ctx: GenerationContext) -> None:
    rng = ctx.rng("radio")
    stations = [s for s in STATIONS if s.country in ctx.params.territories]
    tracks, start, end = ctx.tracks, ctx.params.start_date, ctx.params.end_date
    n_s, n_t = len(stations), len(tracks)
    miss_rate = rng.uniform(0.08, 0.4, n_s)
    hyphenated = rng.random(n_s) < 0.3
    variant = rng.integers(0, 2, n_s)  # 0: upper case, 1: ASCII-folded
    fit = np.array([[1.0 if t.genre in s.formats else 0.15 for t in tracks] for s in stations])
    touches = ctx.shared.get("marketing", {}).get("touches", [])
    isrc_index = {t.isrc: i for i, t in enumerate(tracks)}
    adds = []
    for touch in touches:
        if touch.kind != "radio_add":
            continue
        s = next((k for k, st in enumerate(stations) if st.name == touch.channel), None)
        if s is not None and touch.isrc in isrc_index:
            adds.append((touch.touch_id, s, isrc_index[touch.isrc], touch.start, float(rng.uniform(2.0, 6.0))))

    weeks: list[tuple[str, list[dt.date]]] = []
    day = start
    while day <= end:
        monday = day - dt.timedelta(days=day.weekday())
        days = [d for d in (monday + dt.timedelta(days=i) for i in range(7)) if start <= d <= end]
        year, week, _ = monday.isocalendar()
        weeks.append((f"{year}-W{week:02d}", days))
        day = monday + dt.timedelta(days=7)

    columns = [ctx.params.territories.index(s.country) for s in stations]

    def rate(days: list[dt.date]) -> np.ndarray:
        """Expected weekly streams (stations, tracks) in each station's country, times the station's format fit
        and the adds' boost. Computed again when the week is written rather than kept for every week (weeks x
        stations x tracks grows with the catalogue): the same numbers, as nothing here is random."""
        weekly = expected_streams_by_territory(ctx, days).sum(axis=0)[:, columns].T  # (stations, tracks)
        boost = np.ones((n_s, n_t))
        for _, s, t, add_day, gain in adds:
            if add_day <= days[-1]:  # in rotation from the week of the add, fading over the following weeks
                weeks_since = max((days[0] - add_day).days, 0) / 7.0
                boost[s, t] += gain * np.exp(-weeks_since / ADD_DECAY_WEEKS)
        return weekly * fit * boost * len(days) / 7.0

    budget = float(np.clip(ctx.params.target_rows // 20, 1_500, 500_000))
    scale = budget / max(sum(float(rate(days).sum()) for _, days in weeks), 1e-9)

    truth_files = plays = with_isrc = audience_total = seconds_total = 0
    plays_by_isrc: dict[str, int] = {}
    variants: dict[str, dict[str, str]] = {}
    for label, days in weeks:
        spins = rng.poisson(rate(days) * scale)
        rows = []
        on_air: set[tuple[int, dt.datetime]] = set()
        for s, t in zip(*np.nonzero(spins), strict=True):
            station, track, k = stations[s], tracks[t], int(spins[s, t])
            day_idx = rng.integers(0, len(days), k)
            hours = rng.choice(24, size=k, p=_HOURS)
            minutes, seconds = rng.integers(0, 60, k), rng.integers(0, 60, k)
            full = rng.random(k) < 0.8
            cut = rng.uniform(0.55, 0.9, k)
            trim = rng.integers(0, 8, k)
            noise = rng.lognormal(0.0, 0.15, k)
            missing = rng.random(k) < miss_rate[s]
            for j in range(k):
                local = dt.datetime.combine(days[int(day_idx[j])], dt.time(int(hours[j]), int(minutes[j]),
                                                                           int(seconds[j])))
                shown, offset = localise(station, local)  # a spring-gap time moves within the same day
                while (s, shown - dt.timedelta(minutes=offset)) in on_air:  # one record at a time per station
                    shown += dt.timedelta(seconds=1)
                on_air.add((s, shown - dt.timedelta(minutes=offset)))
                played = track.duration_seconds - int(trim[j]) if full[j] else int(track.duration_seconds * cut[j])
                audience = int(round(station.audience * _AUDIENCE_BY_HOUR[shown.hour] * noise[j], -2))
                artist, title = display_artist(track), track.title
                isrc = track.isrc
                if missing[j]:
                    isrc = ""
                    if variant[s] == 0:
                        artist, title = artist.upper(), title.upper()
                    else:
                        artist, title = _fold(artist), _fold(title)
                    if artist != display_artist(track):
                        variants.setdefault(artist, {"isrc_of_an_example": track.isrc,
                                                     "canonical": display_artist(track)})
                elif hyphenated[s]:
                    isrc = f"{isrc[:2]}-{isrc[2:5]}-{isrc[5:7]}-{isrc[7:]}"
                rows.append((station.name, shown, offset, isrc, artist, title, played, audience, track.isrc,
                             station.country))
        rows.sort(key=lambda r: (r[0], r[1] - dt.timedelta(minutes=r[2]), r[8]))  # by station, then UTC instant
        lines = [csv_line([name, country, f"{shown:%Y-%m-%d %H:%M:%S}", offset_text(offset), isrc, artist, title,
                           played, audience])
                 for name, shown, offset, isrc, artist, title, played, audience, _, country in rows]
        path = ctx.landing_dir / "radio" / f"airplay_{label}.csv"
        file_isrc = sum(1 for r in rows if r[3])
        file_audience = sum(r[7] for r in rows)
        if write_report(ctx, path, "radio", csv_line(HEADER), lines, period=label, plays=len(rows),
                        rows_with_isrc=file_isrc, audience_estimate=file_audience,
                        seconds_played=sum(r[6] for r in rows)):
            truth_files += 1
        plays += len(rows)
        with_isrc += file_isrc
        audience_total += file_audience
        seconds_total += sum(r[6] for r in rows)
        for r in rows:
            plays_by_isrc[r[8]] = plays_by_isrc.get(r[8], 0) + 1
    ctx.truth["radio"] = {
        "files": truth_files,
        "plays": plays,
        "rows_with_isrc": with_isrc,
        "rows_without_isrc": plays - with_isrc,
        "audience_estimate": audience_total,
        "seconds_played": seconds_total,
        "plays_by_isrc": dict(sorted(plays_by_isrc.items())),  # the true recording of every play, coded or not
        "stations": [s.name for s in stations],
        "hidden": {
            "radio_add_boost": {touch_id: {"station": stations[s].name, "isrc": tracks[t].isrc,
                                           "from": add_day.isoformat(), "extra_spins_factor": round(gain, 6),
                                           "decay_weeks": ADD_DECAY_WEEKS}
                                for touch_id, s, t, add_day, gain in adds},
            "missing_code_rate": {s.name: round(float(m), 6) for s, m in zip(stations, miss_rate, strict=True)},
            "artist_variants": dict(sorted(variants.items())),
        },
    }
