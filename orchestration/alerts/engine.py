"""The alert engine: read the insights and stream anomalies, find what each label's rules ask for, and deliver
each new alert once per recipient and channel.

Which label an item belongs to: a track's owning label (``marts.dim_track.owning_label_id``, a sub-label for
L006..L009) and the top-level label it rolls up to (``marts.dim_label.parent_label_id``); an insight without a
track keeps its own ``label_id`` (a label id, key or name: resolved through ``marts.dim_label``). A rule of label
X matches an item owned by X, and with ``include_sub_labels`` (the default) an item owned by a sub-label of X.
Nothing of one label ever reaches another label's recipients.

Only recent things alert: an item whose period ends within ``lookback_days`` of the latest date of its own table
(the data's clock: reports arrive days late, so the wall clock would see nothing new in a backfilled sample).

The fingerprint of an alert: its label, rule and the item's natural key (an insight's type, entity, platform,
territory and period start; an anomaly's series, kind and start date), so that a continuing anomaly (its end
grows) or a re-scored insight (a new ``insight_id``) is not news; a standing insight (risk, opportunity,
benchmark gap over a rolling window) is news once per month (:func:`insight_episode`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import math
import os
import uuid
from collections.abc import Iterable
from typing import Any

import pandas as pd

from orchestration.alerts import history
from orchestration.alerts.delivery import Mailer, WebhookPoster
from orchestration.alerts.rules import AlertConfig, LabelRules, Rule
from orchestration.warehouses.base import WarehouseResource

INSIGHTS_TABLE = "ml.insights"
ANOMALIES_TABLE = "ml.stream_anomalies"
INSIGHT_COLUMNS = ("insight_id", "insight_type", "entity_type", "entity_id", "entity_name", "isrc", "artist_name",
                   "label_id", "platform", "territory", "period_start", "period_end", "impact", "confidence",
                   "urgency", "priority", "headline", "narrative", "metrics_json", "entity_url")
ANOMALY_COLUMNS = ("isrc", "platform", "territory", "start_date", "end_date", "kind", "observed_streams",
                   "expected_streams", "score", "series_median")
LABELS_SQL = "select label_id, label_name, label_key, parent_label_id from marts.dim_label"
TRACKS_SQL = """
    select t.isrc, t.track_title, t.artist_name, t.owning_label_id, t.label_name
    from marts.dim_track as t"""
RUN_COLUMNS = (*(name for name, _ in history.HISTORY_COLUMNS), "kind", "rank_value")


@dataclasses.dataclass
class Labels:
    """The label hierarchy and each track's owning label, from the marts."""

    names: dict[str, str]  # label_id -> name
    parents: dict[str, str]  # label_id -> parent label_id (sub-labels only)
    aliases: dict[str, str]  # label_id / label_key / label_name -> label_id
    tracks: dict[str, dict[str, Any]]  # isrc -> track_title, artist_name, owning_label_id

    def resolve(self, value: Any) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return self.aliases.get(str(value), str(value))

    def owners(self, isrc: Any, label: Any) -> set[str]:
        """The label that owns an item: its track's owning label (a sub-label, maybe) when the catalogue knows
        the track, else the label the item names (the insights name the top-level label)."""
        track = self.tracks.get(str(isrc)) if isrc else None
        if track and track.get("owning_label_id"):
            return {str(track["owning_label_id"])}
        resolved = self.resolve(label)
        return {resolved} if resolved else set()

    def name(self, label_id: str, config_name: str | None = None) -> str:
        return self.names.get(label_id) or config_name or label_id


@dataclasses.dataclass(frozen=True)
class Alert:
    fingerprint: str
    rule: str
    label_id: str
    label_name: str
    source: str  # insights | anomalies
    kind: str  # the insight type or the anomaly kind
    isrc: str | None
    rank_value: float  # priority (insights) or streams at stake (anomalies): the order within a rule
    subject: str
    text: str
    html: str
    payload: dict[str, Any]


@dataclasses.dataclass
class RunResult:
    run_id: str
    decisions: list[tuple]  # RUN_COLUMNS

    def count(self, status: str) -> int:
        return sum(1 for d in self.decisions if d[5] == status)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.decisions, columns=list(RUN_COLUMNS))
        frame["sent_at"] = pd.to_datetime(frame["sent_at"])
        frame["rank_value"] = frame["rank_value"].astype(float)
        for column in RUN_COLUMNS:
            if column not in ("sent_at", "rank_value"):
                frame[column] = frame[column].astype("string")
        return frame


