"""Daily streaming analytics feeds of Spotify, Apple Music and Deezer, with the faults platforms make.

One file per platform and month, written day by day (bounded memory at any scale), each from its own random
stream (``daily_streams/<platform>/<yyyy-mm>``), so that leaving one file out or writing a second version of
it changes no other file. Artists are spelled the platform's way (ingestion/generator/names.py); titles are
the catalogue's as of the month (a title corrected in a later catalogue export was delivered misspelt before).

Faults, with ``inject_faults``:

* malformed lines, an exact duplicate line, and the first Spotify file re-delivered under another name;
* a **late file**: one Apple Music month delivered weeks after it was due (every file records ``due_on`` and
  ``delivered_on``; the late one lands like any other, into its own period);
* a **missing report**: one Deezer month never delivered (``missing_reports``);

and, when named in ``params.extras`` (every one is, by default):

* ``restatement``: a second version of one Spotify month with corrected figures for the same period, which
  lands as delivery version 2 and replaces version 1;
* ``schema_drift``: one Deezer month whose header says ``Country`` instead of ``Territory``: the whole file is
  rejected, the error naming the column;
* ``unknown_isrcs``: usage rows for well-formed ISRCs that are not in the catalogue.

Anomalies (spikes, drops, missing days) come from the usage model and are always there.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import numpy as np

from ingestion.generator import names
from ingestion.generator.catalogue import CatalogueChange
from ingestion.generator.context import GenerationContext, micros_text
from ingestion.generator.formats import FORMATS, ReportFormat
from ingestion.generator.params import PLATFORMS
from ingestion.generator.usage import daily_intensity, sample_day

TRUTH_RULES = [
    "totals (and families.daily_streams) describe what a correct pipeline keeps from the daily feeds: for each "
    "(source, period) only the LATEST landed delivery version (a restatement replaces the earlier version, "
    "whose rows must not count), no rejected file (schema drift), no re-delivered copy, no quarantined or "
    "duplicate line. Rows of ISRCs missing from the catalogue are valid usage and count.",
    "files[*] hold each file's own truth: expected landing (landed, quarantined, duplicates, read, status), "
    "streams, revenue, period, delivery_version, latest, counted_in_totals, due_on and delivered_on.",
    "families.daily_streams.all_landed_versions sums every landed file, superseded versions included: what a "
    "warehouse that does not apply supersession yet holds.",
    "hidden.anomalies are part of the expected values (the factor multiplies the expected streams); a "
    "'missing' anomaly leaves no row for its track, platform and territory on those days.",
]
UNKNOWN_ISRCS = (("GBXQT2500001", "Borrowed Time", "Mirrorball Collective"),
                 ("DEU1X2400017", "Kaltes Licht", "Die Nachtfalter"),
                 ("BRZZR2500123", "Maré Alta", "Trio Caiçara"))
DRIFT = ("Territory", "Country")  # the Deezer column renamed in the drifted file
_HEAD = 64  # lines buffered before the first write, so that fault lines can be inserted among them
# lines formatted and written at once (at least _HEAD, so the faults see the same first lines): the transient
# strings of a day stay a few MB, not the day's 80,000 lines of a platform at 1e8 rows
_BLOCK = 16_384


@dataclasses.dataclass(frozen=True)
class FaultPlan:
    """Which (platform, month index) carries which whole-file fault."""

    late: tuple[str, int] | None = None
    missing: tuple[str, int] | None = None
    restated: tuple[str, int] | None = None
    drifted: tuple[str, int] | None = None
    unknown: frozenset[tuple[str, int]] = frozenset()


def fault_plan(ctx: GenerationContext) -> FaultPlan:
    params, n = ctx.params, len(ctx.months)
    if not params.inject_faults or n < 2:
        return FaultPlan()

    def at(k: int) -> int:
        return min(k, n - 1)

    drifted = ("deezer", at(4)) if params.has("schema_drift") else None
    missing = ("deezer", at(5)) if n > 5 else None
    if missing is not None and drifted == missing:
        missing = None
    unknown = frozenset({("spotify", at(6)), ("apple_music", at(7)), ("deezer", at(7))}
                        if params.has("unknown_isrcs") else set()) - {missing, drifted}
    return FaultPlan(late=("apple_music", at(3)), missing=missing,
                     restated=("spotify", at(2)) if params.has("restatement") else None,
                     drifted=drifted, unknown=unknown)


def write_daily_streams(ctx: GenerationContext) -> None:
    plan = fault_plan(ctx)
    start = ctx.params.start_date
    changes: list[CatalogueChange] = ctx.shared.get("catalogue_changes", [])
    spelled = {p: names.spellings(ctx.shared, p, ctx.tracks) for p in ctx.params.platforms}
    entries: list[dict] = []
    missing: list[dict] = []
    for month_index, month in enumerate(ctx.months):
        days = ctx.days_of(month)
        intensity = daily_intensity(ctx.model, days, start)  # (days, tracks), shared by the platforms
        titles = _titles_as_of(ctx, month, changes)
        for platform in ctx.params.platforms:
            key = (platform, month_index)
            if key == plan.missing:
                missing.append({"platform": platform, "period": f"{month:%Y-%m}"})
                continue
            fmt = FORMATS[platform]
            cells = {"isrc": [fmt.isrc(t.isrc) for t in ctx.tracks], "title": titles, "artist": spelled[platform],
                     "territory": [fmt.territory(r) for r in ctx.params.territories]}
            first = _write_file(ctx, plan, fmt, cells, month, month_index, days, intensity, version=1)
            entries.append(first)
            if key == plan.restated:
                second = _write_file(ctx, plan, fmt, cells, month, month_index, days, intensity, version=2)
                first.update(latest=False, counted_in_totals=False, superseded_by=second["file"])
                second.update(restates=first["file"])
                entries.append(second)
    if ctx.params.inject_faults:
        entries.append(_redeliver(ctx, entries))
    ctx.truth["daily_streams"] = _truth(ctx, entries, missing)


def _titles_as_of(ctx: GenerationContext, month: dt.date, changes: list[CatalogueChange]) -> list[str]:
    """Track titles as the platforms had them that month: before a correction, the misspelt title."""
    before = {isrc: c.before["track_title"] for c in changes if c.kind == "title_correction" and month < c.effective
              for isrc in c.isrcs}
    return [before.get(t.isrc, t.title) for t in ctx.tracks]


class _Sink:
    """Writes a report line by line; the first ``_HEAD`` lines are held so fault lines can go among them."""

    def __init__(self, path: Path, header: str, line_end: str, faults) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", encoding="utf-8", newline="")
        self._fh.write(header + line_end)
        self._end = line_end
        self._faults = faults  # None, or a function(lines) -> [(index, text, reason)]
        self._head: list[str] | None = []
        self.lines = 0
        self.quarantined: list[dict] = []
        self.duplicates = 0

    def extend(self, lines: list[str]) -> None:
        if self._head is not None:
            self._head.extend(lines)
            if len(self._head) >= _HEAD:
                self._flush_head()
            return
        self._write(lines)

    def _write(self, lines: list[str]) -> None:
        if lines:
            self._fh.write(self._end.join(lines) + self._end)
            self.lines += len(lines)

    def _flush_head(self) -> None:
        lines, self._head = self._head, None
        if self._faults is not None and lines:
            faults = self._faults(lines)
            for index, text, _reason in sorted(faults, key=lambda f: -f[0]):  # bottom up keeps indexes valid
                lines.insert(index, text)
            for index, _text, reason in sorted(faults, key=lambda f: f[0]):
                offset = sum(1 for other, _, _ in faults if other < index)
                line_no = index + offset + 2  # the header is line 1
                if reason == "duplicate":
                    self.duplicates += 1
                else:
                    self.quarantined.append({"line": line_no, "reason": reason})
        self._write(lines)

    def close(self) -> None:
        if self._head is not None:
            self._flush_head()
        self._fh.close()


def _write_file(ctx: GenerationContext, plan: FaultPlan, fmt: ReportFormat, cells: dict[str, list[str]],
                month: dt.date, month_index: int, days: list[dt.date], intensity: np.ndarray, *,
                version: int) -> dict:
    platform, period = fmt.platform, f"{month:%Y-%m}"
    key = (platform, month_index)
    currency = PLATFORMS[platform][1]
    rates = ctx.model.rate_micros[platform]
    rng = ctx.rng(f"daily_streams/{platform}/{period}")
    fix = ctx.rng(f"daily_streams/{platform}/{period}/restated") if version == 2 else None
    unknown = ctx.rng(f"daily_streams/{platform}/{period}/unknown") if key in plan.unknown else None
    drifted = key == plan.drifted
    header = [DRIFT[1] if drifted and h == DRIFT[0] else h for h in fmt.header]
    faults = None
    if ctx.params.inject_faults and version == 1 and not drifted:
        faults = lambda lines: _faults(fmt, lines, month_index)  # noqa: E731
    name = fmt.file_name(month)
    if version > 1:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem}_v{version}{dot}{suffix}"
    path = ctx.landing_dir / platform / name
    sink = _Sink(path, fmt.delimiter.join(header), fmt.line_end, faults)
    rows = streams = revenue_total = unknown_rows = unknown_streams = 0
    for i, day in enumerate(days):
        counts = sample_day(rng, ctx.model, platform, day, intensity[i])
        t_idx, r_idx = np.nonzero(counts)  # by track, then territory
        values = counts[t_idx, r_idx]
        if fix is not None:
            values = _restate(fix, values, force=i == 0)
        revenue = values * rates[r_idx]
        for lo in range(0, len(values), _BLOCK):  # a day is tens of thousands of lines at 1e8 rows: a block at a time
            sl = slice(lo, lo + _BLOCK)
            sink.extend(fmt.block(day, cells, t_idx[sl].tolist(), r_idx[sl].tolist(), values[sl].tolist(),
                                  revenue[sl].tolist(), currency))
        rows += len(values)
        streams += int(values.sum())
        revenue_total += int(revenue.sum())
        if unknown is not None:
            extra, s, m = _unknown_lines(unknown, fmt, day, rates, currency, ctx.params.territories)
            sink.extend(extra)
            rows += len(extra)
            unknown_rows += len(extra)
            unknown_streams += s
            streams += s
            revenue_total += m
    sink.close()
    late = key == plan.late and version == 1
    period_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    delivered = period_end + dt.timedelta(days=(38 if late else 1 + _hash(platform, period) % 4)
                                          + (40 if version > 1 else 0))
    status = "rejected" if drifted else "landed"
    entry = ctx.add_file(
        path, platform, sink.lines, period=period, currency=currency, streams=streams,
        revenue=micros_text(revenue_total), revenue_micros=revenue_total,
        revenue_eur_pico=revenue_total * ctx.fx_micros[(period, currency)],
        delivery_version=version, latest=not drifted, counted_in_totals=not drifted, superseded_by=None,
        restates=None, due_on=(period_end + dt.timedelta(days=5)).isoformat(), delivered_on=delivered.isoformat(),
        late=late)
    if drifted:
        entry["expected"] = {"landed": 0, "quarantined": 0, "duplicates": 0, "read": 0, "status": "rejected",
                             "error": f"column {DRIFT[1]!r} arrived where {DRIFT[0]!r} was expected"}
    else:
        entry["expected"] = {"landed": rows, "quarantined": len(sink.quarantined), "duplicates": sink.duplicates,
                             "read": sink.lines, "status": status}
        entry["quarantined_lines"] = sink.quarantined
    if unknown is not None:
        entry.update(unknown_isrc_rows=unknown_rows, unknown_isrc_streams=unknown_streams)
    return entry


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def _restate(rng: np.random.Generator, values: np.ndarray, *, force: bool) -> np.ndarray:
    """The platform's correction: about 6% of the rows get other figures (filtered plays, late-counted plays)."""
    mask = rng.random(len(values)) < 0.06
    if force and len(values):
        mask[0] = True
    factor = rng.uniform(0.7, 1.15, size=len(values))
    corrected = np.maximum(1, np.rint(values * factor)).astype(values.dtype)
    out = np.where(mask, corrected, values)
    if force and len(values) and out[0] == values[0]:
        out[0] = values[0] + 1
    return out


