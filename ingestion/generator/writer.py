"""Write the landing files and the manifest of what they truly contain."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from ingestion.generator.catalogue import Track, build_catalogue
from ingestion.generator.formats import FORMATS, ReportFormat
from ingestion.generator.params import GENERATOR_VERSION, PLATFORMS, USD_EUR_BASE_MICROS, GeneratorParams
from ingestion.generator.usage import build_usage_model, sample_month

# expected non-zero cells per (day, track, platform, territory); used to size the catalogue
_FILL_RATE = 0.42


def generate(params: GeneratorParams, landing_dir: Path) -> dict:
    """Write every report file under ``landing_dir/<source>/`` and return (and write) the manifest."""
    landing_dir = Path(landing_dir)
    rng = np.random.default_rng(params.seed)
    cells_per_track = params.days * len(params.platforms) * len(params.territories) * _FILL_RATE
    n_tracks = max(12, round(params.target_rows / cells_per_track))
    tracks = build_catalogue(rng, n_tracks, params.start_date, params.end_date)
    model = build_usage_model(rng, tracks, params)
    fx = _fx_rates(rng, params)

    files: list[dict] = []
    files.append(_write_catalogue(landing_dir, tracks))
    files.append(_write_fx(landing_dir, fx))
    for month_start in _months(params.start_date, params.end_date):
        days = _days_of(month_start, params.start_date, params.end_date)
        for platform in params.platforms:
            streams = sample_month(rng, model, platform, days, params.start_date)
            files.append(_write_usage(landing_dir, FORMATS[platform], tracks, model.rate_micros[platform],
                                      params, days, streams, month_start, fx))
    if params.inject_faults:
        files.append(_redeliver(landing_dir, files))

    manifest = _manifest(params, tracks, files)
    (landing_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, cur = [], start.replace(day=1)
    while cur <= end:
        months.append(cur)
        cur = (cur.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def _days_of(month: dt.date, start: dt.date, end: dt.date) -> list[dt.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [d for d in (month.replace(day=i) for i in range(1, last + 1)) if start <= d <= end]


def _fx_rates(rng: np.random.Generator, params: GeneratorParams) -> dict[tuple[str, str], int]:
    """EUR per unit of currency, in micro-units, per month (EUR itself is 1)."""
    rates = {}
    for month in _months(params.start_date, params.end_date):
        key = f"{month:%Y-%m}"
        rates[(key, "EUR")] = 1_000_000
        rates[(key, "USD")] = USD_EUR_BASE_MICROS + int(rng.integers(-25_000, 25_000))
    return rates


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, header: str, lines: list[str], line_end: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header + line_end)
        fh.write(line_end.join(lines))
        if lines:
            fh.write(line_end)


def _file_entry(landing_dir: Path, path: Path, source: str, data_lines: int, **extra: object) -> dict:
    entry = {
        "file": path.relative_to(landing_dir).as_posix(),
        "source": source,
        "sha256": _sha256(path),
        "bytes": path.stat().st_size,
        "data_lines": data_lines,
        "expected": {"landed": data_lines, "quarantined": 0, "duplicates": 0},
        "quarantined_lines": [],
        "redelivery_of": None,
    }
    entry.update(extra)
    return entry


def _write_catalogue(landing_dir: Path, tracks: list[Track]) -> dict:
    """The label's own catalogue export: one row per track (the metadata the usage reports lack)."""
    path = landing_dir / "catalogue" / "catalogue_tracks.csv"
    header = "isrc,track_title,artist_name,release_title,upc,release_date,label_name,genre,duration_seconds"
    lines = [
        f"{t.isrc},{_csv(t.title)},{_csv(t.artist)},{_csv(t.release_title)},{t.upc},"
        f"{t.release_date.isoformat()},{_csv(t.label)},{_csv(t.genre)},{t.duration_seconds}"
        for t in tracks
    ]
    _write(path, header, lines, "\n")
    return _file_entry(landing_dir, path, "catalogue", len(lines),
                       tracks=len(tracks), releases=len({t.upc for t in tracks}),
                       artists=len({t.artist for t in tracks}), labels=len({t.label for t in tracks}))


def _csv(text: str) -> str:
    return f'"{text}"' if "," in text else text


def _write_fx(landing_dir: Path, fx: dict[tuple[str, str], int]) -> dict:
    path = landing_dir / "fx" / "fx_rates_monthly.csv"
    lines = [f"{month},{currency},{rate // 1_000_000}.{rate % 1_000_000:06d}"
             for (month, currency), rate in sorted(fx.items())]
    _write(path, "month,currency,eur_per_unit", lines, "\n")
    return _file_entry(landing_dir, path, "fx", len(lines))


