"""``python -m ml.evaluate``: every analytics model scored against the generator's truth (``make evaluate``).

1. Unless ``--var`` already holds a pipeline run, it writes a sample with its own seed (``--seed``, default 7:
   the models were developed on seed 42) at ``--rows`` usage rows and runs the whole pipeline on it
   (``python -m orchestration.demo``, the same command as ``make demo``), so the marts are the production ones;
2. it runs each evaluator of ``ml.evaluation.EVALUATORS`` on that warehouse (read-only) and the sample's
   manifest, printing each figure beside its baseline and target;
3. it writes ``report.json`` and ``report.md`` under ``--out`` and exits with status 1 when a target is missed
   (or an evaluator is missing or fails), 0 otherwise.

``--baseline NAME`` puts model NAME's baseline in its place (the acceptance test: the evaluation must then fail).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import duckdb
import pandas as pd

from ml.evaluation import EVALUATORS, Figure, Truth

DEFAULT_ROWS = 3_000_000


class DuckDBMarts:
    """The evaluation warehouse, opened read-only (the pipeline has finished writing it)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._con = duckdb.connect(str(self.path), read_only=True)

    def frame(self, sql: str) -> pd.DataFrame:
        return self._con.execute(sql).df()

    def close(self) -> None:
        self._con.close()


def build_sample_and_pipeline(var_dir: Path, seed: int, rows: int) -> None:
    """The evaluation's own pipeline run: the generator and the demo pipeline in child processes, each seeing
    only the evaluation's var folder."""
    env = {**os.environ, "TM_VAR_DIR": str(var_dir), "DAGSTER_HOME": str(var_dir / "dagster"),
           "TM_WAREHOUSE_PATH": str(var_dir / "warehouse" / "tunemantra.duckdb"), "TM_TARGET": "duckdb"}
    (var_dir / "dagster").mkdir(parents=True, exist_ok=True)
    dagster_yaml = Path(__file__).resolve().parent.parent / "infra" / "dagster" / "dagster.yaml"
    if dagster_yaml.exists() and not (var_dir / "dagster" / "dagster.yaml").exists():
        (var_dir / "dagster" / "dagster.yaml").write_text(dagster_yaml.read_text())
    steps = [
        [sys.executable, "-m", "ingestion.generator", "--out", str(var_dir / "landing"), "--seed", str(seed),
         "--rows", str(rows), "--extras", "all"],
        [sys.executable, "-m", "orchestration.demo"],
    ]
    for step in steps:
        print("$", " ".join(step[1:]), flush=True)
        subprocess.run(step, env=env, check=True)


def run_evaluators(marts: DuckDBMarts, truth: Truth, *, baselines: set[str], only: set[str] | None
                   ) -> tuple[list[Figure], list[str]]:
    figures: list[Figure] = []
    problems: list[str] = []
    for name in EVALUATORS:
        if only and name not in only:
            continue
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"ml.evaluation.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"ml.evaluation.{name}":
                raise
            problems.append(f"{name}: no evaluator (ml/evaluation/{name}.py)")
            print(f"\n{name}: NOT BUILT (ml/evaluation/{name}.py missing)", flush=True)
            continue
        try:
            got = module.evaluate(marts, truth, use_baseline=name in baselines)
        except Exception:  # one model's failure is reported, the others still run
            problems.append(f"{name}: evaluator failed\n{traceback.format_exc()}")
            print(f"\n{name}: FAILED\n{traceback.format_exc()}", flush=True)
            continue
        figures.extend(got)
        swapped = " (its baseline in the model's place)" if name in baselines else ""
        print(f"\n{name}{swapped}: {time.perf_counter() - started:.1f}s", flush=True)
        for f in got:
            print("  " + format_figure(f), flush=True)
    return figures, problems


def format_figure(f: Figure) -> str:
    verdict = {True: "PASS", False: "MISS", None: "    "}[f.passed]
    baseline = "" if f.baseline is None else f"  baseline {f.baseline:.4f}"
    target = f"  target {f.target}" if f.target else ""
    detail = f"  ({f.detail})" if f.detail else ""
    return f"{verdict}  {f.name:<48} {f.value:.4f}{baseline}{target}{detail}"


def write_report(out: Path, figures: list[Figure], problems: list[str], meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(
        {**meta, "figures": [f.as_dict() for f in figures], "problems": problems}, indent=2) + "\n")
    lines = [f"# Model evaluation (seed {meta['seed']}, {meta['rows']:,} usage rows)", "",
             "| model | figure | value | baseline | target | verdict |", "|---|---|---:|---:|---|---|"]
    for f in figures:
        verdict = {True: "pass", False: "**miss**", None: "reported"}[f.passed]
        baseline = "" if f.baseline is None else f"{f.baseline:.4f}"
        lines.append(f"| {f.model} | {f.name} | {f.value:.4f} | {baseline} | {f.target} | {verdict} |")
    lines += ["", *(f"- {p.splitlines()[0]}" for p in problems)]
    (out / "report.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", type=Path, required=True, help="the evaluation's var folder (built if empty)")
    parser.add_argument("--out", type=Path, help="where report.json/report.md go (default: <var>/evaluation)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rows", type=float, default=DEFAULT_ROWS)
    parser.add_argument("--baseline", action="append", default=[], choices=list(EVALUATORS),
                        help="put this model's baseline in its place (repeatable)")
    parser.add_argument("--only", action="append", default=[], choices=list(EVALUATORS),
                        help="evaluate only this model (repeatable)")
    args = parser.parse_args(argv)
    var_dir = args.var.resolve()
    warehouse = var_dir / "warehouse" / "tunemantra.duckdb"
    manifest = var_dir / "landing" / "manifest.json"
    if not (warehouse.exists() and manifest.exists()):
        build_sample_and_pipeline(var_dir, args.seed, int(args.rows))
    truth = Truth.load(manifest)
    seed, rows = truth.params["seed"], int(truth.manifest["totals"]["usage_rows"])
    print(f"\nEvaluating on seed {seed}, {rows:,} usage rows ({var_dir})", flush=True)
    marts = DuckDBMarts(warehouse)
    try:
        figures, problems = run_evaluators(marts, truth, baselines=set(args.baseline), only=set(args.only) or None)
    finally:
        marts.close()
    # a target the evaluation set gave nothing to judge (e.g. no busy series): not a pass
    problems += [f"{f.model}: {f.name} could not be judged on this evaluation set ({f.detail})"
                 for f in figures if f.passed is None and f.target not in ("", "reported") and math.isnan(f.value)]
    write_report(args.out or var_dir / "evaluation", figures, problems,
                 {"seed": seed, "rows": rows, "baselines": sorted(args.baseline)})
    missed = [f for f in figures if f.passed is False]
    print(f"\n{sum(f.passed is True for f in figures)} targets met, {len(missed)} missed, {len(problems)} problems",
          flush=True)
    for f in missed:
        print(f"  missed: {f.model} {f.name} = {f.value:.4f} (target {f.target})", flush=True)
    for p in problems:
        print(f"  problem: {p.splitlines()[0]}", flush=True)
    return 1 if missed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
