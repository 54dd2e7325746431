"""The semantic layer answers metric queries through MetricFlow's CLI (``mf query``) on the session's warehouse:
monthly streams add up to the generator's true total, the growth metric is the ratio of consecutive months,
and the statements' effective rate is revenue per thousand statement streams."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, pipeline_env

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def query(pipeline_run, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("metrics") / "var"
    (var_dir / "warehouse").mkdir(parents=True)
    shutil.copy(pipeline_run.warehouse_path, var_dir / "warehouse" / "tunemantra.duckdb")
    env = {**pipeline_env(var_dir), "DBT_PROFILES_DIR": "."}
    project = REPO_ROOT / "dbt_project"
    # mf reads the semantic manifest from the project's own target folder, where `make setup` parses too
    subprocess.run([str(BIN / "dbt"), "parse", "--quiet", "--profiles-dir", "."], cwd=project, env=env, check=True,
                   timeout=300)

    def run(metrics: str, group_by: str) -> list[dict[str, str]]:
        out = var_dir / f"{metrics.replace(',', '_')}.csv"
        proc = subprocess.run([str(BIN / "mf"), "query", "--metrics", metrics, "--group-by", group_by,
                               "--order", group_by, "--csv", str(out)], cwd=project, env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0 and out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
        with out.open() as fh:
            return list(csv.DictReader(fh))

    return run, var_dir / "warehouse" / "tunemantra.duckdb"


def test_monthly_streams_add_up_to_the_true_total(pipeline_run, query) -> None:
    run, _ = query
    rows = run("total_streams", "metric_time__month")
    assert len(rows) == 14  # 2025-09 .. 2026-10
    assert sum(int(float(r["total_streams"])) for r in rows) == pipeline_run.manifest["totals"]["streams"]


def test_growth_is_the_ratio_of_consecutive_months(query) -> None:
    run, _ = query
    rows = run("total_streams,streams_growth_month_over_month", "metric_time__month")
    # the offset join also yields the month after the data, with nothing in it
    rows = [r for r in rows if r["total_streams"] not in ("", None)]
    assert len(rows) == 14
    streams = [float(r["total_streams"]) for r in rows]
    growth = [r["streams_growth_month_over_month"] for r in rows]
    assert growth[0] in ("", None)  # no previous month
    for previous, current, rate in zip(streams[:-1], streams[1:], growth[1:], strict=True):
        assert float(rate) == pytest.approx(current / previous - 1, rel=1e-9)


def test_the_effective_rate_is_statement_revenue_per_thousand_statement_streams(query) -> None:
    run, warehouse = query
    rows = run("effective_rate_per_1000_streams_eur", "metric_time__month")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        expected = dict(con.execute("""
            select strftime(usage_month, '%Y-%m-%d'), sum(revenue_eur) * 1000 / sum(units)
            from marts.fct_usage where source_family = 'dsr_statement' group by 1""").fetchall())
    finally:
        con.close()
    assert {r["metric_time__month"][:10] for r in rows} == set(expected)
    for r in rows:
        assert float(r["effective_rate_per_1000_streams_eur"]) == pytest.approx(
            float(expected[r["metric_time__month"][:10]]), rel=1e-9)
