"""The audit log: who logged in (or failed to), who exported data, and every change of who may see what, one JSON
object per line in ``$TM_VAR_DIR/superset/audit.jsonl`` (``TM_AUDIT_LOG`` to put it elsewhere; append-only).

Hooked into Superset by superset_config.py:
* logins: FAB's ``update_user_auth_stat``, which every password login passes through (the form and
  ``/api/v1/security/login``), successful or not;
* exports: the event logger (``EVENT_LOGGER``) sees every chart-data request; one asking for CSV or Excel, a
  dashboard or chart export, or a SQL Lab result download is an export;
* permission changes: after every flush of Superset's session, users whose roles or active flag changed, roles
  created, renamed or given other permissions, row-level filters created, changed or deleted, and users created or
  deleted; whoever made the change (the request's user, or the bootstrap) is recorded.

Superset's own ``logs`` table keeps its full event stream as before; this file is the short, readable record an
auditor asks for. Each line: ``ts`` (UTC, ISO 8601), ``event``, ``user``, ``ip``, ``details``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from superset.utils.log import DBEventLogger

_LOCK = threading.Lock()
EXPORT_FORMATS = {"csv", "xlsx"}


def audit_path() -> Path:
    explicit = os.environ.get("TM_AUDIT_LOG")
    if explicit:
        return Path(explicit)
    var_dir = Path(os.environ.get("TM_VAR_DIR") or Path(__file__).resolve().parents[2] / "var")
    return var_dir / "superset" / "audit.jsonl"


def _request_facts() -> tuple[str | None, str | None]:
    """(the request's user, its client address), when there is a request."""
    try:
        from flask import g, has_request_context, request

        if not has_request_context():
            return None, None
        user = getattr(g, "user", None)
        name = getattr(user, "username", None)
        return name, request.remote_addr  # not X-Forwarded-For: a client could write anything there
    except Exception:
        return None, None


def record(event: str, user: str | None, details: dict[str, Any], ip: str | None = None) -> None:
    line = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "event": event, "user": user,
            "ip": ip if ip is not None else _request_facts()[1], "details": details}
    path = audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(line, sort_keys=True, default=str) + "\n").encode("utf-8")
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


# --- exports --------------------------------------------------------------------------------------------------


def export_format(action: str, payload: dict[str, Any]) -> str | None:
    """The format when this logged action is an export, else None."""
    fmt = str(payload.get("result_format") or payload.get("format") or "").lower()
    if action.endswith(".data") and fmt in EXPORT_FORMATS:
        return fmt
    if action.endswith(".export") or action.endswith("export_csv") or "csv" in action.lower():
        return fmt or "bundle"
    return None


class AuditEventLogger(DBEventLogger):
    """Superset's database event logger, plus an audit line for every export."""

    def log(self, user_id: int | None, action: str, dashboard_id: int | None, duration_ms: int | None,
            slice_id: int | None, referrer: str | None, *args: Any, **kwargs: Any) -> None:
        super().log(user_id, action, dashboard_id, duration_ms, slice_id, referrer, *args, **kwargs)
        try:
            for payload in kwargs.get("records") or []:
                fmt = export_format(action, payload)
                if fmt is None:
                    continue
                user, ip = _request_facts()
                queries = payload.get("queries") or [{}]
                record("export", user, {"action": action, "format": fmt, "path": payload.get("path"),
                                        "slice_id": slice_id or payload.get("slice_id"),
                                        "dashboard_id": dashboard_id or payload.get("dashboard_id"),
                                        "datasource": (payload.get("datasource") or {}).get("id")
                                        if isinstance(payload.get("datasource"), dict) else payload.get("datasource"),
                                        "row_limit": queries[0].get("row_limit") if queries else None}, ip)
        except Exception:
            import logging

            logging.getLogger(__name__).exception("audit: export not recorded")


# --- logins and permission changes -----------------------------------------------------------------------------


def _on_auth_stat(original: Any) -> Any:
    def update_user_auth_stat(user: Any, success: bool = True) -> Any:
        record("login" if success else "login_failed", getattr(user, "username", None), {})
        return original(user, success)

    return update_user_auth_stat


def _changes(session: Any) -> list[dict[str, Any]]:
    import sqlalchemy as sa
    from flask_appbuilder.security.sqla.models import Role, User

    try:
        from superset.connectors.sqla.models import RowLevelSecurityFilter
    except ImportError:  # pragma: no cover
        RowLevelSecurityFilter = ()

    def changed(obj: Any, attrs: tuple[str, ...]) -> list[str]:
        state = sa.inspect(obj)
        return [a for a in attrs if a in state.attrs and state.attrs[a].history.has_changes()]

    out = []
    for kind, objects in (("created", session.new), ("updated", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            if isinstance(obj, User):
                what = changed(obj, ("roles", "active")) if kind == "updated" else ["roles"]
                if what:
                    out.append({"object": "user", "name": obj.username, "change": kind, "fields": what,
                                "roles": sorted(r.name for r in (obj.roles or []))})
            elif isinstance(obj, Role):
                what = changed(obj, ("name", "permissions")) if kind == "updated" else ["permissions"]
                if what:
                    out.append({"object": "role", "name": obj.name, "change": kind, "fields": what,
                                "permissions": len(obj.permissions or [])})
            elif RowLevelSecurityFilter and isinstance(obj, RowLevelSecurityFilter):
                what = (changed(obj, ("clause", "roles", "tables", "filter_type", "group_key"))
                        if kind == "updated" else ["clause"])
                if what:
                    out.append({"object": "row_level_filter", "name": obj.name, "change": kind, "fields": what,
                                "roles": sorted(r.name for r in (obj.roles or []))})
    return out


def install(app: Any) -> None:
    """Hook the audit into a Superset app (superset_config.FLASK_APP_MUTATOR)."""
    import sqlalchemy as sa
    from superset.extensions import db

    sm = app.appbuilder.sm
    if not getattr(sm, "_tm_audited", False):
        sm.update_user_auth_stat = _on_auth_stat(sm.update_user_auth_stat)
        sm._tm_audited = True

    @sa.event.listens_for(db.session, "after_flush")
    def _permission_changes(session: Any, _context: Any) -> None:
        try:
            changes = _changes(session)
        except Exception:
            import logging

            logging.getLogger(__name__).exception("audit: permission change not recorded")
            return
        user, ip = _request_facts()
        for change in changes:
            if user is None:
                _hold(change)  # a command's (the bootstrap's `superset init`: one flush per permission) change
            else:
                record("permission_change", user, change, ip)


# Changes made outside a request (the bootstrap, `superset init`, the CLI) come one flush per permission: they are
# gathered per object and written once, with how many flushes touched it, when the process ends.
_HELD: dict[tuple[str, str, str], dict[str, Any]] = {}


def _hold(change: dict[str, Any]) -> None:
    key = (change["object"], change["name"], change["change"])
    with _LOCK:
        if not _HELD:
            import atexit

            atexit.register(flush_held)
        held = _HELD.get(key)
        fields = sorted(set(change["fields"]) | set(held["fields"] if held else []))
        _HELD[key] = {**change, "fields": fields, "flushes": (held["flushes"] if held else 0) + 1}


def flush_held() -> None:
    with _LOCK:
        held = list(_HELD.values())
        _HELD.clear()
    actor = os.environ.get("TM_AUDIT_ACTOR", "system")
    for change in held:
        record("permission_change", actor, change, None)
