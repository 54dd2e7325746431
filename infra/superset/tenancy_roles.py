"""Superset's side of the tenancy (infra/tenancy.yml, orchestration/tenancy.py): a role per tenant with access to
the datasets that carry a label key and a row-level filter on them, and the configured users with their roles.
Called by bootstrap.py inside the Superset app, after the bundle import; idempotent (a re-run updates roles,
filters and users in place and never duplicates them).

Roles users get: platform_admin -> Admin; distributor and label_analyst -> Gamma (dashboards and charts, no SQL
Lab: SQL Lab needs the sql_lab role, which no tenant user gets) + the tenant's role; executive -> tm_read_only
(Gamma without saving or deleting anything, see WRITES) + the tenant's role. Datasets without a ``label_key``
column are granted to no tenant role: their rows are not any one label's (see superset_assets/served_tables.py for
the list and why).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TENANT_GROUP = "tenant"  # RLS filters of one group are ORed; a user has one tenant role, so one filter applies
READ_ONLY_ROLE = "tm_read_only"
# what Gamma may do that a read-only executive may not: save or delete charts, dashboards, tags and themes, change
# a dashboard's customisations or embedding, upload files, clear caches. Viewing, filtering, drilling and
# exporting stay (filter state and permalinks are written, but they change nobody else's view).
WRITES = {("can_write", "Chart"), ("can_write", "Dashboard"), ("can_write", "Tag"), ("can_write", "Theme"),
          ("can_tag", "Chart"), ("can_tag", "Dashboard"), ("can_tags", "TagView"),
          ("can_delete_embedded", "Dashboard"), ("can_put_chart_customizations", "Dashboard"),
          ("can_export_as_example", "Dashboard"), ("can_invalidate", "CacheRestApi"),
          ("can_file_handler", "Superset"),
          ("can_add", "UserRegistrationsRestAPI"), ("can_edit", "UserRegistrationsRestAPI"),
          ("can_delete", "UserRegistrationsRestAPI")}


def load_tenancy_module() -> Any:
    spec = importlib.util.spec_from_file_location("tm_tenancy", REPO_ROOT / "orchestration" / "tenancy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def apply_tenancy(db: Any, security_manager: Any, database: Any, schema: str, superset_var: Path,
                  config_path: Path | None = None) -> dict[str, Any]:
    """Roles, row-level filters and users from the tenancy config, against ``database`` (the connection the
    dashboards read; ``schema`` holds dim_label there). Returns what it did, for the bootstrap summary."""
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.utils.core import RowLevelSecurityFilterType

    tenancy = load_tenancy_module()
    config = tenancy.load(config_path or tenancy.DEFAULT_CONFIG)
    labels = database.get_df(tenancy.labels_query(f"{schema}.dim_label"), schema=schema)
    label_rows = labels.where(labels.notna(), None).to_dict("records")
    datasets = db.session.query(SqlaTable).filter(SqlaTable.database_id == database.id).all()
    with_label = [d for d in datasets if any(c.column_name == "label_key" for c in d.columns)]
    without_label = sorted(d.table_name for d in datasets if d not in with_label)

    summary: dict[str, Any] = {"tenants": {}, "datasets_without_label_key": without_label, "users": {}}
    gamma, admin = security_manager.find_role("Gamma"), security_manager.find_role("Admin")
    read_only = security_manager.add_role(READ_ONLY_ROLE)  # Gamma without its writes, kept in step with Gamma
    read_only.permissions = [pv for pv in gamma.permissions
                             if (pv.permission.name, pv.view_menu.name) not in WRITES]
    roles = {}
    for tenant in config.tenants:
        keys = tenancy.label_keys(tenant, label_rows)
        role = security_manager.add_role(tenant.role_name)
        for dataset in with_label:
            pvm = (security_manager.find_permission_view_menu("datasource_access", dataset.perm)
                   or security_manager.add_permission_view_menu("datasource_access", dataset.perm))
            if pvm not in role.permissions:
                security_manager.add_permission_role(role, pvm)
        name = f"{tenant.role_name}_labels"
        rls = db.session.query(RowLevelSecurityFilter).filter_by(name=name).one_or_none()
        if rls is None:
            rls = RowLevelSecurityFilter(name=name)
            db.session.add(rls)
        rls.description = f"Rows of the labels of tenant {tenant.name} (infra/tenancy.yml)"
        rls.filter_type = RowLevelSecurityFilterType.REGULAR
        rls.group_key = TENANT_GROUP
        rls.clause = tenancy.label_clause(keys)
        rls.roles = [role]
        rls.tables = with_label
        roles[tenant.name] = role
        summary["tenants"][tenant.name] = {"role": tenant.role_name, "label_keys": keys,
                                           "datasets": sorted(d.table_name for d in with_label)}
    # a dashboard that reads a dataset of no label is the platform's: only admins open it (DASHBOARD_RBAC); the
    # others are open to whoever may read their datasets, i.e. every tenant, each seeing its own rows
    from superset.models.dashboard import Dashboard

    platform_only = []
    for dashboard in db.session.query(Dashboard).all():
        if any(s.datasource is not None and s.datasource not in with_label for s in dashboard.slices):
            if admin not in dashboard.roles:
                dashboard.roles = [*dashboard.roles, admin]
            platform_only.append(dashboard.slug)
    summary["platform_only_dashboards"] = sorted(platform_only)

    passwords = tenancy.passwords(superset_var / "tenant_credentials.json", [u.username for u in config.users])
    for user in config.users:
        if user.role == "platform_admin":
            wanted = [admin]
        else:
            wanted = [read_only if user.role == "executive" else gamma, roles[user.tenant]]
        found = security_manager.find_user(username=user.username)
        if found is None:
            found = security_manager.add_user(user.username, user.username, user.role, user.email, wanted,
                                              password=passwords[user.username])
        else:
            found.roles = wanted
            security_manager.update_user(found)
        summary["users"][user.username] = {"role": user.role, "tenant": user.tenant,
                                           "superset_roles": sorted(r.name for r in wanted)}
    db.session.commit()
    return summary
