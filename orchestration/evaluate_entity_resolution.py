"""``python -m orchestration.evaluate_entity_resolution [--out DIR] [--seed 7]``: entity resolution, measured.

``make evaluate`` runs it. It

1. writes the evaluation set with its own seed (ingestion/generator/evaluation.py: a catalogue, usage lines full
   of hard cases, the truth per line);
2. creates an evaluation warehouse, a DuckDB file of its own, whose raw tables hold that set in the columns the
   landing contract gives them: the catalogue as ``raw.catalogue__tracks``, the usage lines as
   ``raw.<platform>__daily_streams`` (file and line as lineage), EUR/USD rates as ``raw.fx__monthly_rates``,
   one landed batch per file in the landing contract's ledger (``raw._ledger``, created by the contract itself);
3. builds the production dbt project there with ``dbt build --select +rpt_unmatched_usage_queue``: the same
   staging models, ``int_usage_daily_unioned``, macros and entity-resolution models as the pipeline, with their
   tests and unit tests. Only the tests of staging and of the usage union are left out: the evaluation lines
   include missing and malformed ISRCs, which the landing contract would quarantine and those tests refuse.
   The overrides seed is the committed one (its decisions are about the sample's recordings; the figures per
   match method show if one ever touched an evaluation line);
4. compares ``intermediate.int_usage_daily_resolved`` with the truth, line by line (file and line number), and
   prints precision, recall, the counts per match method and per case. It exits with status 1 when a line is
   missing or doubled, or when a target (``--min-precision``, ``--min-recall``) is missed.

Precision: of the lines matched to a track, the share matched to the right one. Recall: of the lines that are
the label's recordings, the share matched to the right track.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.contract import LEDGER, ensure_schema
from ingestion.generator.evaluation import generate_evaluation
from ingestion.generator.params import PLATFORMS
from orchestration.settings import DBT_PROJECT_DIR

SELECTION = "+rpt_unmatched_usage_queue"
# tests the evaluation lines are built to fail: staging's not-null ISRC and the usage union's grain
EXCLUDED_TESTS = ("path:models/staging,resource_type:test", "path:models/intermediate/usage,resource_type:test")
RESULT_QUERY = """
    select file_name, line_number, resolved_isrc, is_matched, match_method, match_score, unmatched_reason
    from intermediate.int_usage_daily_resolved
"""


@dataclasses.dataclass
class Evaluation:
    lines: int
    lines_out: int
    ours: int
    matched: int
    correct: int
    precision: float
    recall: float
    by_method: pd.DataFrame
    by_case: pd.DataFrame
    missing_lines: int
    doubled_lines: int
    warehouse: Path

    @property
    def every_line_once(self) -> bool:
        return self.missing_lines == 0 and self.doubled_lines == 0 and self.lines == self.lines_out


def load_raw_tables(set_dir: Path, warehouse: Path) -> None:
    """The evaluation set as the raw layer: the landing contract's columns, lineage included."""
    warehouse.unlink(missing_ok=True)
    loaded_at = dt.datetime(2026, 11, 1, 6, 0, 0)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema raw")
        catalogue = _read(set_dir / "catalogue_tracks.csv", "evaluation/catalogue_tracks.csv", "eval-catalogue",
                          loaded_at)
        con.register("catalogue_rows", catalogue)
        con.execute("""
            create table raw.catalogue__tracks as select
                isrc, track_title, artist_name, release_title, upc, cast(release_date as date) as release_date,
                label_name, genre, cast(duration_seconds as bigint) as duration_seconds, sub_label_name,
                distributor, label_id, iswc, _batch_id, _file_name, _line_number, _file_sha256,
                _delivery_version, _loaded_at
            from catalogue_rows""")
        for platform in PLATFORMS:
            rows = _read(set_dir / "usage" / f"{platform}.csv", f"evaluation/usage/{platform}.csv",
                         f"eval-{platform}", loaded_at)
            con.register("usage_rows", rows)
            con.execute(f"""
                create table raw.{platform}__daily_streams as select
                    cast(report_date as date) as report_date, territory_code, nullif(isrc, '') as isrc,
                    track_title, artist_name, cast(streams as bigint) as streams,
                    cast(revenue as decimal(18, 6)) as revenue, currency, _batch_id, _file_name, _line_number,
                    _file_sha256, _delivery_version, _loaded_at
                from usage_rows""")
            con.unregister("usage_rows")
        ensure_schema(con)  # the landing ledger: every evaluation file is one landed batch of its source
        batches = [("eval-catalogue", "catalogue", "evaluation/catalogue_tracks.csv")] + [
            (f"eval-{platform}", platform, f"evaluation/usage/{platform}.csv") for platform in PLATFORMS] + [
            ("eval-fx", "fx", "evaluation/fx.csv")]
        con.executemany(f"""
            insert into {LEDGER} (batch_id, source, file_name, file_path, sha256, bytes, status, rows_read,
                rows_landed, rows_quarantined, rows_duplicate, started_at, finished_at, delivery_version)
            values (?, ?, ?, ?, '', 0, 'landed', 0, 0, 0, 0, ?, ?, 1)""",
            [(batch, source, name, name, loaded_at, loaded_at) for batch, source, name in batches])
        con.execute("""
            create table raw.fx__monthly_rates as select
                cast(month as date) as rate_month, currency, cast(rate as decimal(18, 6)) as eur_per_unit,
                'eval-fx' as _batch_id, 'evaluation/fx.csv' as _file_name, cast(row_number() over () as integer)
                as _line_number, '' as _file_sha256, 1 as _delivery_version, ? as _loaded_at
            from (select unnest(generate_series(date '2025-09-01', date '2026-10-01', interval 1 month)) as month),
                 (values ('EUR', 1.0), ('USD', 0.9123)) as rates(currency, rate)""", [loaded_at])
    finally:
        con.close()


