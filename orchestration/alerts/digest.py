"""The weekly digest of one label: its top insights by priority and its stream anomalies of the week, as an HTML
page (and a plain-text twin), sent to the label's recipients and webhooks like an alert and recorded in the same
history under the rule ``weekly_digest`` (so a second run in the same week sends nothing, and a snooze of that
rule holds it back).

The week is the seven days ending on ``as_of``: by default the latest date of the data (``period_end`` of the
insights, ``end_date`` of the anomalies), never after today; reports arrive days late, so the data's own clock is
what "this week" means to an analyst reading the marts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.alerts import engine, history
from orchestration.alerts.delivery import Mailer, WebhookPoster
from orchestration.alerts.rules import DIGEST_RULE, AlertConfig, LabelRules, Rule

_STYLE = ("body{font-family:sans-serif;color:#222}table{border-collapse:collapse;margin:8px 0 16px}"
          "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f3f3f3}"
          "td.n{text-align:right}")


@dataclasses.dataclass(frozen=True)
class Digest:
    label_id: str
    label_name: str
    week_start: dt.date
    week_end: dt.date
    insights: pd.DataFrame
    anomalies: pd.DataFrame
    subject: str
    text: str
    html: str

    @property
    def fingerprint(self) -> str:
        return engine.fingerprint(self.label_id, DIGEST_RULE, self.week_end)

    def payload(self) -> dict[str, Any]:
        return {"event": "digest", "fingerprint": self.fingerprint, "label_id": self.label_id,
                "label_name": self.label_name, "rule": DIGEST_RULE, "subject": self.subject,
                "week_start": self.week_start.isoformat(), "week_end": self.week_end.isoformat(),
                "insights": [{k: v for k, v in r.items() if k != "metrics_json"}
                             for r in engine.records(self.insights)],
                "anomalies": engine.records(self.anomalies),
                "html": self.html}

    def as_alert(self) -> engine.Alert:
        return engine.Alert(self.fingerprint, DIGEST_RULE, self.label_id, self.label_name, "digest", "weekly", None,
                            0.0, self.subject, self.text, self.html, self.payload())


def data_clock(insights: pd.DataFrame, anomalies: pd.DataFrame, today: dt.date | None = None) -> dt.date:
    dates = [*insights["period_end"].dropna(), *anomalies["end_date"].dropna()]
    today = today or dt.datetime.now(dt.UTC).date()
    return min(max(dates), today) if dates else today


def build_digest(label: LabelRules, insights: pd.DataFrame, anomalies: pd.DataFrame, labels: engine.Labels,
                 week_end: dt.date) -> Digest:
    """The label's digest for the week ending ``week_end`` (its own items only, sub-labels per its rules)."""
    week_start = week_end - dt.timedelta(days=6)
    label_name = labels.name(label.label_id, label.name)
    top_n = label.digest_top_n
    mine = insights[[engine.belongs(labels, label, i, lab) for i, lab in
                     zip(insights["isrc"], insights["label_id"], strict=True)]] if len(insights) else insights
    in_week = mine[mine["period_end"].map(lambda d: d is not None and not pd.isna(d) and d >= week_start)
                   & mine["period_start"].map(lambda d: d is None or pd.isna(d) or d <= week_end)] \
        if len(mine) else mine
    top = in_week.sort_values(["priority", "insight_id"], ascending=[False, True], na_position="last").head(top_n)
    rule = Rule(name=DIGEST_RULE, source="anomalies", lookback_days=10_000)
    found = engine.matching_anomalies(anomalies, rule, label, labels) if len(anomalies) else anomalies
    week_anomalies = found[found["end_date"].map(lambda d: d >= week_start)
                           & found["start_date"].map(lambda d: d <= week_end)].head(top_n) if len(found) else found
    week_anomalies = week_anomalies.copy()
    week_anomalies["track_title"] = [labels.tracks.get(str(i), {}).get("track_title") or i
                                     for i in week_anomalies["isrc"]]
    subject = f"[TuneMantra] Weekly digest: {label_name}, {week_start} to {week_end}"
    return Digest(label.label_id, label_name, week_start, week_end, top, week_anomalies, subject,
                  _text(label_name, week_start, week_end, top, week_anomalies, len(in_week)),
                  _html(label_name, week_start, week_end, top, week_anomalies, in_week))


def _text(name: str, start: dt.date, end: dt.date, top: pd.DataFrame, anomalies: pd.DataFrame, total: int) -> str:
    lines = [f"TuneMantra weekly digest: {name}, {start} to {end}", "",
             f"Top insights ({len(top)} of {total} this week):"]
    lines += [f"- [{r['insight_type']}] {r['headline']} (priority {engine._num(r['priority'])})"
              for r in engine.records(top)] or ["- none"]
    lines += ["", f"Stream anomalies this week ({len(anomalies)}):"]
    lines += [f"- {r['kind']}: {r['track_title']} on {r['platform']} in {r['territory']}, {r['start_date']} to "
              f"{r['end_date']}: {engine.streams(r['observed_streams'])} streams vs "
              f"{engine.streams(r['expected_streams'])} expected" for r in engine.records(anomalies)] or ["- none"]
    return "\n".join(lines) + "\n"


