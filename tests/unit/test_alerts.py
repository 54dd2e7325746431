"""Alerts to people (orchestration/alerts/): real deliveries to a local SMTP server (aiosmtpd) and a local webhook
receiver (http.server), against a small synthetic warehouse of two tenants (L001 with its sub-label L006, L003)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import duckdb
import pytest

from orchestration.alerts import history
from orchestration.alerts.delivery import Mailer, SmtpSettings, WebhookPoster
from orchestration.alerts.digest import run_digests
from orchestration.alerts.engine import run_alerts
from orchestration.alerts.rules import RulesError, load_rules, parse_rules
from orchestration.processes import free_port
from orchestration.warehouses import DuckDBWarehouse

SECRET = "s3cret-for-tests"
T1, T2, T3 = "GBNPR2500001", "GBNPR2500002", "JPKGS2500001"  # owned by L001, L006 (sub-label of L001), L003

INSIGHT_COLS = ("insight_id", "insight_type", "entity_type", "entity_id", "entity_name", "isrc", "artist_name",
                "label_id", "platform", "territory", "period_start", "period_end", "impact", "confidence",
                "urgency", "priority", "headline", "narrative", "metrics_json", "entity_url")
INSIGHTS = [
    ("i1", "anomaly", "track", T1, "North Star", T1, "Aurora Lane", "L001", "spotify", "GB", "2026-10-20",
     "2026-10-30", 9000.0, 0.9, "high", 0.9, "North Star jumps on Spotify GB", "Streams quadrupled.",
     '{"observed": 12000}', "http://superset.local/track/GBNPR2500001"),
    ("i2", "risk", "track", T3, "Kōgen Theme", T3, "Sora", "L003", "spotify", "JP", "2026-10-25", "2026-10-30",
     5000.0, 0.8, "high", 0.95, "Kogen Theme at risk in JP", "Drop expected.", "{}", None),
    ("i3", "opportunity", "track", T1, "North Star", T1, "Aurora Lane", "L001", "deezer", "FR", "2026-10-26",
     "2026-10-29", 100.0, 0.5, "low", 0.2, "Small opportunity on Deezer FR", "", "{}", None),
    ("i4", "trend_break", "track", T2, "Underground Beat", T2, "DJ Pulse", "L006", "apple_music", "US",
     "2026-10-22", "2026-10-31", 3000.0, 0.7, "medium", 0.8, "Underground Beat breaks its trend", "", "{}", None),
    ("i5", "risk", "track", T1, "North Star", T1, "Aurora Lane", "L001", "spotify", "GB", "2026-07-01",
     "2026-08-01", 1.0, 0.9, "high", 0.99, "Old news from the summer", "", "{}", None),
]
ANOMALY_COLS = ("isrc", "platform", "territory", "start_date", "end_date", "kind", "observed_streams",
                "expected_streams", "score", "series_median")
ANOMALIES = [
    (T1, "spotify", "GB", "2026-10-27", "2026-10-29", "spike", 12000.0, 3000.0, 0.99, 900.0),
    (T1, "deezer", "DE", "2026-10-25", "2026-10-28", "drop", 400.0, 2000.0, 0.95, 500.0),
    (T3, "spotify", "JP", "2026-10-28", "2026-10-30", "spike", 9000.0, 1000.0, 0.97, 300.0),
    (T1, "apple_music", "US", "2026-10-26", "2026-10-27", "spike", 3500.0, 2000.0, 0.9, 800.0),  # 1.75x only
]

RULES = """
defaults: {{lookback_days: 14}}
labels:
  L001:
    recipients: [ana@northern-pulse.example]
    webhooks: ["{hook}/l001"]
    rules:
      - {{name: priority_insights, source: insights, min_priority: 0.7}}
      - {{name: stream_spikes, source: anomalies, kinds: [spike], min_spike_factor: 3, min_streams_at_stake: 1000}}
      - {{name: stream_drops, source: anomalies, kinds: [drop], min_drop_pct: 50}}
  L003:
    recipients: [ken@kogen.example]
    webhooks: ["{hook}/{l003_path}"]
    rules:
      - {{name: priority_insights, source: insights, min_priority: 0.7}}
      - {{name: stream_spikes, source: anomalies, kinds: [spike], min_spike_factor: 3}}
