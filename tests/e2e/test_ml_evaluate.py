"""``python -m ml.evaluate`` (what ``make evaluate`` runs) on the session's pipeline run: every evaluator runs on
the production marts against the generator's truth, and swapping a model for its baseline fails the evaluation."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from ml.evaluation import EVALUATORS
from tests.conftest import REPO_ROOT, PipelineRun

pytestmark = pytest.mark.slow


def _evaluate(pipeline_run: PipelineRun, out: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run([sys.executable, "-m", "ml.evaluate", "--var", str(pipeline_run.var_dir), "--out", str(out),
                           *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    report = json.loads((out / "report.json").read_text())
    return proc, report


def test_the_forecast_beats_its_baseline_and_the_swap_fails_the_evaluation(pipeline_run: PipelineRun,
                                                                           tmp_path: Path) -> None:
    proc, report = _evaluate(pipeline_run, tmp_path / "model", "--only", "forecasting")
    assert report["problems"] == [], proc.stdout[-3000:]
    judged = {f["name"]: f for f in report["figures"] if f["passed"] is not None}
    older = judged["wape_model_older_90d"]
    assert older["model"] == "forecasting" and older["value"] < older["baseline"]
    assert older["passed"] == (older["value"] <= 0.8 * older["baseline"])
    assert proc.returncode == (0 if all(f["passed"] for f in judged.values()) else 1)

    swapped, report = _evaluate(pipeline_run, tmp_path / "baseline", "--only", "forecasting",
                                "--baseline", "forecasting")
    figure = next(f for f in report["figures"] if f["name"] == "wape_model_older_90d")
    assert figure["value"] == pytest.approx(older["baseline"])  # the baseline's own WAPE, in the model's place
    assert figure["passed"] is False
    assert swapped.returncode == 1
    assert "MISS  wape_model_older_90d" in swapped.stdout
    assert "missed: forecasting wape_model_older_90d" in swapped.stdout


def test_every_evaluator_runs_on_the_pipeline_marts(pipeline_run: PipelineRun, tmp_path: Path) -> None:
    """On the 12-track session sample the targets are not the point (make evaluate judges them at 3e6 rows on
    seed 7); every evaluator must run and report its figures beside a baseline and a target."""
    proc, report = _evaluate(pipeline_run, tmp_path)
    failed = [p for p in report["problems"] if "could not be judged" not in p]
    assert failed == [], proc.stdout[-4000:]
    models = {f["model"] for f in report["figures"]}
    assert models == set(EVALUATORS)
    for name in EVALUATORS:  # each states at least one target
        assert [f for f in report["figures"] if f["model"] == name and f["target"] not in ("", "reported")], name
    # a target the small sample cannot judge is a problem, never a silent pass
    unjudged = [f for f in report["figures"] if f["passed"] is None and f["target"] not in ("", "reported")
                and math.isnan(f["value"])]
    assert len(report["problems"]) - len(failed) == len(unjudged)
    assert proc.returncode == (1 if report["problems"] or any(f["passed"] is False for f in report["figures"])
                               else 0)
    assert (tmp_path / "report.md").read_text().count("|") > 10 * len(EVALUATORS)