def _html(name: str, start: dt.date, end: dt.date, top: pd.DataFrame, anomalies: pd.DataFrame,
          in_week: pd.DataFrame) -> str:
    e = html.escape
    parts = [f"<html><head><meta charset='utf-8'><style>{_STYLE}</style></head><body>",
             f"<h1>Weekly digest: {e(name)}</h1><p>{start} to {end}</p>"]
    counts = in_week["insight_type"].value_counts().sort_index() if len(in_week) else pd.Series(dtype=int)
    anomaly_counts = anomalies["kind"].value_counts().sort_index() if len(anomalies) else pd.Series(dtype=int)
    parts.append("<h2>The week in numbers</h2><table><tr><th>What</th><th>Count</th></tr>")
    parts += [f"<tr><td>{e(str(k))} insights</td><td class='n'>{v}</td></tr>" for k, v in counts.items()]
    parts += [f"<tr><td>stream {e(str(k))}s</td><td class='n'>{v}</td></tr>" for k, v in anomaly_counts.items()]
    parts.append("</table><h2>Top insights by priority</h2>")
    if len(top):
        parts.append("<table><tr><th>Priority</th><th>Type</th><th>Headline</th><th>Platform</th>"
                     "<th>Territory</th><th>Period</th></tr>")
        for r in engine.records(top):
            headline = e(str(r["headline"]))
            if engine.link(r.get("entity_url")):
                headline = f"<a href='{e(engine.link(r['entity_url']), quote=True)}'>{headline}</a>"
            parts.append(f"<tr><td class='n'>{e(engine._num(r['priority']))}</td><td>{e(str(r['insight_type']))}"
                         f"</td><td>{headline}</td><td>{e(str(r.get('platform') or 'all'))}</td>"
                         f"<td>{e(str(r.get('territory') or 'all'))}</td>"
                         f"<td>{r['period_start']} to {r['period_end']}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No insights this week.</p>")
    parts.append("<h2>Stream anomalies of the week</h2>")
    if len(anomalies):
        parts.append("<table><tr><th>Kind</th><th>Track</th><th>Platform</th><th>Territory</th><th>Period</th>"
                     "<th>Observed</th><th>Expected</th></tr>")
        for r in engine.records(anomalies):
            parts.append(f"<tr><td>{e(str(r['kind']))}</td><td>{e(str(r['track_title']))} ({e(str(r['isrc']))})"
                         f"</td><td>{e(str(r['platform']))}</td><td>{e(str(r['territory']))}</td>"
                         f"<td>{r['start_date']} to {r['end_date']}</td>"
                         f"<td class='n'>{engine.streams(r['observed_streams'])}</td>"
                         f"<td class='n'>{engine.streams(r['expected_streams'])}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No stream anomalies this week.</p>")
    parts.append("</body></html>")
    return "".join(parts)


@dataclasses.dataclass
class DigestRun:
    run_id: str
    digests: list[Digest]
    decisions: list[tuple]
    files: list[Path]

    def count(self, status: str) -> int:
        return sum(1 for d in self.decisions if d[5] == status)


def run_digests(warehouse, config: AlertConfig, *, enabled: bool, as_of: dt.date | None = None,
                mailer: Mailer | None = None, poster: WebhookPoster | None = None, out_dir: Path | None = None,
                now: dt.datetime | None = None, only_label: str | None = None) -> DigestRun:
    """Build every label's digest (labels with ``digest: true``), write each to ``out_dir`` as HTML, and deliver
    it (``enabled``) once per recipient and channel."""
    present = history.tables(warehouse)
    if enabled:
        history.ensure_tables(warehouse, present)
        present |= {history.HISTORY_TABLE, history.SNOOZE_TABLE}
    labels = engine.load_labels(warehouse, present)
    insights, anomalies = engine.load_insights(warehouse, present), engine.load_anomalies(warehouse, present)
    week_end = as_of or data_clock(insights, anomalies)
    digests, decisions, files = [], [], []
    with (mailer or Mailer()) as session:
        deliverer = engine.Deliverer(warehouse, enabled, session, poster, present=present,
                                     **({"now": now} if now else {}))
        for label in config.labels:
            if not label.digest or (only_label and label.label_id != only_label):
                continue
            digest = build_digest(label, insights, anomalies, labels, week_end)
            digests.append(digest)
            if out_dir is not None:
                out_dir.mkdir(parents=True, exist_ok=True)
                path = out_dir / f"digest_{label.label_id}_{week_end}.html"
                path.write_text(digest.html)
                files.append(path)
            label_decisions = deliverer.deliver(label, digest.as_alert(), event="digest")
            deliverer.record(label_decisions)
            decisions.extend(label_decisions)
    return DigestRun(deliverer.run_id, digests, decisions, files)
