"""Collection monitoring: is every expected report here, fresh, of a plausible size, and clean?

Computed from the ledger (raw._ledger) and the connectors' delivery plans, so it works for every source
and every collection method alike. Each check yields one row per source: its status ('pass', 'warn' or
'fail'), the measured value, the threshold and a sentence naming what is wrong (the platform and the
period of a missing report, the period whose volume jumped…).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections.abc import Iterable

import duckdb

from ingestion.contract import LEDGER, Connector

VOLUME_LOW, VOLUME_HIGH = 0.5, 2.0  # rows of a period against the median of its neighbouring periods
VOLUME_MIN_CHANGE = 100  # rows: a smaller jump is noise for a small source, whatever its ratio
ERROR_WARN, ERROR_FAIL = 0.01, 0.20  # quarantined share of the rows read
RELIABILITY_WARN = 0.95  # share of deliveries that landed (not failed, rejected or incomplete)

CHECKS = ("completeness", "freshness", "volume", "error_rate", "reliability")
# ledger statuses of a delivery the landing contract refuses whole by design: a drifted header ('rejected'), control
# totals that disagree with the records ('incomplete'). Nothing of it lands and the ledger names the reason: an
# expected outcome the summary shows and reliability counts, not a broken run. A 'failed' load is one that broke.
REFUSED = ("rejected", "incomplete")


@dataclasses.dataclass(frozen=True)
class Finding:
    source: str
    table: str
    check: str
    status: str  # pass | warn | fail
    value: float | None
    threshold: str
    detail: str


def _month_add(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_end(period: str) -> dt.date:
    return dt.date.fromisoformat(_month_add(period, 1) + "-01") - dt.timedelta(days=1)


def unusual_volumes(per_period: dict[str, int]) -> dict[str, float]:
    """Periods whose row count is outside VOLUME_LOW-VOLUME_HIGH times the usual, as {period: ratio}.

    The usual is the median of the neighbouring periods (up to three on each side), not of all periods: a
    source that grows steadily (a catalogue gaining tracks, a playlist gaining followers) is not an anomaly
    month after month, while a jump against its neighbours is, and one odd month does not make its neighbours
    look odd. A change smaller than VOLUME_MIN_CHANGE rows or than three Poisson standard deviations is noise,
    whatever its ratio (a 4-row source delivering 10)."""
    periods = sorted(per_period)
    odd: dict[str, float] = {}
    for i, period in enumerate(periods):
        around = [per_period[p] for p in periods[max(0, i - 3):i] + periods[i + 1:i + 4]]
        usual = statistics.median(around) if around else 0
        rows = per_period[period]
        if not usual:
            continue
        ratio = rows / usual
        noise = max(VOLUME_MIN_CHANGE, 3 * usual ** 0.5)
        if not VOLUME_LOW <= ratio <= VOLUME_HIGH and abs(rows - usual) > noise:
            odd[period] = ratio
    return odd


def expected_periods(first: str, as_of: dt.date, due_days: int) -> list[str]:
    """Every monthly period from `first` whose report was due (period end + due_days) by `as_of`."""
    periods, period = [], first
    while _month_end(period) + dt.timedelta(days=due_days) <= as_of:
        periods.append(period)
        period = _month_add(period, 1)
    return periods


def _arrived_on(c: Connector, period: str | None, finished_at: dt.datetime) -> dt.date:
    """The day a delivery counts as arrived, on the monitoring clock: when it landed, but for a report of a
    monthly period no later than its due day. A report cannot arrive on the monitoring clock before it landed, and
    a monitoring clock behind the wall clock (a sample with its own clock, a re-run of an old day) would
    otherwise see every delivery arrive in its future, so that nothing would ever look stale."""
    landed_on = finished_at.date()
    if c.cadence == "monthly" and period and len(period) == 7:
        return min(landed_on, _month_end(period) + dt.timedelta(days=c.due_days))
    return landed_on


def monitor(con: duckdb.DuckDBPyConnection, connectors: Iterable[Connector], as_of: dt.date) -> list[Finding]:
    findings: list[Finding] = []
    for c in connectors:
        rows = con.execute(f"""
            SELECT period, status, rows_read, rows_landed, rows_quarantined, finished_at
            FROM {LEDGER} WHERE source = ? AND status NOT IN ('loading', 'already_seen')""",
                           [c.source]).fetchall()
        findings += _for_source(c, rows, as_of)
    return findings


def _for_source(c: Connector, rows: list[tuple], as_of: dt.date) -> list[Finding]:
    def f(check: str, status: str, value: float | None, threshold: str, detail: str) -> Finding:
        return Finding(c.source, c.table, check, status, value, threshold, detail)

    if not rows:  # never delivered anything: not connected yet, so nothing is overdue either
        return [f(check, "pass", None, "first delivery", f"{c.source}: not connected (no delivery yet)")
                for check in CHECKS]
    landed = [r for r in rows if r[1] == "landed"]
    out: list[Finding] = []
    # completeness: every due period has a landed report
    if c.cadence == "monthly" and landed:
        have = {r[0] for r in landed if r[0]}
        due = expected_periods(min(have), as_of, c.due_days) if have else []
        missing = [p for p in due if p not in have]
        out.append(f("completeness", "fail" if missing else "pass", float(len(missing)), "0 missing reports",
                     f"{c.source}: missing report(s) for period(s) {', '.join(missing)}" if missing
                     else f"{c.source}: all {len(due)} due monthly reports landed"))
    else:
        out.append(f("completeness", "pass" if landed else "warn", float(len(landed)), "a delivery plan",
                     f"{c.source}: {len(landed)} deliveries landed (no periodic plan to check against)"))
    # freshness: something new landed recently
    last = max((_arrived_on(c, r[0], r[5]) for r in landed), default=None)
    age = max(0, (as_of - last).days) if last else None
    out.append(f("freshness", "pass" if age is not None and age <= c.fresh_days else "warn",
                 float(age) if age is not None else None, f"<= {c.fresh_days} days",
                 f"{c.source}: last delivery landed {age} days before {as_of}" if last
                 else f"{c.source}: nothing landed yet"))
    # volume: rows per period against its neighbouring periods
    per_period: dict[str, int] = {}
    for period, _status, _read, rows_landed, _q, _t in landed:
        if period:
            per_period[period] = per_period.get(period, 0) + rows_landed
    if len(per_period) >= 3:
        odd = unusual_volumes(per_period)
        out.append(f("volume", "warn" if odd else "pass", float(len(odd)), f"{VOLUME_LOW}-{VOLUME_HIGH}x the usual",
                     (f"{c.source}: unusual volume in " + ", ".join(f"{p} ({r:.2f}x)" for p, r in sorted(odd.items())))
                     if odd else f"{c.source}: {len(per_period)} periods within the usual volume"))
    else:
        out.append(f("volume", "pass", None, "3 periods needed", f"{c.source}: too few periods to compare"))
    # error rate: quarantined share of what was read
    read = sum(r[2] for r in landed)
    rate = sum(r[4] for r in landed) / read if read else 0.0
    status = "fail" if rate > ERROR_FAIL else "warn" if rate > ERROR_WARN else "pass"
    out.append(f("error_rate", status, rate, f"<= {ERROR_WARN:.0%} (fail above {ERROR_FAIL:.0%})",
                 f"{c.source}: {rate:.3%} of {read:,} rows quarantined"))
    # reliability: deliveries that landed, of all deliveries that were not duplicates
    attempts = [r for r in rows if r[1] != "duplicate_file"]
    share = len(landed) / len(attempts) if attempts else 1.0
    bad = [r for r in attempts if r[1] != "landed"]
    out.append(f("reliability", "pass" if share >= RELIABILITY_WARN else "warn", share, f">= {RELIABILITY_WARN:.0%}",
                 f"{c.source}: {len(landed)} of {len(attempts)} deliveries landed"
                 + (f" ({len(bad)} failed, rejected or incomplete)" if bad else "")))
    return out


def record(con: duckdb.DuckDBPyConnection, run_id: str, findings: list[Finding]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute("""CREATE TABLE IF NOT EXISTS quality.collection_monitoring (
        run_id VARCHAR, checked_at TIMESTAMP, source VARCHAR, check_name VARCHAR, status VARCHAR,
        value DOUBLE, threshold VARCHAR, detail VARCHAR)""")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.executemany("INSERT INTO quality.collection_monitoring VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, now, x.source, x.check, x.status, x.value, x.threshold, x.detail) for x in findings])
