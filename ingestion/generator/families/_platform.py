"""What the platform families (download stores, video and UGC platforms) share: the month's demand per track
and territory, currencies and their minor units, and a CSV/TSV writer that records its file in the manifest.

Each family writes its own file format (its module's docstring says what it is modelled on) and draws from its
own random streams, one per month (``<family>/<yyyy-mm>``), so no family changes another's bytes.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ingestion.generator.context import GenerationContext, micros_text
from ingestion.generator.usage import daily_intensity

# a territory's local currency (download stores charge and pay in it)
LOCAL_CURRENCY = {
    "US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "BR": "BRL", "JP": "JPY", "MX": "MXN", "CA": "CAD",
    "AU": "AUD", "ES": "EUR", "IT": "EUR", "NL": "EUR", "SE": "SEK", "PL": "PLN", "IN": "INR", "KR": "KRW",
    "AR": "USD", "ZA": "ZAR", "NG": "USD", "TR": "TRY",
}
ZERO_DECIMAL = {"JPY", "KRW"}  # ISO 4217 minor unit 0


def month_demand(ctx: GenerationContext, month: dt.date) -> np.ndarray:
    """Expected streams (tracks, territories) in ``month`` over the daily-feed platforms: the popularity
    the other platforms' usage follows, each with its own scale and noise."""
    days = ctx.days_of(month)
    per_track = daily_intensity(ctx.model, days, ctx.params.start_date).sum(axis=0)
    mix = sum(ctx.model.territory_weight[p] for p in ctx.params.platforms)
    return per_track[:, None] * mix


def period_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def money(micros: int, currency: str) -> str:
    """An amount in the currency's minor unit (amounts are generated as exact multiples of it)."""
    text = micros_text(micros)
    if currency in ZERO_DECIMAL:
        return text.split(".")[0]
    whole, frac = text.split(".")
    return f"{whole}.{frac[:2]}"


def minor_unit(currency: str) -> int:
    """Micro-units per minor unit: 10_000 for cents, 1_000_000 for yen."""
    return 1_000_000 if currency in ZERO_DECIMAL else 10_000


class TableFile:
    """A delimited report written row by row, never held whole (``csv`` quoting when a cell needs it)."""

    def __init__(self, path: Path, header: Sequence[str], delimiter: str = ",", line_end: str = "\n") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._fh, delimiter=delimiter, lineterminator=line_end)
        self._writer.writerow(header)
        self.rows = 0

    def add(self, row: Sequence[object]) -> None:
        self._writer.writerow(row)
        self.rows += 1

    def write(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self._writer.writerow(row)
            self.rows += 1

    def close(self) -> None:
        self._fh.close()


def record(ctx: GenerationContext, table: TableFile, source: str, month: dt.date, delivered_after_days: int,
           **truth: object) -> dict | None:
    """The file's manifest entry: every row lands (these families carry no line faults). A month without
    any row is not delivered at all (the file is removed; ``None``): a header-only file would have the same
    bytes every month, which the ledger rightly takes for a re-delivery."""
    if table.rows == 0:
        table.path.unlink()
        ctx.shared.setdefault("months_without_rows", {}).setdefault(source, []).append(f"{month:%Y-%m}")
        return None
    entry = ctx.add_file(table.path, source, table.rows, period=f"{month:%Y-%m}",
                         delivered_on=(period_end(month) + dt.timedelta(days=delivered_after_days)).isoformat(),
                         **truth)
    entry["expected"] = {**entry["expected"], "read": table.rows, "status": "landed"}
    return entry


def sum_money(entries: Iterable[dict], key: str) -> dict[str, str]:
    """Add up ``{currency: micros}`` maps of the entries; amounts as text with six decimals."""
    out: dict[str, int] = {}
    for e in entries:
        for currency, micros in e[key].items():
            out[currency] = out.get(currency, 0) + micros
    return {c: micros_text(m) for c, m in sorted(out.items())}


def catalogue_as_of(ctx: GenerationContext, month: dt.date) -> tuple[list[str], list[str]]:
    """(title, label name) per track as the platforms had them that month: a title corrected or a release
    transferred in a later catalogue export (extra ``catalogue_history``) still has its old value before."""
    titles = [t.title for t in ctx.tracks]
    labels = [t.label for t in ctx.tracks]
    index = {t.isrc: i for i, t in enumerate(ctx.tracks)}
    for change in ctx.shared.get("catalogue_changes", []):
        fields = change.before if month < change.effective else change.after
        for isrc in change.isrcs:
            i = index[isrc]
            titles[i] = fields.get("track_title", titles[i])
            labels[i] = fields.get("label_name", labels[i])
    return titles, labels
