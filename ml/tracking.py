"""MLflow bookkeeping shared by every model: the local store, registration and the champion alias."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

CHAMPION = "champion"


@dataclasses.dataclass(frozen=True)
class LoggedModel:
    run_id: str
    model_name: str
    version: str
    is_champion: bool
    model_uri: str

    def stamp(self, frame: Any) -> Any:
        """``frame`` with the columns every ``ml`` table carries, so each output row names the model version and
        the MLflow run that made it."""
        return frame.assign(model_name=self.model_name, model_version=self.version, mlflow_run_id=self.run_id)

    def metadata(self) -> dict[str, Any]:
        """What a model asset's materialisation records about the model (the demo summary prints it)."""
        return {"mlflow_run_id": self.run_id, "model_uri": self.model_uri, "model_version": self.version,
                "is_champion": self.is_champion}


def configure(tracking_uri: str, artifact_root: Path, experiment: str) -> str:
    """Point MLflow at the project's store (under var/) and return the experiment id."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    found = mlflow.get_experiment_by_name(experiment)
    if found is None:
        experiment_id = mlflow.create_experiment(experiment, artifact_location=Path(artifact_root).as_uri())
    else:
        experiment_id = found.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def log_sklearn_model(*, estimator: Any, model_name: str, input_example: Any, params: dict[str, Any],
                      metrics: dict[str, float], lower_is_better: str, artifacts: dict[str, str] | None = None,
                      trusted_types: list[str] | None = None) -> LoggedModel:
    """Log params, metrics and the model with its signature; register it; move the champion alias only
    when the new version's `lower_is_better` metric beats the current champion's.

    Models are saved with skops (MLflow's safe default); `trusted_types` names the classes of our own
    estimators that skops does not trust by default (we wrote the file, so we can vouch for them)."""
    import mlflow
    import sklearn
    from mlflow.models import infer_signature

    client = mlflow.MlflowClient()
    with mlflow.start_run(run_name=model_name) as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        for name, text in (artifacts or {}).items():
            mlflow.log_text(text, name)
        signature = infer_signature(input_example, estimator.predict(input_example))
        info = mlflow.sklearn.log_model(
            estimator, name="model", signature=signature, input_example=input_example,
            registered_model_name=model_name,
            pip_requirements=[f"scikit-learn=={sklearn.__version__}", "pandas", "numpy"],
            skops_trusted_types=trusted_types,
        )
    version = str(info.registered_model_version)
    champion_score = None
    try:
        champion = client.get_model_version_by_alias(model_name, CHAMPION)
        champion_score = client.get_run(champion.run_id).data.metrics.get(lower_is_better)
    except mlflow.exceptions.MlflowException:
        champion = None
    # strictly better: a retrain that only ties the champion (the same data, the same figure) leaves the alias
    is_champion = champion is None or champion_score is None or metrics[lower_is_better] < champion_score
    if is_champion:
        client.set_registered_model_alias(model_name, CHAMPION, version)
    return LoggedModel(run.info.run_id, model_name, version, is_champion, f"models:/{model_name}/{version}")
