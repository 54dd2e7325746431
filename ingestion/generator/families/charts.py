"""Weekly national charts (a top 50 per territory, for a few territories), as official chart companies publish.

``landing/charts/charts_top50_<yyyy>-W<ww>.csv`` (comma-separated, one file per ISO week holding each
territory's chart, 50 rows per territory in chart order)::

    chart_week_ending,country,this_week,last_week,peak,weeks_on_chart,title,artist,label

* ``this_week``: position 1-50; ``last_week``: last week's position, empty for a new entry or a re-entry;
  ``peak``: the best position the record has ever reached on this chart; ``weeks_on_chart``: weeks on the
  chart in total, this one included (a re-entry continues the count).
* Charts list every label's records, not only this label's: the label's tracks appear under their catalogue
  title and credit, without ISRC (charts do not publish one), so matching is by title and artist; the other
  records come from a synthetic market of other labels' releases.
* A week is Monday to Sunday; only weeks lying wholly in the reporting window are published. The chart has
  run for eight weeks before the window (from the usage model's expected streams), so the first published week
  already shows movements and runs.

Chart units of a label track = its streams in the territory that week in the daily feeds (every platform,
replayed day by day by ``_analytics.replay_days`` and summed per week: nothing day-level is kept); the other
records' units are scaled so that the 50th place sits near the label's strongest weeks, which makes the label's
popular tracks chart and its small ones not.
Truth: per territory, every run of a label track (entry week, exit week, peak, weeks), entries and exits.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ingestion.generator.catalogue import GENRES
from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import (
    chart_territories,
    complete_weeks,
    csv_line,
    display_artist,
    expected_streams_by_territory,
    replay_days,
    write_report,
)

CHART_SIZE = 50
BURN_IN_WEEKS = 8
HEADER = "chart_week_ending,country,this_week,last_week,peak,weeks_on_chart,title,artist,label"
_OTHER_LABELS = ("Atlas Records", "Meridian Music", "Blue Ember", "Polar Sound", "Westline Recordings",
                 "Sunday Best Music", "Cobalt Audio", "Independent")
_A = ("Crystal", "Broken", "Endless", "Silent", "Burning", "Sweet", "Lonely", "Brave", "Pretty", "Wicked", "Lucky",
      "Holy", "Cold", "Sugar", "Neon", "Little")
_B = ("Love", "Letters", "Roads", "Bones", "Skies", "Hearts", "Waters", "Promises", "Windows", "Stars", "Kisses",
      "Secrets", "Fires", "Lies", "Nights", "Ways")
_NAMES = ("Mara", "Jaye", "Koby", "Ines", "Dario", "Selin", "Theo", "Amara", "Rio", "Juno", "Kai", "Lena", "Omar",
          "Noor", "Sasha", "Yuki")
_SURNAMES = ("Vance", "Lorne", "Castell", "Hart", "Moreau", "Okoro", "Reyes", "Lindqvist", "Tanaka", "Weiss",
             "Adeyemi", "Costa", "Novak", "Ibarra", "Quinn", "Sol")


def _other_records(rng: np.random.Generator, n: int, taken: set[str]) -> list[tuple[str, str, str]]:
    records, seen = [], set(taken)
    while len(records) < n:
        title = f"{_A[int(rng.integers(len(_A)))]} {_B[int(rng.integers(len(_B)))]}"
        if rng.random() < 0.3:
            title = f"{title} ({GENRES[int(rng.integers(len(GENRES)))]} Mix)"
        artist = f"{_NAMES[int(rng.integers(len(_NAMES)))]} {_SURNAMES[int(rng.integers(len(_SURNAMES)))]}"
        if (title, artist) in seen or title in taken:
            continue
        seen.add((title, artist))
        records.append((title, artist, _OTHER_LABELS[int(rng.integers(len(_OTHER_LABELS)))]))
    return records


def _add_weekly_streams(ctx: GenerationContext, weeks: list[tuple[str, dt.date, dt.date]], cols: list[int],
                        out: np.ndarray) -> None:
    """Add to ``out`` (weeks, tracks, chart territories) the daily feeds' streams of each complete week over every
    platform, day by day as the feeds are replayed (``_analytics.replay_days``): only the weekly sums are kept,
    never the (days, tracks) streams of the window. ``out`` is float64, as the chart's units are; every partial
    sum is a whole number far below 2**53, so adding day by day gives exactly the integer week sum."""
    week_of_day = {monday + dt.timedelta(days=i): w for w, (_, monday, _) in enumerate(weeks) for i in range(7)}
    for month in ctx.months:
        days = ctx.days_of(month)
        for platform in ctx.params.platforms:
            for day, streams in zip(days, replay_days(ctx, month, platform), strict=True):
                w = week_of_day.get(day)
                if w is not None:
                    out[w] += streams[:, cols]


def write_charts(ctx: GenerationContext) -> None:
    rng = ctx.rng("charts")
    params, tracks = ctx.params, ctx.tracks
    weeks = complete_weeks(ctx)
    territories = chart_territories(ctx)
    n_t, n_w = len(tracks), len(weeks)
    ours = np.zeros((BURN_IN_WEEKS + n_w, n_t, len(territories)))
    cols = [params.territories.index(t) for t in territories]
    first_monday = weeks[0][1] if weeks else params.start_date
    for b in range(BURN_IN_WEEKS):  # before the window: the model's expectation
        monday = first_monday - dt.timedelta(days=7 * (BURN_IN_WEEKS - b))
        days = [monday + dt.timedelta(days=i) for i in range(7)]
        ours[b] = expected_streams_by_territory(ctx, days).sum(axis=0)[:, cols]
    _add_weekly_streams(ctx, weeks, cols, ours[BURN_IN_WEEKS:])

    n_weeks = BURN_IN_WEEKS + n_w
    n_other = 60 + 9 * n_weeks
    others = _other_records(rng, n_other, {t.title for t in tracks})
    debut = np.concatenate([rng.integers(-30, 1, 60), np.repeat(np.arange(n_weeks), 9)])
    level = rng.lognormal(0.0, 0.7, n_other)
    life = rng.uniform(3.0, 25.0, n_other)
    affinity = rng.lognormal(0.0, 0.6, (n_other, len(territories)))
    lag = rng.integers(0, 3, (n_other, len(territories)))
    noise = rng.lognormal(0.0, 0.12, (n_weeks, n_other, len(territories)))

    week_lines: dict[str, list[str]] = {label: [] for label, _, _ in weeks}
    week_label_rows: dict[str, int] = {label: 0 for label, _, _ in weeks}
    runs: list[dict] = []
    entries = exits = 0
    for c, territory in enumerate(territories):
        age = np.arange(n_weeks)[:, None] - debut[None, :] - lag[None, :, c]  # (weeks, others)
        shape = np.where(age >= 0, np.exp(-np.clip(age, 0, None) / life[None, :])
                         * (1.0 + 0.6 * np.exp(-np.clip(age, 0, None) / 1.5)), 0.0)
        units_other = level[None, :] * affinity[None, :, c] * shape * noise[:, :, c]
        positive = ours[BURN_IN_WEEKS:, :, c]
        positive = positive[positive > 0]
        target = float(np.quantile(positive, 0.9)) if positive.size else 1.0
        fiftieth = np.sort(units_other, axis=1)[:, -CHART_SIZE]
        units_other *= target / max(float(np.median(fiftieth)), 1e-9)
        last_pos: dict[tuple[str, int], int] = {}
        peak: dict[tuple[str, int], int] = {}
        weeks_on: dict[tuple[str, int], int] = {}
        open_runs: dict[int, dict] = {}
        for w in range(n_weeks):
            entrants = [(-float(units_other[w, o]), others[o][0], others[o][1], ("other", o))
                        for o in range(n_other) if units_other[w, o] > 0]
            entrants += [(-float(ours[w, t, c]), tracks[t].title, display_artist(tracks[t]), ("ours", t))
                         for t in range(n_t) if ours[w, t, c] > 0]
            entrants.sort()
            chart = entrants[:CHART_SIZE]
            this_pos = {key: i + 1 for i, (_, _, _, key) in enumerate(chart)}
            published = w >= BURN_IN_WEEKS
            lines = []
            for key, pos in this_pos.items():
                peak[key] = min(peak.get(key, pos), pos)
                weeks_on[key] = weeks_on.get(key, 0) + 1
                if published:
                    sunday = weeks[w - BURN_IN_WEEKS][2]
                    if key[0] == "ours":
                        t = tracks[key[1]]
                        title, artist, label_name = t.title, display_artist(t), t.label
                    else:
                        title, artist, label_name = others[key[1]]
                    prev = last_pos.get(key)
                    lines.append(csv_line([sunday.isoformat(), territory, pos, "" if prev is None else prev, peak[key],
                                           weeks_on[key], title, artist, label_name]))
            if published:
                week_label = weeks[w - BURN_IN_WEEKS][0]
                for t in range(n_t):
                    key = ("ours", t)
                    now, before = this_pos.get(key), last_pos.get(key)
                    if now is not None and before is None:
                        entries += 1
                        open_runs[t] = {"territory": territory, "isrc": tracks[t].isrc, "entry_week": week_label,
                                        "re_entry": weeks_on[key] > 1, "exit_week": None, "entry_position": now,
                                        "peak": now, "weeks": 0}
                    if now is not None:
                        if t not in open_runs:  # on the chart since before the window
                            open_runs[t] = {"territory": territory, "isrc": tracks[t].isrc, "entry_week": None,
                                            "re_entry": None, "exit_week": None, "entry_position": None,
                                            "peak": now, "weeks": 0}
                        open_runs[t]["peak"] = min(open_runs[t]["peak"], now)
                        open_runs[t]["weeks"] += 1
                        open_runs[t]["peak_ever"] = peak[key]
                        open_runs[t]["weeks_on_chart"] = weeks_on[key]
                    if now is None and before is not None:
                        exits += 1
                        run = open_runs.pop(t, None) or {  # a run that lay wholly before the window
                            "territory": territory, "isrc": tracks[t].isrc, "entry_week": None, "re_entry": None,
                            "exit_week": None, "entry_position": None, "peak": None, "weeks": 0}
                        run["exit_week"] = week_label
                        runs.append(run)
                week_lines[week_label] += lines
                week_label_rows[week_label] += sum(1 for key in this_pos if key[0] == "ours")
            last_pos = this_pos
        runs.extend(open_runs.values())
    files = 0
    for label, _, _ in weeks:  # one file per week: every territory's chart, territory by territory
        path = ctx.landing_dir / "charts" / f"charts_top50_{label}.csv"
        if write_report(ctx, path, "charts", HEADER, week_lines[label], period=label,
                        label_rows=week_label_rows[label]):
            files += 1
    runs.sort(key=lambda r: (r["territory"], r["entry_week"] or "", r["exit_week"] or "", r["isrc"]))
    peaks: dict[str, int] = {}
    for r in runs:
        if r["peak"] is not None:
            key = f"{r['territory']}:{r['isrc']}"
            peaks[key] = min(peaks.get(key, r["peak"]), r["peak"])
    ctx.truth["charts"] = {
        "files": files,
        "rows": sum(len(v) for v in week_lines.values()),
        "chart_size": CHART_SIZE,
        "territories": territories,
        "weeks": [label for label, _, _ in weeks],
        "label_rows": sum(r["weeks"] for r in runs),
        "label_entries": entries,  # new entries and re-entries of the label's tracks in published weeks
        "label_exits": exits,
        "label_runs": runs,  # one per stay of a label track on a chart (peak/weeks within the window)
        "peak_by_territory_isrc": dict(sorted(peaks.items())),  # best position inside the window
    }
