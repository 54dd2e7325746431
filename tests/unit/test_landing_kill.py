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
    original, calls = contract._cast_and_route, {"n": 0}

    def pausing(con, connector, result):
        original(con, connector, result)  # the batch's rows are written, the transaction is still open
        calls["n"] += 1
        if calls["n"] == 3:
            marker.write_text(result.batch_id)
            time.sleep(300)

    contract._cast_and_route = pausing
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
    killed_batch = marker.read_text()

    con = duckdb.connect(str(warehouse))
    assert con.execute("SELECT count(*) FROM raw.deezer__daily_streams WHERE _batch_id = ?",
                       [killed_batch]).fetchone()[0] == 0
    first_two = sum(f["expected"]["landed"] for f in sorted(deezer, key=lambda f: f["file"])[:2])
    assert con.execute("SELECT count(*) FROM raw.deezer__daily_streams").fetchone()[0] == first_two
    assert con.execute("SELECT status FROM raw._ledger WHERE batch_id = ?", [killed_batch]).fetchone() == ("loading",)

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