# --- reading ------------------------------------------------------------------------------------------------------

def _frame_or_empty(warehouse: WarehouseResource, table: str, columns: Iterable[str],
                    present: set[str] | None) -> pd.DataFrame:
    columns = list(columns)
    frame = warehouse.frame(f"select * from {table}") if history.table_exists(warehouse, table, present) else None
    if frame is None:
        return pd.DataFrame(columns=columns)
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    return frame


def load_labels(warehouse: WarehouseResource, present: set[str] | None = None) -> Labels:
    names, parents, aliases, tracks = {}, {}, {}, {}
    present = history.tables(warehouse) if present is None else present
    if history.table_exists(warehouse, "marts.dim_label", present):
        for label_id, name, key, parent in warehouse.query(LABELS_SQL):
            if label_id is None:
                continue
            names.setdefault(label_id, name)
            if parent:
                parents[label_id] = parent
            for alias in (label_id, key, name):
                if alias:
                    aliases.setdefault(str(alias), label_id)
    if history.table_exists(warehouse, "marts.dim_track", present):
        for isrc, title, artist, owner, label_name in warehouse.query(TRACKS_SQL):
            tracks[isrc] = {"track_title": title, "artist_name": artist,
                            "owning_label_id": owner or aliases.get(label_name)}
    return Labels(names, parents, aliases, tracks)


