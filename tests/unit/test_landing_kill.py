"""SIGKILL inside a landing transaction: no row of the batch survives, the ledger says 'failed', a re-run
lands the manifest's counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from ingestion.connectors import CONNECTORS, DEEZER
from ingestion.contract import ensure_schema, land_source
from ingestion.generator import GeneratorParams, generate

REPO_ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import duckdb
    from ingestion import contract
    from ingestion.connectors import CONNECTORS, DEEZER

    landing, warehouse, marker = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    original, calls = contract._load, {"n": 0}

    def pausing(con, connector, path, result, layout=None):
        original(con, connector, path, result, layout)  # the rows are written, the transaction still open
        calls["n"] += 1
        if calls["n"] == 3:
            assert con.execute(f"SELECT count(*) FROM {connector.rows_table} WHERE _batch_no = ?",
                               [result.batch_no]).fetchone()[0] > 0
            marker.write_text(f"{result.batch_id} {result.batch_no}")
            time.sleep(300)

    contract._load = pausing
    con = duckdb.connect(warehouse)
    contract.ensure_schema(con, CONNECTORS)
    contract.land_source(con, DEEZER, landing)
""")


def test_sigkill_inside_the_transaction(tmp_path: Path) -> None:
    landing, warehouse, marker = tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "paused"
    manifest = generate(GeneratorParams(target_rows=20_000), landing)
    deezer = [f for f in manifest["files"] if f["source"] == "deezer"]
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(landing), str(warehouse), str(marker)],
                             cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the child never reached the pause inside the transaction"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    killed_batch, killed_no = marker.read_text().split()

    con = duckdb.connect(str(warehouse))
    # not a row of the killed batch is stored, let alone visible
    assert con.execute(f"SELECT count(*) FROM {DEEZER.rows_table} WHERE _batch_no = ?",
                       [int(killed_no)]).fetchone()[0] == 0
    assert con.execute("SELECT status FROM raw._ledger WHERE batch_id = ?", [killed_batch]).fetchone() == ("loading",)
    # what did land before the kill (files load two at a time) is whole: the manifest's count per file
    expected = {f["file"]: f["expected"]["landed"] for f in deezer}
    landed = con.execute("SELECT file_name, rows_landed FROM raw._ledger WHERE status = 'landed'").fetchall()
    assert len(landed) >= 2 and all(expected[name] == rows for name, rows in landed)
    assert con.execute("SELECT count(*) FROM raw.deezer__daily_streams").fetchone()[0] == sum(r for _, r in landed)
    assert con.execute(f"SELECT count(*) FROM {DEEZER.rows_table}").fetchone()[0] == sum(r for _, r in landed)

    ensure_schema(con, CONNECTORS)
    results = land_source(con, DEEZER, landing)

    assert con.execute("SELECT status, error LIKE 'interrupted%' FROM raw._ledger WHERE batch_id = ?",
                       [killed_batch]).fetchone() == ("failed", True)
    by_file = {r.file_name: r for r in results}
    for f in deezer:
        if f["file"] in by_file and by_file[f["file"]].status == "landed":
            assert by_file[f["file"]].rows_landed == f["expected"]["landed"]
    total = con.execute("SELECT count(*), sum(streams) FROM raw.deezer__daily_streams").fetchone()
    assert total == (sum(f["expected"]["landed"] for f in deezer), manifest["totals"]["streams_by_platform"]["deezer"])
    con.close()