def _write_usage(landing_dir: Path, fmt: ReportFormat, tracks: list[Track], rates: np.ndarray,
                 params: GeneratorParams, days: list[dt.date], streams: np.ndarray, month: dt.date,
                 fx: dict[tuple[str, str], int]) -> dict:
    currency = PLATFORMS[fmt.platform][1]
    d_idx, t_idx, r_idx = np.nonzero(streams)  # C order: by day, then track, then territory
    values = streams[d_idx, t_idx, r_idx]
    revenue = values * rates[r_idx]
    lines = [
        fmt.line(days[d], params.territories[r], tracks[t].isrc, tracks[t].title, tracks[t].artist,
                 int(s), int(m), currency)
        for d, t, r, s, m in zip(d_idx.tolist(), t_idx.tolist(), r_idx.tolist(), values.tolist(),
                                 revenue.tolist(), strict=True)
    ]
    good = len(lines)
    quarantined: list[dict] = []
    duplicates = 0
    month_index = (month.year - params.start_date.year) * 12 + month.month - params.start_date.month
    if params.inject_faults and lines:
        faults = _faults(fmt, lines, month_index)
        # insert from the bottom up so that earlier line numbers stay valid
        for index, text, _reason in sorted(faults, key=lambda f: -f[0]):
            lines.insert(index, text)
        # line numbers in the file: header is line 1, lines[i] is line i + 2
        for index, _text, reason in sorted(faults, key=lambda f: f[0]):
            offset = sum(1 for other, _, _ in faults if other < index)
            line_no = index + offset + 2
            if reason == "duplicate":
                duplicates += 1
            else:
                quarantined.append({"line": line_no, "reason": reason})
    path = landing_dir / fmt.platform / fmt.file_name(month)
    _write(path, fmt.delimiter.join(fmt.header), lines, fmt.line_end)
    total_revenue = int(revenue.sum())
    entry = _file_entry(landing_dir, path, fmt.platform, len(lines),
                        period=f"{month:%Y-%m}", currency=currency, streams=int(values.sum()),
                        revenue=f"{total_revenue // 1_000_000}.{total_revenue % 1_000_000:06d}",
                        revenue_micros=total_revenue,
                        revenue_eur_pico=total_revenue * fx[(f"{month:%Y-%m}", currency)])
    entry["expected"] = {"landed": good, "quarantined": len(quarantined), "duplicates": duplicates}
    entry["quarantined_lines"] = quarantined
    return entry


def _faults(fmt: ReportFormat, lines: list[str], month_index: int) -> list[tuple[int, str, str]]:
    """Deterministic damage, as platforms deliver it: (index to insert at, line text, expected reason)."""
    cells = lines[min(10, len(lines) - 1)].split(fmt.delimiter)
    out: list[tuple[int, str, str]] = []
    if fmt.platform == "spotify" and month_index == 0:
        out.append((5, lines[4], "duplicate"))  # the same line twice in a row
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


def _redeliver(landing_dir: Path, files: list[dict]) -> dict:
    """The platform sends the first Spotify file again under another name: it must not count twice."""
    original = next(f for f in files if f["source"] == "spotify")
    src = landing_dir / original["file"]
    dst = src.with_name(src.stem + "_resent" + src.suffix)
    shutil.copyfile(src, dst)
    entry = dict(original)
    entry.update(file=dst.relative_to(landing_dir).as_posix(), redelivery_of=original["file"],
                 expected={"landed": 0, "quarantined": 0, "duplicates": original["data_lines"]},
                 quarantined_lines=[])
    return entry


def _manifest(params: GeneratorParams, tracks: list[Track], files: list[dict]) -> dict:
    usage = [f for f in files if f["source"] in PLATFORMS and f["redelivery_of"] is None]
    by_platform: dict[str, int] = {}
    by_currency: dict[str, int] = {}
    for f in usage:
        by_platform[f["source"]] = by_platform.get(f["source"], 0) + f["streams"]
        by_currency[f["currency"]] = by_currency.get(f["currency"], 0) + f["revenue_micros"]
    eur_pico = sum(f["revenue_eur_pico"] for f in usage)
    return {
        "generator_version": GENERATOR_VERSION,
        "params": params.as_dict(),
        "files": files,
        "catalogue": {
            "tracks": len(tracks),
            "releases": len({t.upc for t in tracks}),
            "artists": len({t.artist for t in tracks}),
            "labels": len({t.label for t in tracks}),
        },
        "totals": {
            "usage_rows": sum(f["expected"]["landed"] for f in usage),
            "streams": sum(by_platform.values()),
            "streams_by_platform": by_platform,
            "revenue_by_currency": {c: f"{m // 1_000_000}.{m % 1_000_000:06d}" for c, m in by_currency.items()},
            "revenue_eur": f"{eur_pico // 10**12}.{eur_pico % 10**12:012d}",
            "first_date": params.start_date.isoformat(),
            "last_date": params.end_date.isoformat(),
            "days": params.days,
            "territories": len(params.territories),
        },
        # hidden truth for later evaluation (archetypes, popularity): never shown to the pipeline
        "hidden": {"tracks": {t.isrc: {"archetype": t.archetype, "popularity": round(t.popularity, 6),
                                       "release_date": t.release_date.isoformat()}
                              for t in tracks}},
    }