def _unknown_lines(rng: np.random.Generator, fmt: ReportFormat, day: dt.date, rates: np.ndarray, currency: str,
                   territories: tuple[str, ...]) -> tuple[list[str], int, int]:
    """Usage of recordings the catalogue does not hold: well-formed ISRCs, a few territories each."""
    lines, streams, revenue = [], 0, 0
    for isrc, title, artist in UNKNOWN_ISRCS:
        for r in range(min(4, len(territories))):
            s = int(rng.poisson(25)) + 1
            m = s * int(rates[r])
            lines.append(fmt.line(day, territories[r], isrc, title, artist, s, m, currency))
            streams += s
            revenue += m
    return lines, streams, revenue


def _faults(fmt: ReportFormat, lines: list[str], month_index: int) -> list[tuple[int, str, str]]:
    """Deterministic damage, as platforms deliver it: (index to insert at, line text, expected reason)."""
    cells = lines[min(10, len(lines) - 1)].split(fmt.delimiter)
    out: list[tuple[int, str, str]] = []
    if fmt.platform == "spotify" and month_index == 0:
        out.append((5, lines[min(4, len(lines) - 1)], "duplicate"))  # the same line twice in a row
    if fmt.platform == "deezer" and month_index == 0:
        bad_streams = cells.copy()
        bad_streams[5] = "1O2"
        bad_isrc = cells.copy()
        bad_isrc[2] = "DEZ12"
        out.append((10, fmt.delimiter.join(bad_streams), "invalid_integer"))
        out.append((20, fmt.delimiter.join(bad_isrc), "invalid_isrc"))
        out.append((30, fmt.delimiter.join(cells[:-1]), "column_count"))
    if fmt.platform == "apple_music" and month_index == 1:
        bad_date = cells.copy()
        bad_date[0] = "13/45/2025"
        out.append((7, fmt.delimiter.join(bad_date), "invalid_date"))
    return [(min(i, len(lines)), text, reason) for i, text, reason in out]