"""


def build_warehouse(path: Path) -> DuckDBWarehouse:
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema ml")
    con.execute("create table marts.dim_label (label_key varchar, label_id varchar, label_name varchar, "
                "parent_label_id varchar)")
    con.executemany("insert into marts.dim_label values (?, ?, ?, ?)", [
        ("k1", "L001", "Northern Pulse Records", None), ("k6", "L006", "Pulse Underground", "L001"),
        ("k3", "L003", "Kōgen Sound", None)])
    con.execute("create table marts.dim_track (isrc varchar, track_title varchar, artist_name varchar, "
                "label_key varchar, label_name varchar, owning_label_id varchar)")
    con.executemany("insert into marts.dim_track values (?, ?, ?, ?, ?, ?)", [
        (T1, "North Star", "Aurora Lane", "k1", "Northern Pulse Records", "L001"),
        (T2, "Underground Beat", "DJ Pulse", "k1", "Northern Pulse Records", "L006"),
        (T3, "Kōgen Theme", "Sora", "k3", "Kōgen Sound", "L003")])
    con.execute("create table ml.insights (insight_id varchar, insight_type varchar, entity_type varchar, "
                "entity_id varchar, entity_name varchar, isrc varchar, artist_name varchar, label_id varchar, "
                "platform varchar, territory varchar, period_start date, period_end date, impact double, "
                "confidence double, urgency varchar, priority double, headline varchar, narrative varchar, "
                "metrics_json varchar, entity_url varchar)")
    con.executemany(f"insert into ml.insights values ({', '.join('?' * len(INSIGHT_COLS))})", INSIGHTS)
    con.execute("create table ml.stream_anomalies (isrc varchar, platform varchar, territory varchar, "
                "start_date date, end_date date, kind varchar, observed_streams double, expected_streams double, "
                "score double, series_median double)")
    con.executemany(f"insert into ml.stream_anomalies values ({', '.join('?' * len(ANOMALY_COLS))})", ANOMALIES)
    con.close()
    return DuckDBWarehouse(path=str(path))


@pytest.fixture()
def setup(tmp_path, smtp, webhook, monkeypatch):
    """The warehouse, the rules (L003's webhook answers 500), a mailer and a quick poster."""
    monkeypatch.setenv("TM_ALERT_WEBHOOK_SECRET", SECRET)
    inbox, port = smtp
    hooks, url = webhook
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES.format(hook=url, l003_path="fail/l003"))
    warehouse = build_warehouse(tmp_path / "wh.duckdb")
    return {"warehouse": warehouse, "config": load_rules(rules), "inbox": inbox, "hooks": hooks, "port": port,
            "url": url, "rules": rules}


def _run(s, **kw):
    return run_alerts(s["warehouse"], s["config"], enabled=True,
                      mailer=Mailer(SmtpSettings(port=kw.pop("port", s["port"]), timeout=5)),
                      poster=WebhookPoster(timeout=5, retries=2, backoff=0.01), **kw)


