"""`make evaluate`'s entry point on a small evaluation set: it builds the dbt models, prints the figures, and
every evaluation line comes out exactly once, matched or not. (The accuracy targets are `make evaluate`'s
business, not a unit test's.)"""

from __future__ import annotations

import collections
import csv
import hashlib
import re
from pathlib import Path

import duckdb

from ingestion.generator.evaluation import CASES, generate_evaluation
from orchestration.evaluate_entity_resolution import main


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_evaluation_set_is_deterministic_and_its_truth_points_into_the_catalogue(tmp_path: Path) -> None:
    generate_evaluation(tmp_path / "a", seed=7, n_tracks=80, n_lines=800)
    generate_evaluation(tmp_path / "b", seed=7, n_tracks=80, n_lines=800)
    manifest = generate_evaluation(tmp_path / "c", seed=8, n_tracks=80, n_lines=800)
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    assert _hashes(tmp_path / "a")["truth.csv"] != _hashes(tmp_path / "c")["truth.csv"]
    with (tmp_path / "c" / "catalogue_tracks.csv").open(newline="", encoding="utf-8") as fh:
        catalogue = {row["isrc"] for row in csv.DictReader(fh)}
    with (tmp_path / "c" / "truth.csv").open(newline="", encoding="utf-8") as fh:
        truth = list(csv.DictReader(fh))
    assert len(truth) == manifest["lines"] == 800
    assert all(row["true_isrc"] in catalogue for row in truth if row["true_isrc"])
    assert {row["case"] for row in truth} == set(CASES)
    assert all(not row["true_isrc"] for row in truth if row["case"] in manifest["negative_cases"])


def test_evaluate_prints_the_figures_and_resolves_every_line_once(tmp_path: Path, capsys) -> None:
    result = main(["--out", str(tmp_path), "--seed", "3", "--tracks", "60", "--lines", "500",
                   "--min-precision", "0", "--min-recall", "0"])
    printed = capsys.readouterr().out
    assert re.search(r"^  precision [01]\.\d{4} ", printed, re.MULTILINE), printed
    assert re.search(r"^  recall    [01]\.\d{4} ", printed, re.MULTILINE), printed
    assert "by match method:" in printed and "isrc_exact" in printed and "unmatched" in printed
    assert "every line resolved exactly once: 500 lines in, 500 out, 0 missing, 0 doubled" in printed
    assert result.every_line_once

    # independently of the runner: each line of the truth is one row of the resolved model, and no other row
    with (tmp_path / "set" / "truth.csv").open(newline="", encoding="utf-8") as fh:
        truth = collections.Counter((row["file_name"], int(row["line_number"])) for row in csv.DictReader(fh))
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("""select file_name, line_number, is_matched, match_method, resolved_isrc
                              from intermediate.int_usage_daily_resolved""").fetchall()
    finally:
        con.close()
    resolved = collections.Counter((file_name, line) for file_name, line, *_ in rows)
    assert resolved == truth
    assert all(count == 1 for count in resolved.values())
    assert {method for _, _, _, method, _ in rows} >= {"isrc_exact", "unmatched"}
    assert all((isrc is not None) == matched for _, _, matched, _, isrc in rows)
