"""Export one statement period of the royalty lines (``marts.rpt_royalty_statement_lines``) to CSV for the
royalty system: ``python -m orchestration.export_royalties --period 2026-10 [--label-key K] --out DIR``.

One row per DSR statement line that counts, in a stable order (platform, territory, ISRC, file, line). Money
is written as decimal strings exactly as the warehouse holds it (net revenue with the statement's 6 decimals,
EUR at full precision): never through a float, so the sum of the CSV's revenue columns equals the mart's sum
to the cent and beyond. The warehouse is opened read-only (``get_settings().warehouse_path``, or
``--warehouse``). A period (or label) without lines writes nothing and exits 1: an empty export must not
reach the royalty system as "nothing owed". The control totals are printed for the run log.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path

import duckdb

RELATION = "marts.rpt_royalty_statement_lines"
COLUMNS = (
    "period_label", "platform_code", "platform_name", "territory_code", "isrc", "upc", "track_title",
    "release_title", "artist_name", "label_key", "label_name", "sub_label_key", "sub_label_name",
    "commercial_model", "use_type", "units", "net_revenue", "currency", "revenue_eur", "message_id",
    "sales_transaction_id", "file_name", "line_number", "usage_key",
)
MONEY_COLUMNS = ("net_revenue", "revenue_eur")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class ExportResult:
    path: Path | None
    rows: int = 0
    units: int = 0
    net_revenue_by_currency: dict[str, Decimal] = field(default_factory=dict)
    revenue_eur: Decimal = Decimal(0)


def _cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if column in MONEY_COLUMNS:
        if not isinstance(value, Decimal):  # a float would lose cents on the way to the royalty system
            raise TypeError(f"{column} arrived as {type(value).__name__}, expected an exact DECIMAL")
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def output_path(out_dir: Path, period: str, label_key: str | None) -> Path:
    suffix = f"_{re.sub(r'[^A-Za-z0-9_-]', '_', label_key)}" if label_key else ""
    return out_dir / f"royalty_statement_lines_{period}{suffix}.csv"


def export(warehouse: Path, period: str, out_dir: Path, label_key: str | None = None) -> ExportResult:
    """Write the period's lines (of one label when given) to ``out_dir``; the path is None when there are none."""
    if not PERIOD.match(period):
        raise ValueError(f"period {period!r}: expected YYYY-MM")
    if not Path(warehouse).exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}")
    where, params = "period_label = ?", [period]
    if label_key is not None:
        where += " and label_key = ?"
        params.append(label_key)
    query = (f"select {', '.join(COLUMNS)} from {RELATION} where {where} "
             "order by platform_code, territory_code, isrc, file_name, line_number, usage_key")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(query, params).fetchall()
    result = ExportResult(path=None)
    if not rows:
        return result
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    index = {name: i for i, name in enumerate(COLUMNS)}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = output_path(out_dir, period, label_key)
    partial = path.with_name(path.name + ".partial")
    with localcontext() as context, partial.open("w", newline="", encoding="utf-8") as handle:
        context.prec = 60  # sums stay exact whatever the amounts
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_cell(name, value) for name, value in zip(COLUMNS, row, strict=True)])
            result.rows += 1
            result.units += row[index["units"]] or 0
            if row[index["net_revenue"]] is not None:
                by_currency[row[index["currency"]]] += row[index["net_revenue"]]
            if row[index["revenue_eur"]] is not None:
                result.revenue_eur += row[index["revenue_eur"]]
    os.replace(partial, path)  # the royalty system never sees a half-written file
    result.path = path
    result.net_revenue_by_currency = dict(sorted(by_currency.items()))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.export_royalties",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--period", required=True, help="statement period, YYYY-MM")
    parser.add_argument("--label-key", default=None, help="only this label's lines (label_key of the rights holder)")
    parser.add_argument("--out", required=True, type=Path, help="folder for the CSV")
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="DuckDB warehouse (default: get_settings().warehouse_path)")
    args = parser.parse_args(argv)
    if args.warehouse is None:
        from orchestration.settings import get_settings

        args.warehouse = get_settings().warehouse_path
    try:
        result = export(args.warehouse, args.period, args.out, args.label_key)
    except (ValueError, FileNotFoundError, duckdb.Error) as error:
        print(f"export_royalties: {error}", file=sys.stderr)
        return 2
    scope = f"period {args.period}" + (f", label {args.label_key}" if args.label_key else "")
    if result.path is None:
        print(f"export_royalties: no statement lines for {scope}; nothing written", file=sys.stderr)
        return 1
    totals = ", ".join(f"{currency} {format(amount, 'f')}"
                       for currency, amount in result.net_revenue_by_currency.items())
    print(f"{result.path}: {result.rows} lines, {result.units} units, net revenue {totals}; "
          f"EUR {format(result.revenue_eur, 'f')} ({scope})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