def test_alerts_are_delivered_once_by_mail_and_webhook_to_their_own_label_only(setup) -> None:
    s = setup
    result = _run(s)
    inbox, hooks = s["inbox"], s["hooks"]
    # L001: i1 and i4 (its sub-label L006), the 4x spike and the -80% drop; not i3 (low priority), not i5 (old),
    # not the 1.75x spike, nothing of L003
    l001 = inbox.to("ana@northern-pulse.example")
    subjects = sorted(m["Subject"] for m in l001)
    assert len(l001) == 4, subjects
    assert any("North Star jumps on Spotify GB" in x for x in subjects)
    assert any("Underground Beat breaks its trend" in x for x in subjects)
    spike = next(m for m in l001 if "Stream spike" in m["Subject"])
    assert spike["Subject"] == ("[TuneMantra] Northern Pulse Records: Stream spike: North Star on spotify in GB: "
                                "12,000 streams vs 3,000 expected (4.0x expected)")
    assert spike["To"] == "ana@northern-pulse.example"
    text = spike.get_body(("plain",)).get_content()
    html = spike.get_body(("html",)).get_content()
    assert "Observed streams: 12,000" in text and "Expected streams: 3,000" in text
    assert "Streams at stake: 9,000" in text and "2026-10-27 to 2026-10-29" in text
    assert "<td>12,000</td>" in html
    drop = next(m for m in l001 if "Stream drop" in m["Subject"])
    assert "400 streams vs 2,000 expected (-80%)" in drop["Subject"]
    assert all("Kōgen" not in m["Subject"] and "Kogen" not in m["Subject"] for m in l001)
    l003 = inbox.to("ken@kogen.example")
    assert sorted(m["Subject"].split(": ", 1)[1][:25] for m in l003) == ["Kogen Theme at risk in JP",
                                                                         "Stream spike: Kōgen Theme"]

    payloads = hooks.on("/l001")
    assert len(payloads) == 4
    spike_payload = next(p for p in payloads if p["kind"] == "spike")
    assert spike_payload["label_id"] == "L001" and spike_payload["rule"] == "stream_spikes"
    assert spike_payload["item"]["isrc"] == T1 and spike_payload["item"]["observed_streams"] == 12000.0
    assert spike_payload["item"]["expected_streams"] == 3000.0 and spike_payload["item"]["factor"] == 4.0
    assert spike_payload["item"]["start_date"] == "2026-10-27"
    insight_payload = next(p for p in payloads if p["item"].get("insight_id") == "i1")
    assert insight_payload["item"]["metrics"] == {"observed": 12000} and insight_payload["item"]["priority"] == 0.9
    for _path, headers, body in (r for r in hooks.requests if r[0] == "/l001"):
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Signature-256"] == expected
        assert headers["Content-Type"] == "application/json"

    assert result.count("sent") == 4 * 2 + 2  # L001: 4 alerts x 2 channels; L003: 2 e-mails (its webhook fails)
    rows = s["warehouse"].query("select channel, recipient, status, subject from alerts.alert_history "
                                "where label_id = 'L001' order by channel, subject")
    assert len(rows) == 8 and {r[2] for r in rows} == {"sent"}

    # the second run sends nothing new: every L001 delivery is a recorded duplicate
    before_mail, before_hooks = len(inbox.messages), len(hooks.on("/l001"))
    again = _run(s)
    assert len(inbox.messages) == before_mail and len(hooks.on("/l001")) == before_hooks
    assert again.count("sent") == 0
    assert again.count("suppressed_duplicate") == 4 * 2 + 2
    duplicates = "select count(*) from alerts.alert_history where status = 'suppressed_duplicate'"
    assert s["warehouse"].scalar(duplicates) == 10


def test_a_failing_webhook_is_retried_then_recorded_failed_and_others_still_deliver(setup) -> None:
    s = setup
    result = _run(s)
    failing = [r for r in s["hooks"].requests if r[0] == "/fail/l003"]
    assert len(failing) == 2 * 3  # two L003 alerts, each tried 1 + 2 retries
    failed = [d for d in result.decisions if d[5] == "failed"]
    assert len(failed) == 2 and {d[3] for d in failed} == {"webhook"}
    assert all("HTTP 500" in d[8] and "after 3 attempt(s)" in d[8] for d in failed)
    assert len(s["inbox"].to("ken@kogen.example")) == 2  # the e-mails of those alerts went
    recorded = s["warehouse"].query("select status, error from alerts.alert_history where label_id = 'L003' "
                                    "and channel = 'webhook'")
    assert [r[0] for r in recorded] == ["failed", "failed"] and "HTTP 500" in recorded[0][1]
    # a failure is not a delivery: the next run tries the webhook again, and only the webhook
    again = _run(s)
    assert len([r for r in s["hooks"].requests if r[0] == "/fail/l003"]) == 2 * 3 * 2
    assert len(s["inbox"].to("ken@kogen.example")) == 2
    assert again.count("failed") == 2


def test_an_unreachable_smtp_server_is_recorded_not_fatal(setup) -> None:
    s = setup
    result = _run(s, port=free_port())  # nothing listens there
    mails = [d for d in result.decisions if d[3] == "email"]
    assert mails and {d[5] for d in mails} == {"failed"}
    assert all("unreachable" in d[8] for d in mails)
    assert len(s["hooks"].on("/l001")) == 4  # the webhooks went anyway
    assert s["warehouse"].scalar("select count(*) from alerts.alert_history where channel = 'email' "
                                 "and status = 'failed'") == len(mails)


