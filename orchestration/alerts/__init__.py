"""Alerts to people: per-label rules over ``ml.insights`` and ``ml.stream_anomalies``, delivered by e-mail and
webhook once each, with snoozes, a history, and a weekly HTML digest per label.

* rules.py: the rules file (``TM_ALERT_RULES``, default infra/alerts/alert_rules.yml), validated on load;
* engine.py: which items alert for which label, the fingerprints, the delivery decisions;
* delivery.py: SMTP (``TM_SMTP_HOST``/``TM_SMTP_PORT``, default 127.0.0.1:1025) and signed JSON webhooks;
* history.py: ``alerts.alert_history`` and ``alerts.alert_snoozes``;
* digest.py: the weekly digest;
* ``python -m orchestration.alerts``: run / digest / snooze / history / check.

Nothing leaves the machine unless ``TM_ALERTS_ENABLED`` is set (1/true/yes): without it the pipeline's asset
and the digest job still evaluate the rules and write what would go to ``alerts.alert_deliveries`` (status
``dry_run``; the digests as HTML files under ``<var>/alerts/digests``), and the history stays untouched, so
turning alerts on later delivers what is recent then, not a backlog of dry runs.
"""

from __future__ import annotations

import os


def alerts_enabled() -> bool:
    return (os.environ.get("TM_ALERTS_ENABLED") or "").strip().lower() in ("1", "true", "yes", "on")
