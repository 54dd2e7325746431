"""Superset's side of the scheduled reports (infra/superset/reports.yml): one Alerts & Reports schedule per entry,
owned by a user of the tenancy so that it runs as that user (``ALERT_REPORTS_EXECUTORS`` = owner) and its image,
PDF or CSV carries that tenant's rows only. Called by bootstrap.py after the tenancy; idempotent (matched by name:
a re-run updates the schedule and its recipients in place). Schedules no longer in the file are left alone: a
user may have made them in the UI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CONFIG = HERE / "reports.yml"
FORMATS = ("PNG", "PDF", "CSV")


class ReportConfigError(ValueError):
    pass


def load(path: Path = DEFAULT_CONFIG) -> list[dict[str, Any]]:
    """The report entries with their defaults applied, checked: a known format, one dashboard or one chart, CSV
    for charts only."""
    import yaml

    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    defaults = doc.get("defaults") or {}
    out, names = [], set()
    for raw in doc.get("reports") or []:
        entry = {**defaults, **raw}
        name = str(entry.get("name") or "")
        if not name or name in names:
            raise ReportConfigError(f"{path}: every report needs a unique name ({name!r})")
        names.add(name)
        if entry.get("format") not in FORMATS:
            raise ReportConfigError(f"{path}: {name}: format {entry.get('format')!r} (one of {', '.join(FORMATS)})")
        if bool(entry.get("dashboard")) == bool(entry.get("chart")):
            raise ReportConfigError(f"{path}: {name}: name a dashboard or a chart, not both")
        if entry["format"] == "CSV" and not entry.get("chart"):
            raise ReportConfigError(f"{path}: {name}: a CSV is a chart's data: name a chart")
        if not entry.get("owner") or not entry.get("crontab"):
            raise ReportConfigError(f"{path}: {name}: needs an owner and a crontab")
        out.append(entry)
    return out


def apply_reports(db: Any, security_manager: Any, config_path: Path | None = None) -> dict[str, Any]:
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice
    from superset.reports.models import (
        ReportCreationMethod,
        ReportRecipients,
        ReportRecipientType,
        ReportSchedule,
        ReportScheduleType,
    )

    summary: dict[str, Any] = {}
    for entry in load(config_path or DEFAULT_CONFIG):
        owner = security_manager.find_user(username=entry["owner"])
        if owner is None:
            raise ReportConfigError(f"report {entry['name']!r}: owner {entry['owner']!r} is not a user "
                                    "(infra/tenancy.yml)")
        dashboard = chart = None
        if entry.get("dashboard"):
            dashboard = db.session.query(Dashboard).filter_by(slug=entry["dashboard"]).one_or_none()
            if dashboard is None:
                raise ReportConfigError(f"report {entry['name']!r}: no dashboard {entry['dashboard']!r}")
        else:
            slug, _, chart_name = entry["chart"].partition("/")
            board = db.session.query(Dashboard).filter_by(slug=slug).one_or_none()
            chart = next((s for s in (board.slices if board else []) if s.slice_name == chart_name), None)
            if chart is None:
                raise ReportConfigError(f"report {entry['name']!r}: no chart {entry['chart']!r}")
            chart = db.session.query(Slice).get(chart.id)
        schedule = db.session.query(ReportSchedule).filter_by(name=entry["name"]).one_or_none()
        if schedule is None:
            schedule = ReportSchedule(name=entry["name"], type=ReportScheduleType.REPORT,
                                      creation_method=ReportCreationMethod.ALERTS_REPORTS)
            db.session.add(schedule)
        source = entry.get("dashboard") or entry["chart"]
        schedule.description = entry.get("description") or f"{entry['format']} of {source}"
        schedule.crontab = entry["crontab"]
        schedule.timezone = entry.get("timezone") or "UTC"
        schedule.report_format = entry["format"]
        schedule.dashboard = dashboard
        schedule.chart = chart
        schedule.active = bool(entry.get("active", True))
        schedule.owners = [owner]
        schedule.working_timeout = int(entry.get("working_timeout", 600))
        schedule.force_screenshot = entry["format"] != "CSV"
        recipients = entry.get("recipients") or [owner.email]
        schedule.recipients = [ReportRecipients(type=ReportRecipientType.EMAIL,
                                                recipient_config_json=json.dumps({"target": ",".join(recipients)}))]
        db.session.flush()
        summary[entry["name"]] = {"id": schedule.id, "owner": owner.username, "format": entry["format"],
                                  "crontab": schedule.crontab, "recipients": recipients}
    db.session.commit()
    return summary