def test_snooze_suppresses_and_records(setup) -> None:
    s = setup
    until = dt.date.today() + dt.timedelta(days=30)
    history.add_snooze(s["warehouse"], "L001", until, rule="stream_spikes", reason="campaign running")
    history.add_snooze(s["warehouse"], "L003", until, isrc=T3)
    result = _run(s)
    l001 = s["inbox"].to("ana@northern-pulse.example")
    assert len(l001) == 3 and not any("Stream spike" in m["Subject"] for m in l001)
    assert not s["inbox"].to("ken@kogen.example")  # everything of L003 is about T3
    snoozed = [d for d in result.decisions if d[5] == "snoozed"]
    assert {(d[1], d[2], d[3]) for d in snoozed} == {
        ("L001", "stream_spikes", "email"), ("L001", "stream_spikes", "webhook"),
        ("L003", "priority_insights", "email"), ("L003", "priority_insights", "webhook"),
        ("L003", "stream_spikes", "email"), ("L003", "stream_spikes", "webhook")}
    assert s["warehouse"].scalar("select count(*) from alerts.alert_history where status = 'snoozed'") == 6
    # an expired snooze does not hold anything back
    later = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(1))
    after = _run(s, now=later)
    assert {d[2] for d in after.decisions if d[5] == "sent" and d[1] == "L001"} == {"stream_spikes"}


def test_weekly_digest_per_label_holds_only_that_labels_items(setup, tmp_path) -> None:
    s = setup
    run = run_digests(s["warehouse"], s["config"], enabled=True, as_of=dt.date(2026, 10, 31),
                      mailer=Mailer(SmtpSettings(port=s["port"], timeout=5)),
                      poster=WebhookPoster(timeout=5, retries=0, backoff=0.01), out_dir=tmp_path / "digests")
    digests = {d.label_id: d for d in run.digests}
    l001, l003 = digests["L001"], digests["L003"]
    assert (l001.week_start, l001.week_end) == (dt.date(2026, 10, 25), dt.date(2026, 10, 31))
    # top insights by priority: i1 (0.9), i4 (0.8, the sub-label's), i3 (0.2); never L003's i2, never the old i5
    assert list(l001.insights["insight_id"]) == ["i1", "i4", "i3"]
    assert list(l003.insights["insight_id"]) == ["i2"]
    for needle in ("North Star jumps on Spotify GB", "Underground Beat breaks its trend",
                   "Small opportunity on Deezer FR", "12,000", "3,000", "Weekly digest: Northern Pulse Records"):
        assert needle in l001.html
    for needle in ("Kogen Theme at risk", "Old news", "9,000", JP := "JPKGS2500001"):
        assert needle not in l001.html, needle
    assert "Kogen Theme at risk in JP" in l003.html and JP in l003.html and "North Star" not in l003.html
    assert (tmp_path / "digests" / "digest_L001_2026-10-31.html").read_text() == l001.html
    mail = s["inbox"].to("ana@northern-pulse.example")
    assert len(mail) == 1 and mail[0]["Subject"].strip() == ("[TuneMantra] Weekly digest: Northern Pulse Records, "
                                                     "2026-10-25 to 2026-10-31")
    assert "<h1>Weekly digest: Northern Pulse Records</h1>" in mail[0].get_body(("html",)).get_content()
    payload = s["hooks"].on("/l001")[0]
    assert payload["event"] == "digest" and [i["insight_id"] for i in payload["insights"]] == ["i1", "i4", "i3"]
    assert [a["kind"] for a in payload["anomalies"]] == ["spike", "drop", "spike"]  # by streams at stake
    # the same week again: nothing sent twice
    again = run_digests(s["warehouse"], s["config"], enabled=True, as_of=dt.date(2026, 10, 31),
                        mailer=Mailer(SmtpSettings(port=s["port"], timeout=5)),
                        poster=WebhookPoster(timeout=5, retries=0, backoff=0.01))
    assert len(s["inbox"].to("ana@northern-pulse.example")) == 1
    assert again.count("sent") == 0 and again.count("suppressed_duplicate") == 3  # L003's webhook failed before


def test_dry_run_delivers_nothing_and_keeps_no_history(setup) -> None:
    s = setup
    result = run_alerts(s["warehouse"], s["config"], enabled=False,
                        mailer=Mailer(SmtpSettings(port=s["port"])), poster=WebhookPoster(retries=0))
    assert result.count("dry_run") == 12 and not s["inbox"].messages and not s["hooks"].requests
    assert not history.table_exists(s["warehouse"], history.HISTORY_TABLE)
    frame = result.frame()
    assert set(frame["status"]) == {"dry_run"} and frame["sent_at"].notna().all()


