"""Scheduled reports through Superset's Alerts & Reports, end to end: the bootstrap creates the weekly schedules of
infra/superset/reports.yml; a Celery worker (broker: Debian's redis-server) executes them, takes the dashboard's
screenshot with chromium-driver and mails it to a local SMTP server on 127.0.0.1. Each report runs as its owner,
a tenant's user, so the CSV holds that tenant's rows only (checked against the serving copy).

Superset's metadata lives in PostgreSQL here: the Celery path does not work on a SQLite store
(apache/superset#31625). The schedules are weekly; the test sends each one at once with ``reports.execute``, the
task the beat's ``reports.scheduler`` sends when a schedule is due."""

from __future__ import annotations

import csv
import io
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration import tenancy
from orchestration.local_superset import REPO_ROOT, SUPERSET_BIN, SupersetServer, start_superset
from orchestration.processes import free_port, stop_process
from tests.support.mail_and_hooks import Inbox, local_smtp
from tests.support.redis_server import redis_server
from tests.support.superset_postgres import fresh_database

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
CELERY = [str(SUPERSET_BIN.parent / "celery"), "--app=superset.tasks.celery_app:app"]


class Reporting:
    def __init__(self, server: SupersetServer, inbox: Inbox, var_dir: Path) -> None:
        self.server, self.inbox, self.var_dir = server, inbox, var_dir

    def send_now(self, report_id: int) -> None:
        """Queue ``reports.execute`` for the schedule, as the beat does when it is due (``countdown`` gives the
        task the scheduled time it reads)."""
        proc = subprocess.run([*CELERY, "call", "reports.execute", f"--args=[{report_id}]", "--countdown", "1"],
                              cwd=REPO_ROOT, env=self.server.env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def wait_for(self, address: str, subject: str, timeout: float = 300) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.inbox.to(address) if subject in str(m["Subject"])]
            if found:
                return found[-1]
            time.sleep(1)
        worker_log = (self.var_dir / "celery-worker.log").read_text(errors="replace")[-6000:]
        raise AssertionError(f"no mail {subject!r} to {address} after {timeout:.0f}s; "
                             f"inbox: {[(r, str(m['Subject'])) for r, m in self.inbox.messages]}\n{worker_log}")


@pytest.fixture(scope="module")
def reporting(postgres: Any, pipeline_run: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reporting]:
    var_dir = tmp_path_factory.mktemp("superset_reports")
    port = free_port()
    with redis_server(var_dir / "redis") as broker, local_smtp() as (inbox, smtp_port):
        env = {"SUPERSET_METADATA_URI": fresh_database(postgres, "tm_reports_metadata"),
               "TM_SUPERSET_REDIS_URL": broker, "TM_SMTP_HOST": "127.0.0.1", "TM_SMTP_PORT": str(smtp_port),
               "TM_SUPERSET_URL": f"http://127.0.0.1:{port}/"}
        server = start_superset(pipeline_run.serving_path, var_dir, port, extra_env=env)
        log = open(var_dir / "celery-worker.log", "ab")  # noqa: SIM115 - closed below
        worker = subprocess.Popen([*CELERY, "worker", "--pool=solo", "--loglevel=INFO", "--without-mingle",
                                   "--without-gossip"], cwd=REPO_ROOT, env=server.env, stdout=log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            yield Reporting(server, inbox, var_dir)
        finally:
            stop_process(worker, timeout=30)
            log.close()
            server.stop()


def _attachments(message: Any) -> dict[str, tuple[str, bytes]]:
    """{filename or content id: (content type, bytes)} of every non-text part."""
    out = {}
    for part in message.walk():
        if part.get_content_maintype() in ("multipart", "text"):
            continue
        name = part.get_filename() or str(part.get("Content-ID", "")).strip("<>")
        out[name] = (part.get_content_type(), part.get_payload(decode=True))
    return out


def _tenant_truth(serving_path: Path, tenant: str) -> tuple[set[str], list[int]]:
    """The tenant's label names, and the streams of the top 20 (track, artist, label) rows the chart shows."""
    with duckdb.connect(str(serving_path), read_only=True) as con:
        labels = [dict(zip(("label_key", "label_id", "parent_label_id", "distributor_name", "label_name"), r,
                           strict=True))
                  for r in con.execute("SELECT label_key, label_id, parent_label_id, distributor_name, label_name "
                                       "FROM marts.dim_label").fetchall()]
        keys = tenancy.label_keys(tenancy.load().tenant(tenant), labels)
        top = con.execute(f"""
            SELECT sum(streams) FROM marts.rpt_performance_overview
            WHERE label_key IN ({', '.join('?' * len(keys))})
            GROUP BY track_title, artist_name, label_name ORDER BY 1 DESC LIMIT 20""", keys).fetchall()
    return {lb["label_name"] for lb in labels if lb["label_key"] in keys}, [int(s) for (s,) in top]


def test_weekly_schedules_are_created_from_the_config(reporting: Reporting) -> None:
    reports = reporting.server.bootstrap_summary["reports"]
    assert set(reports) == {"Northern Pulse - weekly performance", "Northern Pulse - weekly top tracks (CSV)",
                            "Northern Pulse - weekly performance (PDF)", "Kogen Sound - weekly performance"}
    first = reports["Northern Pulse - weekly performance"]
    assert first["crontab"] == "0 7 * * 1" and first["owner"] == "northern_pulse_analyst"
    assert first["recipients"] == ["analyst@northernpulse.invalid"]


def test_the_dashboard_image_and_the_csv_arrive_by_mail(reporting: Reporting, pipeline_run: Any) -> None:
    reports = reporting.server.bootstrap_summary["reports"]
    reporting.send_now(reports["Northern Pulse - weekly top tracks (CSV)"]["id"])
    reporting.send_now(reports["Northern Pulse - weekly performance"]["id"])
    reporting.send_now(reports["Northern Pulse - weekly performance (PDF)"]["id"])

    csv_mail = reporting.wait_for("analyst@northernpulse.invalid", "weekly top tracks (CSV)")
    (_content_type, payload), = [v for k, v in _attachments(csv_mail).items() if k.endswith(".csv")]
    rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))
    label_names, top_streams = _tenant_truth(pipeline_run.serving_path, "northern_pulse")
    assert rows and {"Track", "Artist", "Label", "Streams"} <= set(rows[0]), rows[:1]  # the columns as shown
    assert {r["Label"] for r in rows} <= label_names  # the owner's rows only
    assert [int(float(r["Streams"])) for r in rows] == top_streams

    image_mail = reporting.wait_for("analyst@northernpulse.invalid", "Northern Pulse - weekly performance")
    images = [v for v in _attachments(image_mail).values() if v[0] == "image/png"]
    assert images, [k for k in _attachments(image_mail)]
    png = images[0][1]
    (reporting.var_dir / "weekly_performance.png").write_bytes(png)  # kept with the run's files, to look at
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 30_000  # a drawn dashboard, not an error page
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= 1000 and height >= 800, (width, height)

    pdf_mail = reporting.wait_for("ceo@northernpulse.invalid", "weekly performance (PDF)")
    pdfs = [v for k, v in _attachments(pdf_mail).items() if k.endswith(".pdf")]
    assert pdfs and pdfs[0][1].startswith(b"%PDF") and len(pdfs[0][1]) > 20_000
