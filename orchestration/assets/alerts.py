"""Alerts to people in the Dagster graph (orchestration/alerts/): the asset that runs the rules after each pipeline
run, and the weekly digest job with its schedule.

* ``alert_deliveries`` (``ml/alert_deliveries``, after ``ml/insights`` and ``ml/stream_anomalies``): evaluates every
  label's rules and delivers what is new; its table holds this run's decisions. Never fails the pipeline over a
  delivery: an unreachable SMTP server or webhook is a ``failed`` row in ``alerts.alert_history`` (tried again on the
  next run). Without ``TM_ALERTS_ENABLED`` nothing is sent (status ``dry_run``). A broken rules file does fail
  it: silently alerting nobody is worse.
* ``weekly_alert_digest`` (a job of one op, not an asset, so that ``full_pipeline``, which selects every asset,
  never sends digests): every label's digest of the week; ``weekly_alert_digest_schedule`` runs it Mondays at
  07:00 UTC, stopped by default like ``usage_daily_schedule``.

The lead registers ``ALERT_ASSETS``, ``ALERT_JOBS`` and ``ALERT_SCHEDULES`` in orchestration/definitions.py.
"""

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

DELIVERIES_TABLE = "alert_deliveries"


@dg.asset(
    key=["alerts", DELIVERIES_TABLE],
    group_name="alerts",
    kinds={"email", target_kind()},
    deps=[dg.AssetKey(["ml", "insights"]), dg.AssetKey(["ml", "stream_anomalies"]),
          dg.AssetKey(["marts", "dim_track"]), dg.AssetKey(["marts", "dim_label"])],
    description="Per-label alert rules (infra/alerts/alert_rules.yml) over the insights and stream anomalies, "
                "delivered by e-mail and webhook once each (TM_ALERTS_ENABLED), snoozes honoured; this run's "
                "decisions, the full record in alerts.alert_history.",
)
def alert_deliveries(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from orchestration.alerts import alerts_enabled
    from orchestration.alerts.engine import run_alerts
    from orchestration.alerts.rules import load_rules

    config = load_rules()
    enabled = alerts_enabled()
    result = run_alerts(warehouse, config, enabled=enabled)
    rows = warehouse.create_table_as("alerts", DELIVERIES_TABLE, "select * from {deliveries}",
                                     {"deliveries": result.frame()})
    counts = {status: result.count(status)
              for status in ("sent", "failed", "snoozed", "suppressed_duplicate", "dry_run")}
    if counts["failed"]:
        errors = sorted({d[8] for d in result.decisions if d[5] == "failed"})
        context.log.warning(f"{counts['failed']} alert deliveries failed (kept in alerts.alert_history, tried again "
                            f"next run): {'; '.join(errors[:3])}")
    say(f"  alerts: {'delivering' if enabled else 'dry run (TM_ALERTS_ENABLED unset)'}: "
        + ", ".join(f"{v} {k}" for k, v in counts.items() if v) if rows else "  alerts: nothing to alert on")
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "enabled": enabled, "rules_file": config.path,
                                          "run_id": result.run_id, **counts})


@dg.op(description="Every label's weekly digest (HTML) by e-mail and webhook, once per week and recipient.")
def send_weekly_digests(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> dg.Output:
    from orchestration.alerts import alerts_enabled
    from orchestration.alerts.digest import run_digests
    from orchestration.alerts.rules import load_rules

    settings = get_settings()
    enabled = alerts_enabled()
    run = run_digests(warehouse, load_rules(), enabled=enabled, out_dir=settings.var_dir / "alerts" / "digests")
    counts = {status: run.count(status) for status in ("sent", "failed", "snoozed", "suppressed_duplicate",
                                                       "dry_run")}
    if counts["failed"]:
        context.log.warning(f"{counts['failed']} digest deliveries failed (kept in alerts.alert_history)")
    week = f"{run.digests[0].week_start} to {run.digests[0].week_end}" if run.digests else "-"
    return dg.Output(len(run.digests), metadata={"digests": len(run.digests), "week": week, "enabled": enabled,
                                                 "files": ", ".join(str(p) for p in run.files), **counts})


@dg.job(description="The weekly digest per label: top insights and stream anomalies of the week, as HTML by e-mail "
                    "and webhook (orchestration/alerts/digest.py).", executor_def=dg.in_process_executor)
def weekly_alert_digest() -> None:
    send_weekly_digests()

weekly_alert_digest_schedule = dg.ScheduleDefinition(
    name="weekly_alert_digest_schedule", job=weekly_alert_digest, cron_schedule="0 7 * * 1",
    execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Mondays at 07:00 UTC: the weekly digest per label.",
)

ALERT_ASSETS = [alert_deliveries]
ALERT_JOBS = [weekly_alert_digest]
ALERT_SCHEDULES = [weekly_alert_digest_schedule]

__all__ = ["ALERT_ASSETS", "ALERT_JOBS", "ALERT_SCHEDULES", "alert_deliveries", "send_weekly_digests",
           "weekly_alert_digest", "weekly_alert_digest_schedule"]
