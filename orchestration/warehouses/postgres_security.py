"""Tenant isolation inside PostgreSQL, for analysts who connect with SQL clients: the same tenants and label keys
as Superset's row-level filters (infra/tenancy.yml, orchestration/tenancy.py), enforced by the database itself.

Applied by ``PostgresWarehouse.publish_serving`` to the schema about to become ``serving``, in the transaction that
swaps it in, so readers never see a served table without its policy:

* a NOLOGIN role per tenant (``tenant_<name>``) and, when the warehouse keeps credentials, a LOGIN role per tenant
  user that is a member of it (a platform admin gets no database role here: the DBA's roles see everything);
* ``security.tenant_labels (role_name, label_key)``: which label keys each tenant role sees, computed from the
  ``dim_label`` being published; row-level security on it lets a role read its own rows only (``pg_has_role``);
* on every served table with a ``label_key`` column: row-level security and one policy,
  ``label_key IN (SELECT label_key FROM security.tenant_labels)``, which the table above narrows to the reader's
  tenant; SELECT on those tables only. Tables without a label key (quality history, model run logs, ...) are
  granted to no tenant role: their rows are nobody's label's. Rows whose label is unknown are visible to no tenant.

Owners and superusers bypass row-level security (PostgreSQL's rule): the pipeline's own role is the platform's.
Tenant roles get SELECT only, so an executive's connection is read-only whatever it sends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SECURITY_SCHEMA = "security"
POLICY = "tenant_rows"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ensure_role(cur: Any, role: str, *, login: bool, password: str | None = None) -> None:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    verb = "ALTER" if cur.fetchone() else "CREATE"
    options = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT" if login else "NOLOGIN"
    if password is not None:
        cur.execute(f"{verb} ROLE {_q(role)} WITH {options} PASSWORD %s", [password])
    else:
        cur.execute(f"{verb} ROLE {_q(role)} WITH {options}")


def apply_row_security(cur: Any, schema: str, config_path: Path | None = None,
                       credentials_path: Path | None = None) -> dict[str, Any]:
    """Roles, the label map and the policies for the tables of ``schema``; returns what it did (tenant -> label
    keys and tables). Raises ``TenancyError`` when a tenant matches no label of the ``dim_label`` published."""
    from orchestration import tenancy

    config = tenancy.load(config_path or tenancy.DEFAULT_CONFIG)
    cur.execute("SELECT table_name, bool_or(column_name = 'label_key') FROM information_schema.columns "
                "WHERE table_schema = %s GROUP BY 1 ORDER BY 1", [schema])
    tables = cur.fetchall()
    labelled = [t for t, has_key in tables if has_key]
    unlabelled = [t for t, has_key in tables if not has_key]
    summary: dict[str, Any] = {"tenants": {}, "labelled_tables": labelled, "unlabelled_tables": unlabelled}

    label_rows: list[dict[str, Any]] = []
    if "dim_label" in {t for t, _ in tables}:
        cur.execute(tenancy.labels_query(f"{_q(schema)}.dim_label"))
        label_rows = tenancy.label_rows(cur.fetchall())
    elif labelled:
        raise tenancy.TenancyError(f"{schema} has tables with a label_key but no dim_label to map tenants to")

    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(SECURITY_SCHEMA)}")
    cur.execute(f"CREATE TABLE IF NOT EXISTS {_q(SECURITY_SCHEMA)}.tenant_labels "
                "(role_name text NOT NULL, label_key text NOT NULL, PRIMARY KEY (role_name, label_key))")
    cur.execute(f"ALTER TABLE {_q(SECURITY_SCHEMA)}.tenant_labels ENABLE ROW LEVEL SECURITY")
    cur.execute(f"DROP POLICY IF EXISTS own_tenant ON {_q(SECURITY_SCHEMA)}.tenant_labels")
    cur.execute(f"CREATE POLICY own_tenant ON {_q(SECURITY_SCHEMA)}.tenant_labels FOR SELECT "
                "USING (pg_has_role(role_name, 'MEMBER'))")
    cur.execute(f"DELETE FROM {_q(SECURITY_SCHEMA)}.tenant_labels")

    tenant_roles = [t.role_name for t in config.tenants]
    for tenant in config.tenants:
        _ensure_role(cur, tenant.role_name, login=False)
        keys = tenancy.label_keys(tenant, label_rows) if labelled else []
        for key in keys:
            cur.execute(f"INSERT INTO {_q(SECURITY_SCHEMA)}.tenant_labels VALUES (%s, %s)", [tenant.role_name, key])
        summary["tenants"][tenant.name] = {"role": tenant.role_name, "label_keys": keys}

    users = [u for u in config.users if u.tenant is not None]
    if credentials_path is not None:
        passwords = tenancy.passwords(Path(credentials_path), [u.username for u in users])
        for user in users:
            _ensure_role(cur, user.username, login=True, password=passwords[user.username])
            cur.execute(f"GRANT {_q(config.tenant(user.tenant).role_name)} TO {_q(user.username)}")
        summary["login_roles"] = [u.username for u in users]

    roles = ", ".join(_q(r) for r in tenant_roles)
    cur.execute(f"GRANT USAGE ON SCHEMA {_q(SECURITY_SCHEMA)} TO {roles}")
    cur.execute(f"GRANT SELECT ON {_q(SECURITY_SCHEMA)}.tenant_labels TO {roles}")
    cur.execute(f"GRANT USAGE ON SCHEMA {_q(schema)} TO {roles}")
    cur.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {_q(schema)} FROM {roles}")
    for table in labelled:
        relation = f"{_q(schema)}.{_q(table)}"
        cur.execute(f"ALTER TABLE {relation} ENABLE ROW LEVEL SECURITY")
        cur.execute(f"DROP POLICY IF EXISTS {POLICY} ON {relation}")
        cur.execute(f"CREATE POLICY {POLICY} ON {relation} FOR SELECT USING "
                    f"(label_key IN (SELECT label_key FROM {_q(SECURITY_SCHEMA)}.tenant_labels))")
        cur.execute(f"GRANT SELECT ON {relation} TO {roles}")
    return summary