@pytest.mark.parametrize(("text", "message"), [
    ("labels: {L001: {rules: [{name: a, source: insights, min_prority: 1}]}}",
     "labels.L001.rules[0]: unknown key(s) 'min_prority'"),
    ("labels: {L001: {rules: [{name: a, source: anomalies, kinds: [spikes]}]}}",
     "labels.L001.rules[0].kinds: unknown 'spikes'; choose from spike, drop, missing"),
    ("labels: {L001: {rules: [{name: a, source: tweets}]}}", "labels.L001.rules[0].source: required: one of"),
    ("labels: {L001: {recipients: [not-an-address]}}", "labels.L001.recipients: 'not-an-address' is not an e-mail"),
    ("labels: {L001: {webhooks: [ftp://x]}}", "labels.L001.webhooks: 'ftp://x' is not an http(s) URL"),
    ("labels: {L001: {rules: [{name: a, source: anomalies, min_drop_pct: 150}]}}",
     "labels.L001.rules[0].min_drop_pct: a percentage in (0, 100]"),
    ("labels: {L001: {rules: [{name: a, source: anomalies, min_spike_factor: '3'}]}}",
     "labels.L001.rules[0].min_spike_factor: expected a number"),
    ("labels: {L001: {rules: [{name: a, source: insights}, {name: a, source: anomalies}]}}",
     "labels.L001.rules: rule names must be unique within a label: a"),
    ("labels: {}", "labels: expected a non-empty mapping"),
    ("label: {L001: {}}", "top level: unknown key(s) 'label'"),
])
def test_rule_errors_name_the_place(text: str, message: str) -> None:
    import yaml

    with pytest.raises(RulesError) as err:
        parse_rules(yaml.safe_load(text), "rules.yml")
    assert str(err.value).startswith("rules.yml: ") and message in str(err.value)


