#!/usr/bin/env bash
# Start Apache Superset on the serving copy of the warehouse (what `make superset` runs).
#
#   infra/superset/run.sh [--serving-path PATH | PATH]
#
# Environment:
#   TM_VAR_DIR               generated files (default <repo>/var); Superset keeps its state in $TM_VAR_DIR/superset
#   TM_SERVING_PATH          serving DuckDB (default $TM_VAR_DIR/serving/tunemantra_serving.duckdb;
#                            an argument wins)
#   SUPERSET_PORT            default 8088 (bound to 127.0.0.1 only)
#   SUPERSET_SECRET_KEY, SUPERSET_ADMIN_USER, SUPERSET_ADMIN_PASSWORD
#                            taken from the environment when set; otherwise generated once and kept in
#                            $TM_VAR_DIR/superset/credentials.json (mode 0600) so restarts match the store
#   SUPERSET_METADATA_URI    optional metadata store (default sqlite under $TM_VAR_DIR/superset)
#   TM_SUPERSET_REPORTS=1    also send the scheduled reports (infra/superset/reports.yml): starts Debian's
#                            redis-server (TM_REDIS_PORT, default 6379, 127.0.0.1), a Celery worker and beat, and
#                            stops them by PID when Superset stops. Needs a PostgreSQL SUPERSET_METADATA_URI (the
#                            Celery path fails on SQLite, apache/superset#31625) and TM_SMTP_HOST/PORT (mail relay).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
export TM_VAR_DIR="${TM_VAR_DIR:-$REPO/var}"
SERVING_PATH="${TM_SERVING_PATH:-$TM_VAR_DIR/serving/tunemantra_serving.duckdb}"

while [ $# -gt 0 ]; do
    case "$1" in
        --serving-path) SERVING_PATH="$2"; shift 2 ;;
        --serving-path=*) SERVING_PATH="${1#*=}"; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) SERVING_PATH="$1"; shift ;;
    esac
done

# Superset's own environment (separate from the core one; see infra/superset/pyproject.toml)
if command -v uv >/dev/null 2>&1; then
    uv sync --frozen --quiet --project "$HERE"
elif [ ! -x "$HERE/.venv/bin/superset" ]; then
    echo "run.sh: $HERE/.venv is missing and uv is not on PATH (uv sync --frozen --project infra/superset)" >&2
    exit 1
fi
PY="$HERE/.venv/bin/python"

mkdir -p "$TM_VAR_DIR/superset"
export SUPERSET_CONFIG_PATH="$HERE/superset_config.py"
export SUPERSET_HOME="$TM_VAR_DIR/superset"
export FLASK_APP=superset
unset FLASK_DEBUG PYTHONPATH PYTHONHOME VIRTUAL_ENV

# secret key and admin login: environment first, else the ones generated for this var dir
eval "$("$PY" - "$TM_VAR_DIR/superset/credentials.json" <<'PY'
import json, os, secrets, shlex, sys
path = sys.argv[1]
stored = {}
if os.path.exists(path):
    with open(path) as fh:
        stored = json.load(fh)
creds = {
    "SUPERSET_SECRET_KEY": os.environ.get("SUPERSET_SECRET_KEY") or stored.get("SUPERSET_SECRET_KEY")
    or secrets.token_urlsafe(48),
    "SUPERSET_ADMIN_USER": os.environ.get("SUPERSET_ADMIN_USER") or stored.get("SUPERSET_ADMIN_USER") or "admin",
    "SUPERSET_ADMIN_PASSWORD": os.environ.get("SUPERSET_ADMIN_PASSWORD") or stored.get("SUPERSET_ADMIN_PASSWORD")
    or secrets.token_urlsafe(16),
}
if creds != stored:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(creds, fh)
for key, value in creds.items():
    print(f"export {key}={shlex.quote(value)}")
PY
)"

"$PY" "$HERE/bootstrap.py" --serving-path "$SERVING_PATH" >/dev/null

PORT="${SUPERSET_PORT:-8088}"
if [ "${TM_SUPERSET_REPORTS:-0}" = "1" ]; then
    case "${SUPERSET_METADATA_URI:-}" in
        postgresql*) ;;
        *) echo "run.sh: TM_SUPERSET_REPORTS=1 needs a PostgreSQL SUPERSET_METADATA_URI (apache/superset#31625)" >&2
           exit 2 ;;
    esac
    REDIS_PORT="${TM_REDIS_PORT:-6379}"
    export TM_SUPERSET_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" TM_SUPERSET_URL="http://127.0.0.1:$PORT/"
    PIDS=()
    stop_all() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
    trap stop_all EXIT INT TERM
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --dir "$TM_VAR_DIR/superset" \
        > "$TM_VAR_DIR/superset/redis.log" 2>&1 & PIDS+=($!)
    CELERY=("$HERE/.venv/bin/celery" --app=superset.tasks.celery_app:app)
    "${CELERY[@]}" worker --pool=solo --loglevel=INFO > "$TM_VAR_DIR/superset/celery-worker.log" 2>&1 & PIDS+=($!)
    "${CELERY[@]}" beat --schedule "$TM_VAR_DIR/superset/celerybeat-schedule" \
        > "$TM_VAR_DIR/superset/celery-beat.log" 2>&1 & PIDS+=($!)
fi
echo "Superset: http://127.0.0.1:$PORT/superset/dashboard/performance-overview/"
echo "  login: $SUPERSET_ADMIN_USER (password: \$SUPERSET_ADMIN_PASSWORD or $TM_VAR_DIR/superset/credentials.json)"
if [ "${TM_SUPERSET_REPORTS:-0}" = "1" ]; then
    "$HERE/.venv/bin/superset" run -h 127.0.0.1 -p "$PORT" --with-threads
else
    exec "$HERE/.venv/bin/superset" run -h 127.0.0.1 -p "$PORT" --with-threads
fi