def _redeliver(ctx: GenerationContext, entries: list[dict]) -> dict:
    """The platform sends the first Spotify file again under another name: it must not count twice."""
    original = next(f for f in entries if f["source"] == "spotify")
    src = ctx.landing_dir / original["file"]
    dst = src.with_name(src.stem + "_resent" + src.suffix)
    shutil.copyfile(src, dst)
    entry = dict(original)
    delivered = dt.date.fromisoformat(original["delivered_on"]) + dt.timedelta(days=9)
    entry.update(file=dst.relative_to(ctx.landing_dir).as_posix(), redelivery_of=original["file"],
                 expected={"landed": 0, "quarantined": 0, "duplicates": original["data_lines"],
                           "read": original["data_lines"], "status": "duplicate_file"},
                 quarantined_lines=[], latest=False, counted_in_totals=False, delivered_on=delivered.isoformat())
    ctx.files.append(entry)
    return entry


def _sums(files: list[dict]) -> dict:
    by_platform: dict[str, int] = {}
    rows_by_platform: dict[str, int] = {}
    by_currency: dict[str, int] = {}
    for f in files:
        by_platform[f["source"]] = by_platform.get(f["source"], 0) + f["streams"]
        rows_by_platform[f["source"]] = rows_by_platform.get(f["source"], 0) + f["expected"]["landed"]
        by_currency[f["currency"]] = by_currency.get(f["currency"], 0) + f["revenue_micros"]
    eur_pico = sum(f["revenue_eur_pico"] for f in files)
    return {
        "usage_rows": sum(f["expected"]["landed"] for f in files),
        "streams": sum(by_platform.values()),
        "streams_by_platform": by_platform,
        "rows_by_platform": rows_by_platform,
        "revenue_by_currency": {c: micros_text(m) for c, m in by_currency.items()},
        "revenue_eur": f"{eur_pico // 10**12}.{eur_pico % 10**12:012d}",
    }