def load_insights(warehouse: WarehouseResource, present: set[str] | None = None) -> pd.DataFrame:
    frame = _frame_or_empty(warehouse, INSIGHTS_TABLE, (*INSIGHT_COLUMNS, "impact_streams"), present)
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column], errors="coerce").dt.date
    for column in ("priority", "confidence", "impact_streams"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def load_anomalies(warehouse: WarehouseResource, present: set[str] | None = None) -> pd.DataFrame:
    frame = _frame_or_empty(warehouse, ANOMALIES_TABLE, ANOMALY_COLUMNS, present)
    for column in ("start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column], errors="coerce").dt.date
    for column in ("observed_streams", "expected_streams", "score", "series_median"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    observed, expected = frame["observed_streams"].fillna(0.0), frame["expected_streams"]
    frame["factor"] = (observed / expected.where(expected > 0)).astype(float)
    frame["drop_pct"] = 100.0 * (1.0 - frame["factor"])
    frame["streams_at_stake"] = (expected.fillna(0.0) - observed).abs()
    return frame


# --- matching -----------------------------------------------------------------------------------------------------

def belongs(labels: Labels, label: LabelRules, isrc: Any, item_label: Any) -> bool:
    owners = labels.owners(isrc, item_label)
    if label.label_id in owners:
        return True
    return label.include_sub_labels and any(labels.parents.get(o) == label.label_id for o in owners)


def _clock(frame: pd.DataFrame, column: str) -> dt.date | None:
    values = frame[column].dropna()
    return max(values) if len(values) else None


def matching_insights(frame: pd.DataFrame, rule: Rule, label: LabelRules, labels: Labels) -> pd.DataFrame:
    clock = _clock(frame, "period_end")
    if clock is None:
        return frame.iloc[0:0]
    keep = frame["insight_type"].isin(rule.insight_types)
    keep &= _recent(frame["period_end"], clock, rule.lookback_days)
    if rule.min_priority is not None:
        keep &= frame["priority"] >= rule.min_priority
    if rule.min_confidence is not None:
        keep &= frame["confidence"] >= rule.min_confidence
    if rule.min_streams_at_stake is not None:
        keep &= frame["impact_streams"] >= rule.min_streams_at_stake
    keep &= _dimension_filter(frame, rule)
    keep &= pd.Series([belongs(labels, label, i, lab) for i, lab in zip(frame["isrc"], frame["label_id"],
                                                                         strict=True)], index=frame.index, dtype=bool)
    return frame[keep].sort_values(["priority", "insight_id"], ascending=[False, True], na_position="last")


def matching_anomalies(frame: pd.DataFrame, rule: Rule, label: LabelRules, labels: Labels) -> pd.DataFrame:
    clock = _clock(frame, "end_date")
    if clock is None:
        return frame.iloc[0:0]
    keep = frame["kind"].isin(rule.kinds)
    keep &= _recent(frame["end_date"], clock, rule.lookback_days)
    if rule.min_spike_factor is not None:  # thresholds apply to their own kind only
        keep &= (frame["kind"] != "spike") | (frame["factor"] >= rule.min_spike_factor)
    if rule.min_drop_pct is not None:
        keep &= (frame["kind"] != "drop") | (frame["drop_pct"] >= rule.min_drop_pct)
    if rule.min_streams_at_stake is not None:
        keep &= frame["streams_at_stake"] >= rule.min_streams_at_stake
    if rule.min_score is not None:
        keep &= frame["score"].abs() >= rule.min_score
    keep &= _dimension_filter(frame, rule)
    keep &= pd.Series([belongs(labels, label, i, None) for i in frame["isrc"]], index=frame.index, dtype=bool)
    return frame[keep].sort_values(["streams_at_stake", "isrc", "start_date"], ascending=[False, True, True])


def _recent(dates: pd.Series, clock: dt.date, days: int) -> pd.Series:
    since = clock - dt.timedelta(days=days)
    return dates.map(lambda d: d is not None and not pd.isna(d) and d > since).astype(bool)


def _dimension_filter(frame: pd.DataFrame, rule: Rule) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    if rule.platforms:
        keep &= frame["platform"].astype("string").str.lower().isin([p.lower() for p in rule.platforms])
    if rule.territories:
        keep &= frame["territory"].astype("string").str.upper().isin([t.upper() for t in rule.territories])
    return keep.fillna(False).astype(bool)


# --- rendering ----------------------------------------------------------------------------------------------------

def fingerprint(*parts: Any) -> str:
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


def streams(value: Any) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{round(float(value)):,}"


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python values: None for NaN/NaT, ISO strings for dates."""
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def link(url: Any) -> str | None:
    """An insight's ``entity_url`` as a link that works in a mail client: a path (``/superset/...``) gets the
    dashboards' address in front, ``TM_ALERT_LINK_BASE`` (default http://127.0.0.1:8088, ``make superset``)."""
    url = _clean(url)
    if not url:
        return None
    url = str(url)
    if url.startswith("/"):
        return (os.environ.get("TM_ALERT_LINK_BASE") or "http://127.0.0.1:8088").rstrip("/") + url
    return url


def _metrics(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return _clean(value)


def _html_page(title: str, paragraphs: list[str], table: list[tuple[str, str]], link: str | None) -> str:
    rows = "".join(f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in table)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
    anchor = f"<p><a href='{html.escape(link, quote=True)}'>Open in TuneMantra</a></p>" if link else ""
    return (f"<html><body style='font-family:sans-serif'><h2>{html.escape(title)}</h2>{body}"
            f"<table cellpadding='4'>{rows}</table>{anchor}</body></html>")


STANDING_TYPES = ("risk", "opportunity", "benchmark_deviation")


def insight_episode(row: dict[str, Any]) -> str:
    """What makes an insight news again. An event (anomaly, trend_break) is one by its start. A standing condition
    (a risk, an opportunity, a benchmark gap) is measured over a window that rolls with every day of data, so its
    start moves daily: it is news once per calendar month of its end (a monthly reminder while it lasts)."""
    if row.get("insight_type") in STANDING_TYPES and row.get("period_end"):
        return "month:" + str(row["period_end"])[:7]
    return "start:" + str(row.get("period_start"))


def insight_alert(row: dict[str, Any], rule: Rule, label: LabelRules, label_name: str) -> Alert:
    key = (row["insight_type"], row["entity_type"], row["entity_id"], row["platform"], row["territory"],
           insight_episode(row))
    headline = str(row.get("headline") or f"{row['insight_type']} for {row.get('entity_name')}")
    period = f"{row['period_start']} to {row['period_end']}"
    table = [("Type", str(row["insight_type"])), ("Entity", f"{row.get('entity_name')} ({row.get('entity_type')})"),
             ("Artist", str(row.get("artist_name") or "")), ("ISRC", str(row.get("isrc") or "")),
             ("Platform", str(row.get("platform") or "all")), ("Territory", str(row.get("territory") or "all")),
             ("Period", period), ("Priority", _num(row.get("priority"))),
             ("Streams at stake", streams(row.get("impact_streams"))), ("Impact", _num(row.get("impact"))),
             ("Confidence", _num(row.get("confidence"))), ("Urgency", _num(row.get("urgency")))]
    narrative = str(row.get("narrative") or "")
    text = "\n".join([headline, "", narrative, "", *(f"{k}: {v}" for k, v in table if v),
                      *([f"Link: {link(row.get('entity_url'))}"] if link(row.get("entity_url")) else []),
                      "", f"Rule {rule.name} of {label_name} ({label.label_id})."])
    payload = {name: _clean(row.get(name)) for name in (*INSIGHT_COLUMNS, "impact_streams") if name != "metrics_json"}
    payload["metrics"] = _metrics(row.get("metrics_json"))
    payload["entity_url"] = link(row.get("entity_url"))
    return _alert(label, label_name, rule, "insights", str(row["insight_type"]), row.get("isrc"),
                  float(row["priority"]) if _clean(row.get("priority")) is not None else 0.0, fingerprint(
                      label.label_id, rule.name, "insights", *key), f"[TuneMantra] {label_name}: {headline}",
                  text, _html_page(headline, [narrative], table, link(row.get("entity_url"))), payload)


def anomaly_alert(row: dict[str, Any], rule: Rule, label: LabelRules, label_name: str, labels: Labels) -> Alert:
    track = labels.tracks.get(str(row["isrc"]), {})
    title, artist = track.get("track_title") or row["isrc"], track.get("artist_name") or ""
    where = f"{row.get('platform') or 'all platforms'} in {row.get('territory') or 'all territories'}"
    observed, expected = streams(row["observed_streams"]), streams(row["expected_streams"])
    kind = str(row["kind"])
    if kind == "spike":
        change = f"{row['factor']:.1f}x expected" if _clean(row["factor"]) is not None else "above expected"
        headline = f"Stream spike: {title} on {where}: {observed} streams vs {expected} expected ({change})"
    elif kind == "drop":
        change = f"-{row['drop_pct']:.0f}%" if _clean(row["drop_pct"]) is not None else "below expected"
        headline = f"Stream drop: {title} on {where}: {observed} streams vs {expected} expected ({change})"
    else:
        headline = f"Missing streams: {title} on {where}: {observed} reported vs {expected} expected"
    period = f"{row['start_date']} to {row['end_date']}"
    table = [("Track", f"{title} ({row['isrc']})"), ("Artist", artist), ("Platform", str(row.get("platform"))),
             ("Territory", str(row.get("territory"))), ("Period", period), ("Observed streams", observed),
             ("Expected streams", expected), ("Streams at stake", streams(row["streams_at_stake"])),
             ("Score", _num(row.get("score")))]
    text = "\n".join([headline, "", *(f"{k}: {v}" for k, v in table), "",
                      f"Rule {rule.name} of {label_name} ({label.label_id})."])
    payload = {name: _clean(row.get(name)) for name in ANOMALY_COLUMNS}
    payload.update(track_title=title, artist_name=artist, factor=_clean(row["factor"]),
                   streams_at_stake=_clean(row["streams_at_stake"]))
    return _alert(label, label_name, rule, "anomalies", kind, row["isrc"], float(row["streams_at_stake"] or 0),
                  fingerprint(label.label_id, rule.name, "anomalies", row["isrc"], row.get("platform"),
                              row.get("territory"), kind, row["start_date"]),
                  f"[TuneMantra] {label_name}: {headline}", text, _html_page(headline, [], table, None), payload)


def _num(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return ""
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


def _alert(label: LabelRules, label_name: str, rule: Rule, source: str, kind: str, isrc: Any, rank: float,
           fp: str, subject: str, text: str, html_body: str, payload: dict[str, Any]) -> Alert:
    subject = subject if len(subject) <= 180 else subject[:179] + "…"
    payload = {"event": "alert", "fingerprint": fp, "label_id": label.label_id, "label_name": label_name,
               "rule": rule.name, "source": source, "kind": kind, "subject": subject, "item": payload}
    return Alert(fp, rule.name, label.label_id, label_name, source, kind, _clean(isrc), rank, subject, text,
                 html_body, payload)


def alerts_for(label: LabelRules, insights: pd.DataFrame, anomalies: pd.DataFrame, labels: Labels) -> list[Alert]:
    """Every alert the label's rules raise on the data, rule by rule, in each rule's order (most important first)."""
    label_name = labels.name(label.label_id, label.name)
    out: list[Alert] = []
    for rule in label.rules:
        if rule.source == "insights":
            for row in records(matching_insights(insights, rule, label, labels)):
                out.append(insight_alert(row, rule, label, label_name))
        else:
            for row in records(matching_anomalies(anomalies, rule, label, labels)):
                out.append(anomaly_alert(row, rule, label, label_name, labels))
    return out


# --- delivering ---------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Deliverer:
    """Decides and delivers, one (alert, channel, recipient) at a time, against the history and the snoozes."""

    warehouse: WarehouseResource
    enabled: bool
    mailer: Mailer | None = None
    poster: WebhookPoster | None = None
    now: dt.datetime = dataclasses.field(default_factory=history.utcnow)
    run_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex[:12])

    present: set[str] | None = None  # the tables there (history.tables), when the caller has looked already

    def __post_init__(self) -> None:
        self.sent = history.sent_keys(self.warehouse, self.present)
        self.snoozes = history.active_snoozes(self.warehouse, self.now, self.present)
        self.mailer = self.mailer or Mailer()
        self.poster = self.poster or WebhookPoster.from_env()

    def deliver(self, label: LabelRules, alert: Alert, *, event: str = "alert") -> list[tuple]:
        decisions = []
        targets = [("email", r, None) for r in label.recipients] + [("webhook", w.url, w) for w in label.webhooks]
        snoozed = any(s.matches(label.label_id, alert.rule, alert.isrc, self.now) for s in self.snoozes)
        for channel, recipient, webhook in targets:
            error = None
            if (alert.fingerprint, channel, recipient) in self.sent:
                status = "suppressed_duplicate"
            elif snoozed:
                status = "snoozed"
            elif not self.enabled:
                status = "dry_run"
            else:
                if channel == "email":
                    outcome = self.mailer.send(recipient, alert.subject, alert.text, alert.html,
                                               {"X-TuneMantra-Fingerprint": alert.fingerprint})
                else:
                    outcome = self.poster.post(recipient, {**alert.payload, "sent_at": self.now.isoformat() + "Z"},
                                               webhook.secret, event)
                status, error = ("sent", None) if outcome.ok else ("failed", outcome.error)
                if outcome.ok:
                    self.sent.add((alert.fingerprint, channel, recipient))
            decisions.append((alert.fingerprint, label.label_id, alert.rule, channel, recipient, status,
                              alert.subject, self.now, error, self.run_id, alert.source, alert.isrc, alert.kind,
                              alert.rank_value))
        return decisions

    def is_done(self, label: LabelRules, alert: Alert) -> bool:
        """Already sent on every channel: a duplicate, which does not count against the rule's cap."""
        targets = [("email", r) for r in label.recipients] + [("webhook", w.url) for w in label.webhooks]
        return all((alert.fingerprint, c, r) in self.sent for c, r in targets)

    def record(self, decisions: list[tuple]) -> None:
        """The decisions in ``alerts.alert_history``; a dry run records nothing (nothing was decided for people)."""
        if not self.enabled:
            return
        rows = [d[:len(history.HISTORY_COLUMNS)] for d in decisions]
        if rows:
            history.record(self.warehouse, rows)


def run_alerts(warehouse: WarehouseResource, config: AlertConfig, *, enabled: bool,
               mailer: Mailer | None = None, poster: WebhookPoster | None = None,
               now: dt.datetime | None = None) -> RunResult:
    """Evaluate every label's rules and deliver what is new (``enabled``), or only say what would go (not)."""
    present = history.tables(warehouse)
    if enabled:
        history.ensure_tables(warehouse, present)
        present |= {history.HISTORY_TABLE, history.SNOOZE_TABLE}
    labels = load_labels(warehouse, present)
    insights, anomalies = load_insights(warehouse, present), load_anomalies(warehouse, present)
    with (mailer or Mailer()) as session:
        deliverer = Deliverer(warehouse, enabled, session, poster, present=present, **({"now": now} if now else {}))
        decisions: list[tuple] = []
        for label in config.labels:
            label_decisions: list[tuple] = []
            per_rule: dict[str, int] = {}
            caps = {r.name: r.max_alerts_per_run for r in label.rules}
            for alert in alerts_for(label, insights, anomalies, labels):
                if not deliverer.is_done(label, alert):
                    if per_rule.get(alert.rule, 0) >= caps[alert.rule]:
                        continue  # over the rule's cap: waits for the next run
                    per_rule[alert.rule] = per_rule.get(alert.rule, 0) + 1
                label_decisions.extend(deliverer.deliver(label, alert))
            deliverer.record(label_decisions)  # per label: a crash later does not lose what was sent
            decisions.extend(label_decisions)
    return RunResult(deliverer.run_id, decisions)
