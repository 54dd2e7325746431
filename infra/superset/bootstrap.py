"""Bootstrap Superset for TuneMantra Analytics: metadata store, admin user, roles, dashboard bundle.

Runs inside Superset's own environment (infra/superset/.venv), never the core one:

    infra/superset/.venv/bin/python infra/superset/bootstrap.py --serving-path var/serving/warehouse.duckdb

Environment (read here or by superset_config.py):
    SUPERSET_SECRET_KEY                         required
    SUPERSET_ADMIN_USER, SUPERSET_ADMIN_PASSWORD required (the admin is created once, never changed)
    SUPERSET_METADATA_URI                       optional (default sqlite under $TM_VAR_DIR/superset/)
    TM_VAR_DIR                                  optional (default <repo>/var)

Steps, all idempotent and done in one process (one Superset app start, ~4 s, instead of one per CLI call):
  1. `superset db upgrade`  - only when the metadata store is not at the migration head;
  2. `superset init`        - only when the Superset version / migration head / store changed since
                              the last successful bootstrap (recorded in
                              $TM_VAR_DIR/superset/bootstrap_state.json) or the built-in roles are missing;
  3. `superset fab create-admin` - skipped when the user exists;
  4. builds <var>/superset/bundle.zip from superset_assets/ (rendered by `python -m superset_assets.build`) with
     the serving DuckDB's absolute path (and, with --postgres-uri, the PostgreSQL warehouse's URI) substituted,
     every chart and native filter pointed at the datasets of --connection, and imports it.
     `superset import-dashboards -p bundle.zip -u <admin>` only overwrites
     the dashboard itself (databases, datasets and charts that already exist are left as they were), so
     the bundle is imported with the same import commands that CLI uses, with overwrite=True for each
     kind (database, datasets, charts, dashboard), in one transaction. UUIDs are stable, so a re-run
     updates in place.
  5. fills, on every dashboard, each native filter's and each chart's cross-filter `chartsInScope` with the
     real chart ids (the importer maps `scope.excluded` but not `chartsInScope`, apache/superset#26338) and
     checks every dashboard came out whole.
  6. creates the tenancy (infra/tenancy.yml): a role and a row-level filter per tenant, the users
     (infra/superset/tenancy_roles.py).
  7. creates or updates the scheduled reports of infra/superset/reports.yml, each owned by a tenancy user
     (infra/superset/report_schedules.py); Celery sends them when TM_SUPERSET_REDIS_URL names a broker.

Prints a JSON summary (ids by UUID, counts, timings) as the only output on stdout (logs go to stderr),
and writes it to --summary-json when given. Exit status 2 on a usage/config problem, 1 on a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import os
import sys
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
DEFAULT_ASSETS = REPO_ROOT / "superset_assets"
BUNDLE_ROOT = "tunemantra_bundle"
SERVING_PLACEHOLDER = "{{ serving_path }}"
POSTGRES_PLACEHOLDER = "{{ postgres_uri }}"
CONNECTIONS = ("duckdb", "postgres")
# bump when the meaning of the state file changes
STATE_FORMAT = 1

log = logging.getLogger("tm.superset.bootstrap")


class BootstrapError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------------------
# environment


def _prepare_environment() -> Path:
    """Set the variables Superset reads at import time; return the var dir for Superset."""
    for name in ("SUPERSET_SECRET_KEY", "SUPERSET_ADMIN_USER", "SUPERSET_ADMIN_PASSWORD"):
        if not os.environ.get(name):
            raise BootstrapError(f"{name} is not set (see infra/superset/run.sh for the variables)")
    var_dir = Path(os.environ.get("TM_VAR_DIR") or REPO_ROOT / "var").resolve()
    os.environ["TM_VAR_DIR"] = str(var_dir)
    superset_var = var_dir / "superset"
    superset_var.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SUPERSET_CONFIG_PATH", str(HERE / "superset_config.py"))
    os.environ.setdefault("SUPERSET_HOME", str(superset_var))
    os.environ.setdefault("FLASK_APP", "superset")
    os.environ.setdefault("SUPERSET_LOAD_EXAMPLES", "no")
    os.environ.setdefault("TM_AUDIT_ACTOR", "bootstrap")  # who made the permission changes, in the audit log
    return superset_var


# --------------------------------------------------------------------------------------------------
# bundle


def build_bundle(assets_dir: Path, serving_path: Path, *, postgres_uri: str | None = None,
                 connection: str = "duckdb") -> tuple[bytes, dict[str, str]]:
    """Render superset_assets/ into an import bundle (zip bytes) and the import `contents` mapping.

    The DuckDB database is always registered; the PostgreSQL one (and its copies of the datasets) only with
    ``postgres_uri``. Charts and native filters name the DuckDB datasets in the bundle; with ``connection`` =
    postgres they are pointed at the PostgreSQL copies of the same tables."""
    import yaml  # Superset's environment has PyYAML

    if not (assets_dir / "metadata.yaml").is_file():
        raise BootstrapError(f"{assets_dir} has no metadata.yaml: not an asset bundle")
    if connection not in CONNECTIONS:
        raise BootstrapError(f"unknown connection {connection!r} (one of {', '.join(CONNECTIONS)})")
    if connection == "postgres" and not postgres_uri:
        raise BootstrapError("--connection postgres needs --postgres-uri")
    docs: dict[str, dict] = {}
    for path in sorted(assets_dir.rglob("*.yaml")):
        docs[path.relative_to(assets_dir).as_posix()] = yaml.safe_load(path.read_text(encoding="utf-8"))
    databases = {rel: d for rel, d in docs.items() if rel.startswith("databases/")}
    by_placeholder = {}
    for rel, doc in databases.items():
        for placeholder in (SERVING_PLACEHOLDER, POSTGRES_PLACEHOLDER):
            if placeholder in doc.get("sqlalchemy_uri", ""):
                by_placeholder[placeholder] = (rel, doc)
    if SERVING_PLACEHOLDER not in by_placeholder:
        raise BootstrapError(f"no database in {assets_dir}/databases has '{SERVING_PLACEHOLDER}' in its URI")
    rel, doc = by_placeholder[SERVING_PLACEHOLDER]
    doc["sqlalchemy_uri"] = doc["sqlalchemy_uri"].replace(SERVING_PLACEHOLDER, serving_path.as_posix())
    duckdb_uuid = doc["uuid"]
    pg_uuid = None
    if POSTGRES_PLACEHOLDER in by_placeholder:
        rel, doc = by_placeholder[POSTGRES_PLACEHOLDER]
        if postgres_uri:
            doc["sqlalchemy_uri"] = postgres_uri
            pg_uuid = doc["uuid"]
        else:  # not registered: neither it nor its datasets go in
            docs = {k: v for k, v in docs.items() if k != rel and not (
                k.startswith("datasets/") and v.get("database_uuid") == doc["uuid"])}
    # dataset UUIDs per (database, table): charts and filters follow the chosen connection
    tables: dict[tuple[str, str], str] = {}
    for rel, doc in docs.items():
        if rel.startswith("datasets/"):
            tables[(doc["database_uuid"], doc["table_name"])] = doc["uuid"]
    chosen = pg_uuid if connection == "postgres" else duckdb_uuid
    remap = {tables[(duckdb_uuid, table)]: tables[(chosen, table)]
             for (db, table) in tables if db == duckdb_uuid and (chosen, table) in tables}
    for rel, doc in docs.items():
        if rel.startswith("charts/"):
            doc["dataset_uuid"] = remap.get(doc["dataset_uuid"], doc["dataset_uuid"])
        elif rel.startswith("dashboards/"):
            for flt in (doc.get("metadata") or {}).get("native_filter_configuration", []):
                for target in flt.get("targets", []):
                    if "datasetUuid" in target:
                        target["datasetUuid"] = remap.get(target["datasetUuid"], target["datasetUuid"])
        elif rel.startswith("databases/"):
            doc.setdefault("extra", {})
    contents = {rel: yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) for rel, doc in docs.items()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, text in contents.items():
            # fixed timestamp: the same inputs give the same zip
            info = zipfile.ZipInfo(f"{BUNDLE_ROOT}/{rel}", date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    return buf.getvalue(), contents


def _with_type(contents: dict[str, str], type_: str) -> dict[str, str]:
    import yaml

    meta = yaml.safe_load(contents["metadata.yaml"])
    meta["type"] = type_
    return {**contents, "metadata.yaml": yaml.safe_dump(meta, sort_keys=False)}


# --------------------------------------------------------------------------------------------------
# state


def _state_key(superset_version: str, heads: list[str], metadata_uri: str) -> dict[str, Any]:
    return {
        "format": STATE_FORMAT,
        "superset_version": superset_version,
        "alembic_heads": sorted(heads),
        "metadata_uri_sha256": hashlib.sha256(metadata_uri.encode()).hexdigest(),
    }


def _read_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


# --------------------------------------------------------------------------------------------------
# main work (inside the Superset app)


def run(serving_path: Path, assets_dir: Path, summary_path: Path | None, force_init: bool, *,
        postgres_uri: str | None = None, connection: str = "duckdb") -> dict[str, Any]:
    t0 = time.monotonic()
    timings: dict[str, float] = {}
    superset_var = _prepare_environment()
    admin_user = os.environ["SUPERSET_ADMIN_USER"]
    admin_password = os.environ["SUPERSET_ADMIN_PASSWORD"]

    if not serving_path.is_file():
        raise BootstrapError(
            f"serving DuckDB {serving_path} does not exist: "
            "run the pipeline first (it publishes the serving copy)"
        )

    bundle_bytes, contents = build_bundle(assets_dir, serving_path, postgres_uri=postgres_uri, connection=connection)
    bundle_path = superset_var / "bundle.zip"
    tmp = bundle_path.with_suffix(".zip.tmp")
    tmp.write_bytes(bundle_bytes)
    tmp.replace(bundle_path)
    timings["bundle"] = time.monotonic() - t0

    import yaml
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import g
    from flask_migrate import upgrade
    from superset.app import create_app

    app = create_app()
    timings["app"] = time.monotonic() - t0
    with app.app_context():
        from superset import security_manager
        from superset.commands.chart.importers.dispatcher import ImportChartsCommand
        from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand
        from superset.commands.database.importers.dispatcher import ImportDatabasesCommand
        from superset.commands.dataset.importers.dispatcher import ImportDatasetsCommand
        from superset.extensions import appbuilder, db
        from superset.models.dashboard import Dashboard
        from superset.utils import json as sjson

        superset_version = app.config["VERSION_STRING"]
        metadata_uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
        if postgres_uri and not metadata_uri.startswith("postgresql"):
            # with the warehouse in PostgreSQL, Superset's own state (dashboards, users, logs) belongs there too:
            # backed up, shared by several Superset workers, not a file on one machine
            raise BootstrapError("--postgres-uri registers the PostgreSQL warehouse: set SUPERSET_METADATA_URI to a "
                                 "PostgreSQL database for Superset's metadata as well (e.g. "
                                 "postgresql+psycopg2://superset@host/superset)")

        # 1. migrations ----------------------------------------------------------------------------
        migrate_cfg = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
        heads = list(ScriptDirectory.from_config(migrate_cfg).get_heads())
        with db.engine.connect() as conn:
            current = list(MigrationContext.configure(conn).get_current_heads())
        upgraded = sorted(current) != sorted(heads)
        if upgraded:
            log.info("metadata store at %s, head is %s: running db upgrade", current or "nothing", heads)
            upgrade(directory=app.extensions["migrate"].directory)
        else:
            log.info("metadata store already at head %s: db upgrade skipped", heads)
        timings["db_upgrade"] = time.monotonic() - t0

        # 2. init (roles and permissions) ----------------------------------------------------------
        state_path = superset_var / "bootstrap_state.json"
        key = _state_key(superset_version, heads, metadata_uri)
        state = _read_state(state_path)
        roles_present = all(
            security_manager.find_role(r) is not None for r in ("Admin", "Alpha", "Gamma", "sql_lab")
        )
        admin_role = security_manager.find_role("Admin")
        admin_perms = len(admin_role.permissions) if admin_role else 0
        need_init = (
            force_init or upgraded or not roles_present or admin_perms == 0 or state.get("init") != key
        )
        if need_init:
            log.info("running superset init (roles and permissions)")
            appbuilder.add_permissions(update_perms=True)
            security_manager.sync_role_definitions()
            db.session.commit()
        else:
            log.info("roles and permissions already in place for Superset %s: init skipped", superset_version)
        timings["init"] = time.monotonic() - t0

        # 3. admin -----------------------------------------------------------------------------
        user = security_manager.find_user(username=admin_user)
        admin_created = False
        if user is None:
            user = security_manager.add_user(
                admin_user,
                "TuneMantra",
                "Admin",
                f"{admin_user}@tunemantra.invalid",
                security_manager.find_role("Admin"),
                password=admin_password,
            )
            if not user:
                raise BootstrapError(f"could not create admin user {admin_user!r}")
            admin_created = True
            log.info("admin user %s created", admin_user)
        else:
            log.info("admin user %s exists: left unchanged", admin_user)
        timings["admin"] = time.monotonic() - t0

        # 4. import the bundle, every kind with overwrite=True, as one transaction ------------------
        g.user = user
        g.in_transaction = True  # Superset's @transaction commands then join this unit of work
        try:
            ImportDatabasesCommand(_with_type(contents, "Database"), overwrite=True).run()
            ImportDatasetsCommand(_with_type(contents, "SqlaTable"), overwrite=True).run()
            ImportChartsCommand(_with_type(contents, "Slice"), overwrite=True).run()
            ImportDashboardsCommand(_with_type(contents, "Dashboard"), overwrite=True).run()

            # 5. native filter and cross-filter scopes with the real chart ids, on every dashboard
            for rel, text in contents.items():
                if rel.startswith("dashboards/"):
                    dashboard = db.session.query(Dashboard).filter_by(uuid=yaml.safe_load(text)["uuid"]).one()
                    dashboard.json_metadata = sjson.dumps(
                        scoped_metadata(sjson.loads(dashboard.json_metadata or "{}"), [s.id for s in dashboard.slices]))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            g.in_transaction = False
        timings["import"] = time.monotonic() - t0

        # 6. tenancy: a role and a row-level filter per tenant, the configured users (infra/tenancy.yml)
        from superset.models.core import Database
        from tenancy_roles import apply_tenancy

        scheme = "postgresql" if connection == "postgres" else "duckdb"
        databases = [yaml.safe_load(text) for rel, text in contents.items() if rel.startswith("databases/")]
        served = next(doc for doc in databases if doc["sqlalchemy_uri"].startswith(scheme))
        database = db.session.query(Database).filter_by(uuid=served["uuid"]).one()
        tenancy_summary = apply_tenancy(db, security_manager, database,
                                        "serving" if connection == "postgres" else "marts", superset_var)
        timings["tenancy"] = time.monotonic() - t0

        # 7. the scheduled reports (infra/superset/reports.yml), each owned by a tenancy user
        from report_schedules import apply_reports

        reports_summary = apply_reports(db, security_manager)
        timings["reports"] = time.monotonic() - t0

        summary = _summarise(db, contents)
        for rel, text in contents.items():
            if not rel.startswith("dashboards/"):
                continue
            doc = yaml.safe_load(text)
            got = summary["dashboards"][doc["slug"]]
            expected_charts = sum(1 for v in doc["position"].values()
                                  if isinstance(v, dict) and v.get("type") == "CHART")
            if got["chart_count"] != expected_charts:
                raise BootstrapError(f"{doc['slug']}: {got['chart_count']} charts, the bundle has {expected_charts}")
            wanted = sorted(f["id"] for f in (doc.get("metadata") or {}).get("native_filter_configuration", []))
            if sorted(f["id"] for f in got["native_filters"]) != wanted:
                raise BootstrapError(f"{doc['slug']}: native filters lost in the import: bundle {wanted}, "
                                     f"got {got['native_filters']}")

        state_path.write_text(json.dumps({"init": key, "serving_path": str(serving_path), "connection": connection},
                                         indent=2))

    summary.update(
        admin_created=admin_created,
        db_upgraded=upgraded,
        init_ran=need_init,
        bundle=str(bundle_path),
        serving_path=str(serving_path),
        connection=connection,
        tenancy=tenancy_summary,
        reports=reports_summary,
        superset_version=superset_version,
        seconds={k: round(v, 2) for k, v in timings.items()},
    )
    if summary_path:
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True))
    return summary


def _summarise(db: Any, contents: dict[str, str]) -> dict[str, Any]:
    import yaml
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.core import Database
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice
    from superset.utils import json as sjson

    uuids: dict[str, list[str]] = {"databases": [], "datasets": [], "charts": [], "dashboards": []}
    for rel, text in contents.items():
        kind = rel.split("/", 1)[0]
        if kind in uuids:
            uuids[kind].append(str(yaml.safe_load(text)["uuid"]))

    def ids(model: Any, wanted: list[str]) -> dict[str, int]:
        rows = db.session.query(model).all()
        return {str(r.uuid): r.id for r in rows if str(r.uuid) in wanted}

    dashboards = {}
    for dashboard in db.session.query(Dashboard).all():
        if str(dashboard.uuid) not in uuids["dashboards"]:
            continue
        meta = sjson.loads(dashboard.json_metadata or "{}")
        dashboards[dashboard.slug] = {
            "id": dashboard.id,
            "uuid": str(dashboard.uuid),
            "title": dashboard.dashboard_title,
            "chart_count": len(dashboard.slices),
            "native_filters": [
                {"id": f["id"], "name": f["name"], "filterType": f["filterType"]}
                for f in meta.get("native_filter_configuration", [])
            ],
        }
    return {
        "ids": {
            "databases": ids(Database, uuids["databases"]),
            "datasets": ids(SqlaTable, uuids["datasets"]),
            "charts": ids(Slice, uuids["charts"]),
            "dashboards": ids(Dashboard, uuids["dashboards"]),
        },
        "counts": {
            "databases": db.session.query(Database).count(),
            "datasets": db.session.query(SqlaTable).count(),
            "charts": db.session.query(Slice).count(),
            "dashboards": db.session.query(Dashboard).count(),
        },
        "dashboards": dashboards,
    }


def scoped_metadata(meta: dict[str, Any], chart_ids: list[int]) -> dict[str, Any]:
    """Dashboard metadata with every ``chartsInScope`` filled from the scopes' ``excluded`` lists (already real
    ids after the import): native filters, the global cross-filter configuration, each chart's cross-filters."""
    chart_ids = sorted(chart_ids)
    for flt in meta.get("native_filter_configuration", []):
        excluded = set(flt.get("scope", {}).get("excluded", []))
        flt["chartsInScope"] = [cid for cid in chart_ids if cid not in excluded]
    gcc = meta.setdefault("global_chart_configuration", {})
    gcc.setdefault("scope", {"rootPath": ["ROOT_ID"], "excluded": []})
    gcc["chartsInScope"] = [cid for cid in chart_ids if cid not in set(gcc["scope"].get("excluded", []))]
    for config in (meta.get("chart_configuration") or {}).values():
        cross = config.setdefault("crossFilters", {"scope": "global"})
        scope = cross.get("scope")
        excluded = set(scope.get("excluded", [])) if isinstance(scope, dict) else {config.get("id")}
        cross["chartsInScope"] = [cid for cid in chart_ids if cid not in excluded]
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--serving-path", required=True, type=Path, help="serving copy of the DuckDB warehouse"
    )
    parser.add_argument("--assets", type=Path, default=DEFAULT_ASSETS, help="asset bundle folder (YAML)")
    parser.add_argument("--summary-json", type=Path, default=None, help="also write the summary here")
    parser.add_argument(
        "--force-init", action="store_true", help="run `superset init` even if recorded as done"
    )
    parser.add_argument("--postgres-uri", default=os.environ.get("TM_SUPERSET_POSTGRES_URI") or None,
                        help="also register the PostgreSQL warehouse (its serving schema) under this SQLAlchemy URI")
    parser.add_argument("--connection", choices=CONNECTIONS, default=os.environ.get("TM_SUPERSET_CONNECTION", "duckdb"),
                        help="the database the dashboards read (default duckdb: the serving copy)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # SQLAlchemy's reflection warnings from Superset's own migrations on SQLite are noise here
    warnings.filterwarnings("ignore", message=".*SQL-parsed foreign key constraint.*")
    warnings.filterwarnings("ignore", message=".*not currently supported within the execution stage.*")
    warnings.filterwarnings("ignore", message=".*Attribute history events accumulated.*")
    try:
        # Superset prints to stdout while it starts ("Loaded your LOCAL configuration ..."): keep
        # stdout for the JSON summary alone
        with contextlib.redirect_stdout(sys.stderr):
            summary = run(args.serving_path.expanduser().resolve(), args.assets.resolve(),
                          args.summary_json, args.force_init, postgres_uri=args.postgres_uri,
                          connection=args.connection)
    except BootstrapError as exc:
        print(f"superset bootstrap: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
