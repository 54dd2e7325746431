"""Tenant isolation inside PostgreSQL (orchestration/warehouses/postgres_security.py): an analyst who connects with
a SQL client as a tenant user sees exactly the rows of the tenant's labels, in every served table that has a label
key, and nothing of the others.

The session's DuckDB pipeline built the marts; they are copied into the ``marts`` schema of a fresh PostgreSQL
database and published with the PostgreSQL target's own ``publish_serving`` (build beside, policies, swap). The
truth is the DuckDB serving copy: per table and label key, the row count.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import duckdb
import psycopg2
import psycopg2.errors
import pytest

from orchestration import tenancy
from orchestration.warehouses.postgres import PostgresWarehouse
from tests.conftest import PipelineRun
from tests.support.superset_postgres import copy_tables_to_postgres

CONFIG = tenancy.load()


@pytest.fixture()
def published(pipeline_run: PipelineRun, pg_dsn: str, tmp_path: Path) -> dict:
    with duckdb.connect(str(pipeline_run.serving_path), read_only=True) as src:
        tables = src.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             "WHERE table_schema IN ('marts', 'quality') ORDER BY 1, 2").fetchall()
        truth: dict[str, dict[str | None, int]] = {}
        labelled = {t for (t,) in src.execute("SELECT DISTINCT table_name FROM information_schema.columns "
                                              "WHERE column_name = 'label_key' AND table_schema = 'marts'").fetchall()}
        for table in sorted(labelled):
            truth[table] = dict(src.execute(f"SELECT label_key, count(*) FROM marts.{table} GROUP BY 1").fetchall())
        labels = tenancy.label_rows(src.execute(tenancy.labels_query("marts.dim_label")).fetchall())
    copy_tables_to_postgres(pipeline_run.serving_path, pg_dsn, tables)
    credentials = tmp_path / "postgres" / "tenant_credentials.json"
    warehouse = PostgresWarehouse(dsn=pg_dsn, credentials_path=str(credentials))
    warehouse.publish_serving(schemas=("marts", "quality"))
    return {"truth": truth, "labels": labels, "credentials": json.loads(credentials.read_text()),
            "unlabelled": sorted({t for s, t in tables if t not in labelled}), "warehouse": warehouse}


def _connect(dsn: str, user: str, password: str):
    base = " ".join(p for p in dsn.split() if not p.startswith(("user=", "password=")))
    return contextlib.closing(psycopg2.connect(f"{base} user={user} password={password}"))


def _by_label(cur, table: str) -> dict[str | None, int]:
    cur.execute(f"SELECT label_key, count(*) FROM serving.{table} GROUP BY 1")
    return dict(cur.fetchall())


def test_each_tenant_user_sees_exactly_its_labels_in_every_labelled_table(published: dict, pg_dsn: str) -> None:
    truth, labels = published["truth"], published["labels"]
    assert {"fct_usage_daily", "dim_track", "rpt_performance_overview", "dim_label"} <= set(truth)
    for user in (u for u in CONFIG.users if u.tenant):
        keys = set(tenancy.label_keys(CONFIG.tenant(user.tenant), labels))
        with _connect(pg_dsn, user.username, published["credentials"][user.username]) as conn, conn.cursor() as cur:
            for table, counts in truth.items():
                expected = {k: n for k, n in counts.items() if k in keys}
                assert _by_label(cur, table) == expected, (user.username, table)
            # what the tenant may see is not empty: the test would pass on an empty table otherwise
            cur.execute("SELECT count(*) FROM serving.fct_usage_daily")
            assert cur.fetchone()[0] == sum(truth["fct_usage_daily"].get(k, 0) for k in keys) > 0
            # the map of tenants to labels shows the tenant its own row set only
            cur.execute("SELECT DISTINCT role_name FROM security.tenant_labels")
            assert cur.fetchall() == [(CONFIG.tenant(user.tenant).role_name,)]


def test_label_analysts_of_two_labels_share_no_row(published: dict, pg_dsn: str) -> None:
    creds = published["credentials"]
    seen = {}
    for username in ("northern_pulse_analyst", "kogen_analyst"):
        with _connect(pg_dsn, username, creds[username]) as conn, conn.cursor() as cur:
            cur.execute("SELECT DISTINCT label_key FROM serving.fct_usage_daily")
            seen[username] = {k for (k,) in cur.fetchall()}
    assert seen["northern_pulse_analyst"] and seen["kogen_analyst"]
    assert not seen["northern_pulse_analyst"] & seen["kogen_analyst"]
    assert None not in seen["northern_pulse_analyst"] | seen["kogen_analyst"]  # unmatched usage is nobody's


def test_tables_without_a_label_key_and_writes_are_refused(published: dict, pg_dsn: str) -> None:
    assert len(published["unlabelled"]) >= 3, published["unlabelled"]
    with _connect(pg_dsn, "northern_pulse_exec", published["credentials"]["northern_pulse_exec"]) as conn:
        for table in published["unlabelled"]:
            with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(f"SELECT count(*) FROM serving.{table}")
            conn.rollback()
        for statement in ("DELETE FROM serving.fct_usage_daily", "UPDATE serving.dim_label SET label_id = label_id",
                          "CREATE TABLE serving.mine (x int)", "SELECT * FROM marts.fct_usage_daily"):
            with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
            conn.rollback()


def test_a_second_publish_keeps_the_isolation(published: dict, pg_dsn: str) -> None:
    """The swap carries readers' grants to the new copy; a tenant role must not get the unlabelled tables that
    way, and its policies must be on the new tables."""
    published["warehouse"].publish_serving(schemas=("marts", "quality"))
    keys = set(tenancy.label_keys(CONFIG.tenant("kogen_sound"), published["labels"]))
    with _connect(pg_dsn, "kogen_analyst", published["credentials"]["kogen_analyst"]) as conn, conn.cursor() as cur:
        assert _by_label(cur, "fct_usage_daily") == {
            k: n for k, n in published["truth"]["fct_usage_daily"].items() if k in keys}
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(f"SELECT count(*) FROM serving.{published['unlabelled'][0]}")