def _read(path: Path, file_name: str, batch_id: str, loaded_at: dt.datetime) -> pd.DataFrame:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    frame = pd.DataFrame(rows, dtype="string")
    frame["_batch_id"] = batch_id
    frame["_file_name"] = file_name
    frame["_line_number"] = pd.Series(range(2, len(rows) + 2), dtype="int32")  # the header is line 1
    frame["_file_sha256"] = ""
    frame["_delivery_version"] = pd.Series([1] * len(rows), dtype="int32")
    frame["_loaded_at"] = loaded_at
    return frame


def build(warehouse: Path, work_dir: Path) -> float:
    """``dbt build`` of the production project's entity-resolution selection on the evaluation warehouse."""
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "TM_WAREHOUSE_PATH": str(warehouse), "TM_TARGET": "duckdb",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    args = [str(dbt), "--no-use-colors", "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
            "--select", SELECTION, "--exclude", *EXCLUDED_TESTS,
            # a test of a selected model against one outside the selection (e.g. dim_track -> dim_label) is not run
            "--indirect-selection", "cautious"]
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-6000:] + proc.stderr[-2000:])
        raise SystemExit(f"dbt build failed on the evaluation warehouse ({warehouse})")
    return time.perf_counter() - started


def measure(set_dir: Path, warehouse: Path) -> Evaluation:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(f"""
            create temp table truth as select file_name, cast(line_number as integer) as line_number,
                nullif(true_isrc, '') as true_isrc, "case", traits
            from read_csv('{set_dir / "truth.csv"}', all_varchar = true, header = true)""")
        con.execute(f"create temp table result as {RESULT_QUERY}")
        joined = con.execute("""
            select truth.*, result.resolved_isrc, coalesce(result.is_matched, false) as is_matched,
                result.match_method, result.line_number is not null as is_present,
                count(result.line_number) over (partition by truth.file_name, truth.line_number) as copies
            from truth
            left join result
                on result.file_name = truth.file_name and result.line_number = truth.line_number""").df()
        lines_out = con.execute("select count(*) from result").fetchone()[0]
    finally:
        con.close()
    one = joined.drop_duplicates(["file_name", "line_number"])
    one = one.assign(ours=one["true_isrc"].notna(),
                     correct=one["is_matched"] & (one["resolved_isrc"] == one["true_isrc"]).fillna(False),
                     wrong=one["is_matched"] & ~(one["resolved_isrc"] == one["true_isrc"]).fillna(False))
    matched, correct, ours = int(one["is_matched"].sum()), int(one["correct"].sum()), int(one["ours"].sum())
    by_method = one.groupby("match_method", dropna=False).agg(
        lines=("line_number", "size"), right_track=("correct", "sum"), wrong_track=("wrong", "sum"),
        ours=("ours", "sum")).reset_index()
    one = one.assign(unmatched_ours=one["ours"] & ~one["is_matched"])
    by_case = one.groupby("case").agg(lines=("line_number", "size"), ours=("ours", "sum"),
                                      right_track=("correct", "sum"), wrong_track=("wrong", "sum"),
                                      unmatched_ours=("unmatched_ours", "sum")).reset_index()
    return Evaluation(
        lines=len(one), lines_out=int(lines_out), ours=ours, matched=matched, correct=correct,
        precision=correct / matched if matched else 1.0, recall=correct / ours if ours else 1.0,
        by_method=by_method, by_case=by_case, missing_lines=int((~one["is_present"]).sum()),
        doubled_lines=int((one["copies"] > 1).sum()), warehouse=warehouse)


