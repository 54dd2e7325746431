"""Superset configuration for TuneMantra Analytics.

Loaded by Superset through ``SUPERSET_CONFIG_PATH`` (set by ``infra/superset/run.sh``,
``infra/superset/bootstrap.py`` and ``orchestration/local_superset.py``).

Environment:
  SUPERSET_SECRET_KEY    required; signs sessions and encrypts stored connection secrets.
  SUPERSET_METADATA_URI  optional; Superset's own metadata store
                         (default: sqlite file ``$TM_VAR_DIR/superset/superset.db``).
  TM_VAR_DIR             optional; generated-files root (default: ``<repo>/var``).

Everything stays on this machine: no telemetry pixel, no map tiles, no external fonts.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TM_VAR_DIR = Path(os.environ.get("TM_VAR_DIR") or REPO_ROOT / "var").resolve()
SUPERSET_VAR_DIR = TM_VAR_DIR / "superset"

# --- secrets -------------------------------------------------------------------------------------
SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "")
if not SECRET_KEY:
    raise RuntimeError(
        "SUPERSET_SECRET_KEY is not set. Export a long random value before starting Superset, e.g.\n"
        '  export SUPERSET_SECRET_KEY="$(python -c \'import secrets; print(secrets.token_urlsafe(48))\')"\n'
        "(keep it stable: it encrypts the database connection settings in the metadata store)."
    )

# --- metadata store ------------------------------------------------------------------------------
_metadata_uri = os.environ.get("SUPERSET_METADATA_URI", "")
if not _metadata_uri:
    SUPERSET_VAR_DIR.mkdir(parents=True, exist_ok=True)
    _metadata_uri = f"sqlite:///{SUPERSET_VAR_DIR / 'superset.db'}?check_same_thread=false"
SQLALCHEMY_DATABASE_URI = _metadata_uri
DATA_DIR = str(SUPERSET_VAR_DIR)
UPLOAD_FOLDER = str(SUPERSET_VAR_DIR / "uploads") + "/"

# --- features ------------------------------------------------------------------------------------
# Native filters and cross-filters are always on in Superset >= 4 (the DASHBOARD_NATIVE_FILTERS /
# DASHBOARD_CROSS_FILTERS flags were removed); only flags that still exist in 6.1 are listed.
FEATURE_FLAGS = {
    "ALLOW_FULL_CSV_EXPORT": True,  # table charts: "Export to full .CSV"
    "ENABLE_TEMPLATE_PROCESSING": False,
    "THUMBNAILS": False,  # needs Celery + a browser worker
    "ALERT_REPORTS": False,
    "GLOBAL_ASYNC_QUERIES": False,
    "SSH_TUNNELING": False,
    "ENABLE_SUPERSET_META_DB": False,
    # render every chart at once: the dashboard is small, and screenshots/reports need all charts drawn
    "DASHBOARD_VIRTUALIZATION": False,
    # a dashboard with roles opens for those roles only: the operators' dashboards (datasets of no label) carry
    # Admin (infra/superset/tenancy_roles.py), so tenants do not open a page of refused charts
    "DASHBOARD_RBAC": True,
}
# CSV export (chart menu "Download > Export to .CSV"); the permission is granted by `superset init`.
CSV_EXPORT = {"encoding": "utf-8-sig"}

# --- caches: in-process only (no Redis on the box) ------------------------------------------------
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300, "CACHE_KEY_PREFIX": "tm_"}
# Query results are not cached: the serving copy is replaced after every pipeline build and the
# dashboard must show the new numbers at once.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# FILTER_STATE_CACHE_CONFIG / EXPLORE_FORM_DATA_CACHE_CONFIG keep Superset's default (metadata store).

# --- no outbound traffic -------------------------------------------------------------------------
# The front end renders a telemetry pixel (apachesuperset.gateway.scarf.sh) unconditionally; the
# content security policy below leaves it (and map tiles/fonts from CDNs) out, so the browser never
# requests them.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False
MAPBOX_API_KEY = ""
SLACK_API_TOKEN = None
FAB_API_SWAGGER_UI = False
HTML_SANITIZATION = True

# --- safety --------------------------------------------------------------------------------------
PREVENT_UNSAFE_DB_CONNECTIONS = True
# DuckDB connections get their read-only/locked-down settings from the database's
# extra.engine_params.connect_args (superset_assets/databases/tunemantra_serving.yaml).
SQLLAB_CTAS_NO_LIMIT = False
ROW_LIMIT = 50000
SUPERSET_WEBSERVER_TIMEOUT = 120
SQLLAB_TIMEOUT = 120

# DuckDB allows several connections to one file in a process only with identical settings, and the
# DuckDB engine spec puts USER_AGENT_FUNC(database, source) into them as `custom_user_agent`: leave
# USER_AGENT_FUNC unset (one constant agent), or overlapping dashboard/SQL Lab queries fail with
# "Can't open a connection to same database file with a different configuration".
USER_AGENT_FUNC = None


# --- scheduled reports (Alerts & Reports) ---------------------------------------------------------
# On when a Celery broker is named: TM_SUPERSET_REDIS_URL (Debian's redis-server, e.g. redis://127.0.0.1:6379/0).
# The worker and the beat run beside the web server (`make superset` starts them):
#   celery --app=superset.tasks.celery_app:app worker --pool=solo   /   ... beat
# Each report runs as its owner (Superset's default executor), so the tenant's row-level filters apply to its
# screenshot and CSV. Screenshots: Selenium with Debian's chromium-driver (Playwright's own browsers are never
# downloaded). Mail: TM_SMTP_HOST/PORT/USER/PASSWORD/STARTTLS/MAIL_FROM; no password lives in this file.
_redis_url = os.environ.get("TM_SUPERSET_REDIS_URL", "")
if _redis_url:
    from celery.schedules import crontab

    FEATURE_FLAGS["ALERT_REPORTS"] = True

    class CeleryConfig:
        broker_url = _redis_url
        result_backend = _redis_url
        imports = ("superset.sql_lab", "superset.tasks.scheduler", "superset.tasks.thumbnails",
                   "superset.tasks.cache")
        worker_prefetch_multiplier = 1
        task_acks_late = False
        beat_schedule = {  # noqa: RUF012 - Celery reads the class attribute
            "reports.scheduler": {"task": "reports.scheduler", "schedule": crontab(minute="*", hour="*")},
            "reports.prune_log": {"task": "reports.prune_log", "schedule": crontab(minute=0, hour=0)},
        }

    CELERY_CONFIG = CeleryConfig

SMTP_HOST = os.environ.get("TM_SMTP_HOST", "127.0.0.1")
SMTP_PORT = int(os.environ.get("TM_SMTP_PORT", "25"))
SMTP_STARTTLS = os.environ.get("TM_SMTP_STARTTLS", "false").lower() == "true"
SMTP_SSL = False
SMTP_USER = os.environ.get("TM_SMTP_USER", "")
SMTP_PASSWORD = os.environ.get("TM_SMTP_PASSWORD", "")
SMTP_MAIL_FROM = os.environ.get("TM_SMTP_MAIL_FROM", "reports@tunemantra.invalid")
EMAIL_REPORTS_SUBJECT_PREFIX = "[TuneMantra] "
ALERT_REPORTS_NOTIFICATION_DRY_RUN = False

WEBDRIVER_TYPE = "chrome"
WEBDRIVER_OPTION_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--hide-scrollbars", "--disable-extensions"]
WEBDRIVER_CONFIGURATION = {
    "options": {"capabilities": {}, "preferences": {}},
    "service": {"executable_path": os.environ.get("TM_CHROMEDRIVER", "/usr/bin/chromedriver"),
                "log_output": "/dev/null", "service_args": [], "port": 0, "env": {}},
}
# where the screenshot browser reaches this server, and the link the e-mail carries
WEBDRIVER_BASEURL = os.environ.get("TM_SUPERSET_URL", "http://127.0.0.1:8088/")
WEBDRIVER_BASEURL_USER_FRIENDLY = os.environ.get("TM_SUPERSET_PUBLIC_URL", WEBDRIVER_BASEURL)


# --- audit log: logins, exports, permission changes (infra/superset/audit.py) ----------------------
sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import AuditEventLogger  # noqa: E402
from audit import install as _install_audit  # noqa: E402

EVENT_LOGGER = AuditEventLogger()


def FLASK_APP_MUTATOR(app):
    _install_audit(app)


# --- misc ----------------------------------------------------------------------------------------
APP_NAME = "TuneMantra Analytics"
SHOW_STACKTRACE = False
WTF_CSRF_ENABLED = True
SESSION_COOKIE_SAMESITE = "Lax"
