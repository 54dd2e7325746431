"""A second run re-delivers the same files (and a renamed copy): the ledger recognises them, nothing doubles.

Runs on a copy of the session's var folder: the session's landing folder stays the sample as generated, which the
tests that land it elsewhere (tests/targets/) compare with."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.conftest import PipelineRun, generate_sample
from tests.e2e.test_pipeline import assert_mart_matches_manifest

pytestmark = pytest.mark.slow


def test_a_second_run_lands_nothing_new(pipeline_run, var_copy) -> None:
    first = PipelineRun(var_copy, pipeline_run.manifest, pipeline_run.summary, pipeline_run.output, 0)
    con = duckdb.connect(str(first.warehouse_path), read_only=True)
    before = con.execute("SELECT count(*), sum(rows_landed) FROM raw._ledger").fetchone()
    con.close()
    # `make demo` again: the generator writes the same bytes, then a platform re-sends a file under a new name
    assert generate_sample(first.var_dir) == first.manifest
    original = next(f for f in first.manifest["files"] if f["source"] == "deezer")
    renamed = (first.landing_dir / original["file"]).with_name("deezer_streams_202509_corrected.csv")
    shutil.copyfile(first.landing_dir / original["file"], renamed)

    second = first.rerun()

    assert second.returncode == 0, second.output[-4000:]
    assert second.summary["rows"] == {"read": original["data_lines"], "landed": 0, "quarantined": 0,
                                      "duplicate": original["data_lines"]}
    assert "files new   0, re-delivered 1" in second.output
    con = duckdb.connect(str(first.warehouse_path), read_only=True)
    after = con.execute("SELECT count(*), sum(rows_landed) FROM raw._ledger").fetchone()
    entry = con.execute("SELECT status, duplicate_of, rows_landed FROM raw._ledger WHERE file_name = ?",
                        [f"deezer/{renamed.name}"]).fetchone()
    con.close()
    # the rows are unchanged; the new ledger entries are the renamed copy and, at most, empty syncs
    assert after[1] == before[1]
    assert after[0] >= before[0] + 1
    assert entry == ("duplicate_file", original["file"], 0)
    assert_mart_matches_manifest(second.serving_path, first.manifest)
