"""Tenancy (orchestration/tenancy.py): the committed config loads, tenants map to the right label keys (sub-labels
included, to any depth), and a config that would leak or confuse is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration import tenancy

LABELS = [  # dim_label as served: a distributor with two top labels, one with a sub-label and a sub-sub-label
    {"label_key": "a" * 32, "label_id": "L001", "parent_label_id": None, "distributor_name": "Meridian"},
    {"label_key": "b" * 32, "label_id": "L006", "parent_label_id": "L001", "distributor_name": "Meridian"},
    {"label_key": "c" * 32, "label_id": "L010", "parent_label_id": "L006", "distributor_name": "Meridian"},
    {"label_key": "d" * 32, "label_id": "L002", "parent_label_id": None, "distributor_name": "Meridian"},
    {"label_key": "e" * 32, "label_id": "L003", "parent_label_id": None, "distributor_name": "Atlas"},
]


def test_the_committed_config_loads():
    config = tenancy.load()
    assert {t.name: t.kind for t in config.tenants} == {"meridian": "distributor", "atlas": "distributor",
                                                          "northern_pulse": "label", "kogen_sound": "label"}
    assert {u.role for u in config.users} == set(tenancy.ROLES)
    assert config.tenant("northern_pulse").role_name == "tenant_northern_pulse"


def test_a_label_sees_itself_and_every_label_below_it():
    label = tenancy.Tenant("np", "label", label_id="L001")
    assert tenancy.label_keys(label, LABELS) == ["a" * 32, "b" * 32, "c" * 32]
    assert tenancy.label_keys(tenancy.Tenant("sub", "label", label_id="L006"), LABELS) == ["b" * 32, "c" * 32]


def test_a_distributor_sees_its_labels_only():
    assert tenancy.label_keys(tenancy.Tenant("m", "distributor", distributor="Meridian"), LABELS) == \
        ["a" * 32, "b" * 32, "c" * 32, "d" * 32]
    assert tenancy.label_keys(tenancy.Tenant("a", "distributor", distributor="Atlas"), LABELS) == ["e" * 32]


def test_the_clause_is_a_literal_list_of_digests():
    assert tenancy.label_clause(["b" * 32, "a" * 32]) == f"label_key IN ('{'a' * 32}', '{'b' * 32}')"
    with pytest.raises(tenancy.TenancyError):
        tenancy.label_clause(["x' OR '1'='1"])
    with pytest.raises(tenancy.TenancyError):
        tenancy.label_clause([])
    with pytest.raises(tenancy.TenancyError):  # a tenant that matches nothing is a typo, not an empty dashboard
        tenancy.label_keys(tenancy.Tenant("x", "label", label_id="L999"), LABELS)


@pytest.mark.parametrize("body, message", [
    ("tenants: [{name: a, kind: region}]", "kind"),
    ("tenants: [{name: A-b, kind: label, label_id: L1}]", "lowercase"),
    ("tenants: [{name: a, kind: label}]", "label_id"),
    ("tenants: [{name: a, kind: label, label_id: L1}, {name: a, kind: label, label_id: L2}]", "repeat"),
    ("tenants: [{name: a, kind: label, label_id: L1}]\nusers: [{username: u, role: label_analyst, email: e}]",
     "belongs to a tenant"),
    ("tenants: [{name: a, kind: distributor, distributor: D}]\n"
     "users: [{username: u, role: label_analyst, tenant: a, email: e}]", "label tenant"),
    ("users: [{username: u, role: superuser, email: e}]", "role"),
    ("users: [{username: u, role: distributor, tenant: nobody, email: e}]", "unknown tenant"),
])
def test_a_config_that_would_leak_or_confuse_is_refused(tmp_path: Path, body: str, message: str):
    path = tmp_path / "tenancy.yml"
    path.write_text(body)
    with pytest.raises(tenancy.TenancyError, match=message):
        tenancy.load(path)


def _report_schedules():
    import importlib.util

    spec = importlib.util.spec_from_file_location("tm_report_schedules",
                                                  tenancy.REPO_ROOT / "infra" / "superset" / "report_schedules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_scheduled_report_names_a_tenancy_user_and_a_real_dashboard_or_chart():
    from superset_assets.reports import DASHBOARDS

    reports = _report_schedules().load()
    users = {u.username: u for u in tenancy.load().users}
    charts = {f"{d.slug}/{c.name}" for d in DASHBOARDS for c in d.charts}
    assert {r["format"] for r in reports} == {"PNG", "PDF", "CSV"}
    for report in reports:
        assert users[report["owner"]].tenant, report["name"]  # runs as a tenant's user: its rows only
        assert report.get("dashboard") in {d.slug for d in DASHBOARDS} or report.get("chart") in charts
        assert report["crontab"] == "0 7 * * 1"  # weekly


@pytest.mark.parametrize("body, message", [
    ("reports: [{name: a, owner: u, crontab: '* * * * *', dashboard: d, format: GIF}]", "format"),
    ("reports: [{name: a, owner: u, crontab: '* * * * *', dashboard: d, chart: d/c, format: PNG}]", "not both"),
    ("reports: [{name: a, owner: u, crontab: '* * * * *', dashboard: d, format: CSV}]", "name a chart"),
    ("reports: [{name: a, crontab: '* * * * *', dashboard: d, format: PNG}]", "owner"),
    ("reports: [{name: a, owner: u, crontab: '* * * * *', dashboard: d, format: PNG},"
     " {name: a, owner: u, crontab: '* * * * *', dashboard: d, format: PNG}]", "unique"),
])
def test_a_report_config_that_cannot_be_sent_is_refused(tmp_path: Path, body: str, message: str):
    module = _report_schedules()
    path = tmp_path / "reports.yml"
    path.write_text(body)
    with pytest.raises(module.ReportConfigError, match=message):
        module.load(path)