def _truth(ctx: GenerationContext, entries: list[dict], missing: list[dict]) -> dict:
    counted = [f for f in entries if f["counted_in_totals"]]
    landed = [f for f in entries if f["expected"]["status"] == "landed"]
    truth = _sums(counted)
    restatements = []
    for f in entries:
        if f.get("restates"):
            first = next(e for e in entries if e["file"] == f["restates"])
            restatements.append({
                "platform": f["source"], "period": f["period"], "latest": f["file"],
                "versions": [{"file": e["file"], "delivery_version": e["delivery_version"],
                              "delivered_on": e["delivered_on"], "usage_rows": e["expected"]["landed"],
                              "streams": e["streams"], "revenue": e["revenue"], "currency": e["currency"]}
                             for e in (first, f)]})
    unknown = [f for f in entries if "unknown_isrc_rows" in f and f["redelivery_of"] is None]
    truth.update(
        truth_rules=TRUTH_RULES,
        all_landed_versions=_sums(landed),
        missing_reports=missing,
        late_files=[{"file": f["file"], "platform": f["source"], "period": f["period"], "due_on": f["due_on"],
                     "delivered_on": f["delivered_on"]} for f in entries if f.get("late")],
        restatements=restatements,
        schema_drift=[{"file": f["file"], "platform": f["source"], "period": f["period"],
                       "expected_column": DRIFT[0], "arrived_column": DRIFT[1], "status": "rejected",
                       "error": f["expected"]["error"]} for f in entries if f["expected"]["status"] == "rejected"],
        unknown_isrcs={
            "isrcs": [isrc for isrc, _, _ in UNKNOWN_ISRCS] if unknown else [],
            "rows": sum(f["unknown_isrc_rows"] for f in unknown if f["counted_in_totals"]),
            "streams": sum(f["unknown_isrc_streams"] for f in unknown if f["counted_in_totals"]),
            "files": [{"file": f["file"], "rows": f["unknown_isrc_rows"], "streams": f["unknown_isrc_streams"],
                       "counted_in_totals": f["counted_in_totals"]} for f in unknown],
        },
        anomalies=len(ctx.model.anomalies),
    )
    ctx.shared.setdefault("hidden", {})["anomalies"] = [a.as_dict() for a in ctx.model.anomalies]
    return truth
