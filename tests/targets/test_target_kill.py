"""SIGKILL while a batch is being published: on PostgreSQL inside its transaction, on ClickHouse after its rows are
inserted and before its final ledger status. Either way no row of the batch is visible, the ledger says 'loading',
and the next landing marks it 'failed' (interrupted) and lands the file with the manifest's counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from ingestion.connectors import DEEZER
from ingestion.targets import Target, land_source_to
from ingestion.targets.clickhouse import ClickHouseTarget
from ingestion.targets.postgres import PostgresTarget

REPO_ROOT = Path(__file__).resolve().parents[2]

# the child lands Deezer and stops for good inside the third landed batch's publication, once its rows are written
CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from ingestion.connectors import DEEZER
    from ingestion.targets import land_source_to
    from ingestion.targets.clickhouse import ClickHouseTarget
    from ingestion.targets.postgres import PostgresTarget

    kind, landing, where, marker = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    calls = {"n": 0}

    def pause(batch, batch_no):
        calls["n"] += 1
        if calls["n"] == 3:
            marker.write_text(f"{batch.result.batch_id} {batch_no}")
            time.sleep(300)

    if kind == "postgres":
        copy_rows = PostgresTarget._copy_rows

        def copy_then_pause(self, cur, batch, batch_no):  # rows copied, the transaction still open
            copied = copy_rows(self, cur, batch, batch_no)
            cur.execute(f"SELECT count(*) FROM {batch.connector.rows_table} WHERE _batch_no = %s", [batch_no])
            assert cur.fetchone()[0] == copied > 0
            pause(batch, batch_no)
            return copied

        PostgresTarget._copy_rows = copy_then_pause
        target = PostgresTarget(where)
    else:
        write_final = ClickHouseTarget._write_final

        def pause_then_write_final(self, batch, result):  # rows and quarantine inserted, the status not yet
            pause(batch, result.batch_no)
            write_final(self, batch, result)

        ClickHouseTarget._write_final = pause_then_write_final
        target = ClickHouseTarget(where)
    target.ensure_schema([DEEZER])
    land_source_to(target, DEEZER, landing)
""")


def _kill_while_publishing(kind: str, landing: Path, where: str, marker: Path) -> tuple[str, int]:
    child = subprocess.Popen([sys.executable, "-c", CHILD, kind, str(landing), where, str(marker)], cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the child never reached the pause inside the publication"
        time.sleep(0.1)  # the marker is written before the sleep starts: let it start
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None and not marker.exists():
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    batch_id, batch_no = marker.read_text().split()
    return batch_id, int(batch_no)


def _after_the_kill_then_again(target: Target, manifest: dict[str, Any], landing: Path, batch_id: str,
                               batch_no: int) -> None:
    deezer = [f for f in manifest["files"] if f["source"] == "deezer"]
    expected = {f["file"]: f["expected"]["landed"] for f in deezer}
    # nothing of the killed batch is visible; its ledger entry is still 'loading'
    assert target.query(f"SELECT count(*) FROM {DEEZER.raw_table} WHERE _batch_id = '{batch_id}'")[0][0] == 0
    assert target.query(f"SELECT status FROM raw._ledger WHERE batch_id = '{batch_id}'") == [("loading",)]
    # what was published before the kill is whole: the manifest's count per file
    landed = target.query("SELECT file_name, rows_landed FROM raw._ledger WHERE status = 'landed'")
    assert len(landed) >= 2 and all(expected[name] == rows for name, rows in landed)
    assert target.query(f"SELECT count(*) FROM {DEEZER.raw_table}")[0][0] == sum(r for _, r in landed)

    results = land_source_to(target, DEEZER, landing)

    assert target.query(f"SELECT status, error LIKE 'interrupted%' FROM raw._ledger WHERE batch_id = '{batch_id}'"
                        ) == [("failed", True)]
    assert target.query(f"SELECT count(*) FROM {DEEZER.rows_table} WHERE _batch_no = {batch_no}")[0][0] == 0
    for r in results:
        if r.status == "landed":
            assert r.rows_landed == expected[r.file_name]
    truth = manifest["families"]["daily_streams"]["all_landed_versions"]
    total = target.query(f"SELECT count(*), sum(streams) FROM {DEEZER.raw_table}")[0]
    assert tuple(int(v) for v in total) == (sum(f["expected"]["landed"] for f in deezer),
                                            truth["streams_by_platform"]["deezer"])
    assert target.query("SELECT count(*) FROM raw._quarantine")[0][0] == sum(f["expected"]["quarantined"]
                                                                             for f in deezer)


def test_sigkill_inside_the_postgres_transaction(sample, pg_dsn: str, tmp_path: Path) -> None:
    landing, manifest = sample
    batch_id, batch_no = _kill_while_publishing("postgres", landing, pg_dsn, tmp_path / "paused")
    with PostgresTarget(pg_dsn) as target:
        # not a row of the killed batch is stored, let alone visible
        assert target.query(f"SELECT count(*) FROM {DEEZER.rows_table} WHERE _batch_no = {batch_no}")[0][0] == 0
        _after_the_kill_then_again(target, manifest, landing, batch_id, batch_no)


def test_sigkill_before_the_clickhouse_ledger_says_landed(sample, chdb_path: Path, tmp_path: Path) -> None:
    landing, manifest = sample
    batch_id, batch_no = _kill_while_publishing("clickhouse", landing, str(chdb_path), tmp_path / "paused")
    with ClickHouseTarget(chdb_path) as target:  # the child is dead: this process may open the path now
        # the rows were inserted (ClickHouse has no transaction to take them back) but no view shows them
        assert target.query(f"SELECT count(*) FROM {DEEZER.rows_table} WHERE _batch_no = {batch_no}")[0][0] > 0
        _after_the_kill_then_again(target, manifest, landing, batch_id, batch_no)
