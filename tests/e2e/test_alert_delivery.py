"""End to end: the alerts (orchestration/alerts/, the asset alerts/alert_deliveries) on the session's pipeline run.

The pipeline runs without TM_ALERTS_ENABLED: it evaluates the shipped rules and records what it would send
(``dry_run``), sends nothing and keeps no history. Then, on a copy of its warehouse, the engine delivers for real
to a local SMTP server and webhook receiver: every alert reaches only its own label's recipients, nothing is sent
twice, and every label gets a digest of its own insights.

(Not named test_alerts.py: tests/unit/test_alerts.py has that basename, and the tests folders are not packages.)
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration.alerts.delivery import Mailer, SmtpSettings, WebhookPoster
from orchestration.alerts.digest import run_digests
from orchestration.alerts.engine import run_alerts
from orchestration.alerts.rules import load_rules
from orchestration.warehouses import DuckDBWarehouse

pytestmark = pytest.mark.slow

LABELS = ("L001", "L002", "L003", "L004", "L005")


def test_the_pipeline_evaluates_the_rules_and_sends_nothing(pipeline_run) -> None:
    assert "alerts/alert_deliveries" in pipeline_run.summary["materialized"]
    with duckdb.connect(str(pipeline_run.warehouse_path), read_only=True) as con:
        tables = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('ml', 'alerts')").fetchall()}
        assert "alerts.alert_deliveries" in tables and "alerts.alert_history" not in tables
        statuses = {r[0] for r in con.execute("select distinct status from alerts.alert_deliveries").fetchall()}
        labels = {r[0] for r in con.execute("select distinct label_id from alerts.alert_deliveries").fetchall()}
    assert statuses <= {"dry_run"}
    assert labels <= set(LABELS)


def test_alerts_and_digests_reach_only_their_own_label_once(var_copy, smtp, webhook, tmp_path) -> None:
    inbox, port = smtp
    hooks, url = webhook
    rules = tmp_path / "rules.yml"  # everything recent alerts: the 12-track run has few insights
    rules.write_text("labels:\n" + "".join(
        f"  {label}:\n    recipients: [{label.lower()}@labels.example]\n    webhooks: ['{url}/{label}']\n"
        "    rules:\n      - {name: insights, source: insights, max_alerts_per_run: 50}\n"
        "      - {name: anomalies, source: anomalies, max_alerts_per_run: 50}\n" for label in LABELS))
    config = load_rules(rules)
    warehouse = DuckDBWarehouse(path=str(var_copy / "warehouse" / "tunemantra.duckdb"))
    with duckdb.connect(warehouse.path, read_only=True) as con:
        top_label = dict(con.execute("select t.isrc, l.label_id from marts.dim_track as t "
                                     "join marts.dim_label as l using (label_key)").fetchall())
        insight_labels = dict(con.execute("select insight_id, label_id from ml.insights").fetchall())
    assert insight_labels, "the pipeline wrote no insights"

    def deliver():
        return run_alerts(warehouse, config, enabled=True, mailer=Mailer(SmtpSettings(port=port, timeout=10)),
                          poster=WebhookPoster(timeout=10, retries=1, backoff=0.05))

    first = deliver()
    assert first.count("failed") == 0 and first.count("sent") > 0
    mails = [d for d in first.decisions if d[3] == "email" and d[5] == "sent"]
    assert len(inbox.messages) == len(mails)
    received = hooks.payloads()
    assert len(received) == first.count("sent") - len(mails)
    # every e-mail went to the label whose webhook got the same alert, and that label owns the item (below)
    mailed = {(m["X-TuneMantra-Fingerprint"], rcpts[0].split("@")[0].upper()) for rcpts, m in inbox.messages}
    assert mailed == {(p["fingerprint"], path.strip("/")) for path, p in received}
    for path, payload in received:
        label = path.strip("/")
        assert payload["label_id"] == label
        item = payload["item"]
        if item.get("isrc"):
            assert top_label[item["isrc"]] == label, (label, item)
        if item.get("insight_id"):
            assert insight_labels[item["insight_id"]] == label
    again = deliver()
    assert again.count("sent") == 0 and again.count("suppressed_duplicate") == first.count("sent")
    assert len(inbox.messages) == len(mails)

    digests = run_digests(warehouse, config, enabled=True, mailer=Mailer(SmtpSettings(port=port, timeout=10)),
                          poster=WebhookPoster(timeout=10, retries=1, backoff=0.05), out_dir=tmp_path / "digests")
    assert [d.label_id for d in digests.digests] == list(LABELS)
    for digest in digests.digests:
        assert {insight_labels[i] for i in digest.insights["insight_id"]} <= {digest.label_id}
        assert all(top_label[i] == digest.label_id for i in digest.anomalies["isrc"])
        assert digest.week_end - digest.week_start == dt.timedelta(days=6)
        assert (tmp_path / "digests" / f"digest_{digest.label_id}_{digest.week_end}.html").exists()
    assert digests.count("sent") == 2 * len(LABELS) and digests.count("failed") == 0
    with duckdb.connect(warehouse.path, read_only=True) as con:
        recorded = con.execute("select status, count(*) from alerts.alert_history group by status").fetchall()
    assert dict(recorded) == {"sent": first.count("sent") + 2 * len(LABELS),
                              "suppressed_duplicate": first.count("sent")}
