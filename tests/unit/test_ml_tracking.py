"""MLflow bookkeeping (ml/tracking.py) on a real local tracking store: one experiment per model, every retrain
registered as a new version, and the ``champion`` alias moved only by a version that beats the current one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture()
def store(tmp_path: Path) -> str:
    import mlflow

    from ml.tracking import configure

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    configure(uri, tmp_path / "artifacts", "tunemantra-test-model")
    yield uri
    mlflow.set_tracking_uri(None)


def _retrain(score: float, seed: int):
    from sklearn.linear_model import LinearRegression

    from ml.tracking import log_sklearn_model

    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.normal(size=20), "b": rng.normal(size=20)})
    estimator = LinearRegression().fit(x, x["a"] * 2 + x["b"])
    return log_sklearn_model(estimator=estimator, model_name="test_model", input_example=x.head(3),
                             params={"seed": seed}, metrics={"wape": score}, lower_is_better="wape",
                             artifacts={"notes.txt": f"seed {seed}"})


def test_the_alias_moves_only_when_a_retrain_beats_the_champion(store: str) -> None:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=store)
    first = _retrain(0.30, seed=1)
    assert (first.version, first.is_champion) == ("1", True)
    worse = _retrain(0.35, seed=2)  # registered, but the alias stays where it was
    assert (worse.version, worse.is_champion) == ("2", False)
    assert str(client.get_model_version_by_alias("test_model", "champion").version) == "1"
    tie = _retrain(0.30, seed=4)  # only as good as the champion: not a reason to move it
    assert (tie.version, tie.is_champion) == ("3", False)
    better = _retrain(0.25, seed=3)
    assert (better.version, better.is_champion) == ("4", True)
    assert str(client.get_model_version_by_alias("test_model", "champion").version) == "4"
    # one experiment for the model, a run per retrain with its metric, parameters and artifact
    experiment = client.get_experiment_by_name("tunemantra-test-model")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    assert [r.data.metrics["wape"] for r in runs] == [0.30, 0.35, 0.30, 0.25]
    assert [r.data.params["seed"] for r in runs] == ["1", "2", "4", "3"]
    assert "notes.txt" in {a.path for a in client.list_artifacts(runs[0].info.run_id)}
    # the champion loads and predicts with its signature
    loaded = mlflow.pyfunc.load_model("models:/test_model@champion")
    assert loaded.metadata.get_input_schema().input_names() == ["a", "b"]
    assert np.allclose(loaded.predict(pd.DataFrame({"a": [1.0], "b": [1.0]})), [3.0])
