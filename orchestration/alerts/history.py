"""What the alerts remember, in the warehouse (schema ``ml``): every delivery decision and every snooze.

* ``alerts.alert_history``: one row per alert (or digest), channel and recipient each time the engine decides about
  it: ``sent``, ``failed`` (with the error; tried again on the next run), ``snoozed`` or
  ``suppressed_duplicate`` (already sent to that recipient on that channel: never sent twice).
* ``alerts.alert_snoozes``: ``python -m orchestration.alerts snooze --label L001 [--rule R] [--isrc X] --until D``.
  A snooze matches an alert of its label (and rule, and ISRC, when given) until the end of ``until`` (UTC).

Both are append-only tables written through ``WarehouseResource.append_rows`` (created on first use), so they
work on every target and survive the rebuilds of the other ``ml`` tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

from orchestration.warehouses.base import WarehouseResource

HISTORY_TABLE = "alerts.alert_history"
SNOOZE_TABLE = "alerts.alert_snoozes"
HISTORY_COLUMNS = (("fingerprint", "VARCHAR"), ("label_id", "VARCHAR"), ("rule", "VARCHAR"), ("channel", "VARCHAR"),
                   ("recipient", "VARCHAR"), ("status", "VARCHAR"), ("subject", "VARCHAR"),
                   ("sent_at", "TIMESTAMP"), ("error", "VARCHAR"), ("run_id", "VARCHAR"), ("source", "VARCHAR"),
                   ("isrc", "VARCHAR"))
SNOOZE_COLUMNS = (("snooze_id", "VARCHAR"), ("label_id", "VARCHAR"), ("rule", "VARCHAR"), ("isrc", "VARCHAR"),
                  ("until_date", "TIMESTAMP"), ("reason", "VARCHAR"), ("created_at", "TIMESTAMP"))
STATUSES = ("sent", "failed", "snoozed", "suppressed_duplicate")


@dataclasses.dataclass(frozen=True)
class Snooze:
    snooze_id: str
    label_id: str
    rule: str | None
    isrc: str | None
    until: dt.datetime  # exclusive: the day after the ``--until`` date, 00:00 UTC
    reason: str | None = None

    def matches(self, label_id: str, rule: str, isrc: str | None, now: dt.datetime) -> bool:
        return (self.label_id == label_id and now < self.until and (self.rule is None or self.rule == rule)
                and (self.isrc is None or self.isrc == isrc))


def utcnow() -> dt.datetime:
    """Naive UTC (the history's TIMESTAMP columns hold UTC without a zone on every target)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def tables(warehouse: WarehouseResource) -> set[str]:
    """``schema.table`` of every table and view of the schemas the alerts read or write (one query)."""
    return {f"{s}.{t}" for s, t in warehouse.query(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('ml', 'marts', 'alerts')")}


def table_exists(warehouse: WarehouseResource, qualified: str, present: set[str] | None = None) -> bool:
    return qualified in (present if present is not None else tables(warehouse))


def ensure_tables(warehouse: WarehouseResource, present: set[str] | None = None) -> None:
    for table, columns in ((HISTORY_TABLE, HISTORY_COLUMNS), (SNOOZE_TABLE, SNOOZE_COLUMNS)):
        if not table_exists(warehouse, table, present):
            warehouse.append_rows(table, columns, [])


def sent_keys(warehouse: WarehouseResource, present: set[str] | None = None) -> set[tuple[str, str, str]]:
    """(fingerprint, channel, recipient) of everything delivered so far."""
    if not table_exists(warehouse, HISTORY_TABLE, present):
        return set()
    rows = warehouse.query(f"SELECT DISTINCT fingerprint, channel, recipient FROM {HISTORY_TABLE} "
                           "WHERE status = 'sent'")
    return {(f, c, r) for f, c, r in rows}


def active_snoozes(warehouse: WarehouseResource, now: dt.datetime, present: set[str] | None = None
                   ) -> list[Snooze]:
    if not table_exists(warehouse, SNOOZE_TABLE, present):
        return []
    rows = warehouse.query(f"SELECT snooze_id, label_id, rule, isrc, until_date, reason FROM {SNOOZE_TABLE} "
                           "WHERE until_date > ?", (now,))
    return [Snooze(i, label, rule or None, isrc or None, until, reason) for i, label, rule, isrc, until, reason in rows]


def add_snooze(warehouse: WarehouseResource, label_id: str, until: dt.date, *, rule: str | None = None,
               isrc: str | None = None, reason: str | None = None) -> Snooze:
    snooze = Snooze(uuid.uuid4().hex[:12], label_id, rule, isrc,
                    dt.datetime.combine(until + dt.timedelta(days=1), dt.time()), reason)
    warehouse.append_rows(SNOOZE_TABLE, SNOOZE_COLUMNS, [(snooze.snooze_id, label_id, rule, isrc, snooze.until,
                                                          reason, utcnow())])
    return snooze


def record(warehouse: WarehouseResource, rows: Iterable[Sequence]) -> int:
    rows = [tuple(r) for r in rows]
    warehouse.append_rows(HISTORY_TABLE, HISTORY_COLUMNS, rows)
    return len(rows)


def recent(warehouse: WarehouseResource, *, limit: int = 50, label_id: str | None = None,
           status: str | None = None, include_duplicates: bool = False) -> list[tuple]:
    """The latest history rows, newest first (duplicates left out unless asked: they repeat every run)."""
    if not table_exists(warehouse, HISTORY_TABLE):
        return []
    where, params = [], []
    if label_id:
        where.append("label_id = ?")
        params.append(label_id)
    if status:
        where.append("status = ?")
        params.append(status)
    elif not include_duplicates:
        where.append("status <> 'suppressed_duplicate'")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return warehouse.query(f"SELECT sent_at, label_id, rule, channel, recipient, status, subject, error "
                           f"FROM {HISTORY_TABLE} {clause} ORDER BY sent_at DESC, fingerprint LIMIT {int(limit)}",
                           params)