def report(result: Evaluation, manifest: dict, seconds: float, min_precision: float, min_recall: float) -> str:
    out = [
        f"Entity resolution on the evaluation set (seed {manifest['seed']}: {manifest['tracks']} catalogue tracks, "
        f"{result.lines:,} usage lines, {result.ours:,} of them the label's recordings)",
        f"  built with the pipeline's dbt models: dbt build --select {SELECTION} ({seconds:.1f}s) "
        f"on {result.warehouse}",
        f"  precision {result.precision:.4f}  ({result.correct:,} of {result.matched:,} matched lines "
        f"matched to the right track; target >= {min_precision})",
        f"  recall    {result.recall:.4f}  ({result.correct:,} of {result.ours:,} lines of the label's recordings "
        f"matched to the right track; target >= {min_recall})",
        f"  every line resolved exactly once: {result.lines:,} lines in, {result.lines_out:,} out, "
        f"{result.missing_lines} missing, {result.doubled_lines} doubled",
        "  by match method:",
    ]
    for row in result.by_method.sort_values("lines", ascending=False).itertuples():
        out.append(f"    {row.match_method!s:<24} lines {row.lines:>6,}  right track {row.right_track:>6,}  "
                   f"wrong track {row.wrong_track:>4,}  (the label's: {row.ours:,})")
    out.append("  by case (ingestion/generator/evaluation.py CASES):")
    for row in result.by_case.itertuples():
        out.append(f"    {row.case:<28} lines {row.lines:>6,}  ours {row.ours:>6,}  right track "
                   f"{row.right_track:>6,}  wrong track {row.wrong_track:>4,}  ours left unmatched "
                   f"{row.unmatched_ours:>4,}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> Evaluation:
    parser = argparse.ArgumentParser(description="Measure entity resolution on the evaluation set.")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("TM_VAR_DIR", "var")) / "evaluation")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracks", type=int, default=400)
    parser.add_argument("--lines", type=int, default=6000)
    parser.add_argument("--min-precision", type=float, default=0.995)
    parser.add_argument("--min-recall", type=float, default=0.95)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    set_dir, warehouse = out / "set", out / "warehouse.duckdb"
    manifest = generate_evaluation(set_dir, args.seed, args.tracks, args.lines)
    load_raw_tables(set_dir, warehouse)
    seconds = build(warehouse, out / "dbt")
    result = measure(set_dir, warehouse)
    print(report(result, manifest, seconds, args.min_precision, args.min_recall))
    failures = []
    if not result.every_line_once:
        failures.append("not every evaluation line resolved exactly once")
    if result.precision < args.min_precision:
        failures.append(f"precision {result.precision:.4f} < {args.min_precision}")
    if result.recall < args.min_recall:
        failures.append(f"recall {result.recall:.4f} < {args.min_recall}")
    print("  targets: " + ("; ".join(failures) if failures else "met"))
    if failures:
        raise SystemExit(1)
    return result


if __name__ == "__main__":
    main()