def test_rules_file_errors_and_defaults(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("labels: [unclosed")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="cannot read the alert rules"):
        load_rules(tmp_path / "missing.yml")
    monkeypatch.delenv("TM_ALERT_WEBHOOK_URL", raising=False)
    shipped = load_rules()  # the default file: valid, every top-level label, no webhook without the variable
    assert [label.label_id for label in shipped.labels] == ["L001", "L002", "L003", "L004", "L005"]
    assert all(label.include_sub_labels and label.digest and not label.webhooks for label in shipped.labels)
    monkeypatch.setenv("TM_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    assert load_rules().label("L002").webhooks[0].url == "http://127.0.0.1:9/hook"


def test_cli_snooze_run_and_history(setup, tmp_path, monkeypatch, capsys) -> None:
    from orchestration.alerts.__main__ import main

    s = setup
    var = tmp_path / "var"
    (var / "warehouse").mkdir(parents=True)
    Path(s["warehouse"].path).rename(var / "warehouse" / "tunemantra.duckdb")
    for name, value in {"TM_VAR_DIR": str(var), "TM_TARGET": "duckdb", "TM_SMTP_PORT": str(s["port"]),
                        "TM_ALERT_RULES": str(s["rules"]), "TM_ALERT_WEBHOOK_RETRIES": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TM_ALERTS_ENABLED", raising=False)
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert main(["snooze", "--label", "L001", "--rule", "no_such_rule", "--until", until]) == 2
    assert "has no rule 'no_such_rule'" in capsys.readouterr().err
    assert main(["snooze", "--label", "L001", "--rule", "stream_drops", "--until", until]) == 0
    assert main(["run"]) == 0  # TM_ALERTS_ENABLED unset: a dry run
    assert "dry run" in capsys.readouterr().out and not s["inbox"].messages
    assert main(["run", "--send"]) == 1  # L003's webhook fails
    out = capsys.readouterr().out
    assert "snoozed" in out and "8 sent, 2 failed, 2 snoozed" in out
    assert len(s["inbox"].to("ana@northern-pulse.example")) == 3
    assert main(["history", "--label", "L001", "--status", "snoozed"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all("stream_drops" in line and "snoozed" in line for line in lines)


def test_dagster_asset_and_digest_job(setup, tmp_path, monkeypatch) -> None:
    import dagster as dg

    from orchestration.assets.alerts import (
        ALERT_ASSETS,
        ALERT_JOBS,
        ALERT_SCHEDULES,
        alert_deliveries,
        weekly_alert_digest,
    )

    s = setup
    assert list(ALERT_ASSETS) == [alert_deliveries]
    assert list(ALERT_JOBS) == [weekly_alert_digest]
    schedule = ALERT_SCHEDULES[0]
    assert schedule.cron_schedule == "0 7 * * 1" and schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    for name, value in {"TM_VAR_DIR": str(tmp_path / "var"), "TM_SMTP_PORT": str(free_port()),
                        "TM_ALERT_RULES": str(s["rules"]), "TM_ALERT_WEBHOOK_RETRIES": "0",
                        "TM_ALERTS_ENABLED": "1"}.items():
        monkeypatch.setenv(name, value)
    # no SMTP server there: the asset succeeds, the failures are in the history
    result = dg.materialize([alert_deliveries], resources={"warehouse": s["warehouse"]})
    assert result.success
    meta = result.asset_materializations_for_node("alerts__alert_deliveries")[0].metadata
    assert meta["failed"].value == 6 + 2 and meta["sent"].value == 4  # 6 e-mails + L003's 2 webhooks failed
    assert s["warehouse"].scalar("select count(*) from alerts.alert_deliveries") == 12
    monkeypatch.setenv("TM_SMTP_PORT", str(s["port"]))
    digest = weekly_alert_digest.execute_in_process(resources={"warehouse": s["warehouse"]})
    assert digest.success
    assert [m["Subject"].strip() for m in s["inbox"].to("ken@kogen.example")] == [
        "[TuneMantra] Weekly digest: Kōgen Sound, 2026-10-25 to 2026-10-31"]
    assert (tmp_path / "var" / "alerts" / "digests" / "digest_L003_2026-10-31.html").exists()


def test_sub_labels_belong_to_their_parent_only_when_asked(tmp_path) -> None:
    from orchestration.alerts.engine import alerts_for, load_anomalies, load_insights, load_labels

    warehouse = build_warehouse(tmp_path / "wh.duckdb")
    labels, insights, anomalies = load_labels(warehouse), load_insights(warehouse), load_anomalies(warehouse)
    config = parse_rules({"labels": {
        "L001": {"include_sub_labels": False, "rules": [{"name": "all", "source": "insights"}]},
        "L006": {"rules": [{"name": "all", "source": "insights"}]},
        "L003": {"rules": [{"name": "all", "source": "insights", "platforms": ["Spotify"], "territories": ["jp"]}]},
    }})
    found = {label.label_id: sorted(a.payload["item"]["insight_id"] for a in alerts_for(
        label, insights, anomalies, labels)) for label in config.labels}
    assert found == {"L001": ["i1", "i3"], "L006": ["i4"], "L003": ["i2"]}  # i5: outside the 28 days
    with_subs = parse_rules({"labels": {"L001": {"rules": [{"name": "all", "source": "insights",
                                                            "min_confidence": 0.6}]}}}).labels[0]
    assert sorted(a.payload["item"]["insight_id"] for a in alerts_for(with_subs, insights, anomalies, labels)) == [
        "i1", "i4"]


def test_dashboard_paths_become_links_a_mail_client_can_open(monkeypatch) -> None:
    from orchestration.alerts.engine import link

    monkeypatch.delenv("TM_ALERT_LINK_BASE", raising=False)
    assert link("/superset/dashboard/x/?isrc=A") == "http://127.0.0.1:8088/superset/dashboard/x/?isrc=A"
    monkeypatch.setenv("TM_ALERT_LINK_BASE", "https://bi.example/")
    assert link("/superset/d") == "https://bi.example/superset/d"
    assert link("http://superset.local/t") == "http://superset.local/t" and link(None) is None


def test_a_rolling_window_is_not_news_every_day_but_a_new_event_is() -> None:
    from orchestration.alerts.engine import insight_alert

    label = parse_rules({"labels": {"L001": {"rules": [{"name": "r", "source": "insights"}]}}}).labels[0]
    base = dict(zip(INSIGHT_COLS, INSIGHTS[0], strict=True))

    def fp(**changes) -> str:
        return insight_alert({**base, **changes}, label.rules[0], label, "NPR").fingerprint

    # a benchmark gap whose 28-day window moved by a day: the same alert; next month: a reminder
    gap = {"insight_type": "benchmark_deviation", "period_start": "2026-10-03", "period_end": "2026-10-30"}
    assert fp(**gap) == fp(**{**gap, "period_start": "2026-10-04", "period_end": "2026-10-31"})
    assert fp(**gap) != fp(**{**gap, "period_start": "2026-10-05", "period_end": "2026-11-01"})
    # an anomaly is one by its start (it may grow), and a re-scored insight with a new id is the same alert
    assert fp(period_end="2026-10-31", insight_id="new") == fp()
    assert fp(period_start="2026-10-21") != fp()
