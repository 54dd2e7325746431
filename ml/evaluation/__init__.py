"""Scoring the models against the generator's hidden truth: the contract every evaluator keeps.

An evaluator is a module ``ml.evaluation.<name>`` (one per entry of ``EVALUATORS``) with one function::

    def evaluate(marts: Marts, truth: Truth, *, use_baseline: bool = False) -> list[Figure]

It runs the *same* functions the model's Dagster asset runs (ml/<model>.py) on the evaluation warehouse's marts,
compares their output with the truth the generator kept in its manifest (never shown to the pipeline), and
returns figures. With ``use_baseline`` it puts the model's baseline in the model's place, so a test can show that
the evaluation fails when the model is no better than its baseline (issue 7's acceptance).

Why the models are re-run here rather than their ``ml`` tables read: the evaluation must be able to swap a model
for its baseline, and a model's own backtest (what it logs to MLflow) holds out *time*, while the truth lets the
evaluation judge what no backtest can see (hidden archetypes, injected events, true incremental streams).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

# name -> what it judges; each is the module ml.evaluation.<name>, run in this order by `make evaluate`
EVALUATORS: dict[str, str] = {
    "forecasting": "28-day daily streams per track vs seasonal-naive (WAPE, tracks older than 90 days)",
    "new_release": "first-28-days streams of new releases vs the label's median curve scaled by the artist",
    "anomalies": "injected spikes, drops and missing days: precision and recall per event",
    "segmentation": "track and artist segments vs the generator's hidden archetypes (adjusted Rand index)",
    "churn": "engagement drops in the next 28 days (AUC on held-out weeks)",
    "attribution": "marketing touches' credited vs true incremental streams (data-driven method)",
    "recommendations": "collaboration suggestions: hit-rate@10 on held-out artist pairs vs popularity",
    "insights": "the top-ranked insight is an injected event; narrative numbers recomputed from the marts",
}


class Marts(Protocol):
    """Read access to a warehouse: the evaluation's DuckDB file, or a Dagster WarehouseResource."""

    def frame(self, sql: str) -> pd.DataFrame: ...


@dataclasses.dataclass(frozen=True)
class Figure:
    """One judged number. ``passed`` is None for a figure that is reported, not judged (e.g. young tracks)."""

    model: str
    name: str
    value: float
    baseline: float | None = None
    target: str = ""  # as a person reads it, e.g. "<= 0.80 x baseline" or ">= 0.90"
    passed: bool | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Truth:
    """The generator's manifest (var/landing/manifest.json): ``hidden`` and ``families.<name>.hidden`` hold what
    the pipeline never sees."""

    manifest: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Truth:
        return cls(json.loads(Path(path).read_text()))

    @property
    def hidden(self) -> dict[str, Any]:
        return self.manifest["hidden"]

    def family(self, name: str) -> dict[str, Any]:
        return self.manifest["families"][name]

    @property
    def params(self) -> dict[str, Any]:
        return self.manifest["params"]


Evaluator = Callable[..., list[Figure]]


def at_least(value: float, target: float) -> bool:
    return bool(value >= target)


def at_most(value: float, target: float) -> bool:
    return bool(value <= target)
