"""End to end: the marketing attribution asset (orchestration/assets/ml/attribution.py) on the session's pipeline
run: one row per marketing touch and method in ml.marketing_attribution, every method crediting the same total,
and the model logged in its MLflow experiment, registered with the champion alias."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml import attribution as at

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def frames(pipeline_run) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = duckdb.connect(str(pipeline_run.warehouse_path), read_only=True)
    try:
        touches = con.execute("select activity_id, spend_eur from marts.fct_marketing_touches").df()
        table = con.execute("select * from ml.marketing_attribution").df()
    finally:
        con.close()
    return touches, table


def test_one_row_per_touch_and_method(frames) -> None:
    touches, table = frames
    assert len(touches) > 0  # the session's sample writes every family, marketing included
    assert len(table) == len(touches) * len(at.METHODS)
    assert set(table["method"]) == set(at.METHODS)
    for _, rows in table.groupby("method"):
        assert sorted(rows["activity_id"]) == sorted(touches["activity_id"])
    assert {"activity_id", "method", "credited_streams", "credited_share", "spend", "cost_per_incremental_stream",
            "model_name", "model_version", "mlflow_run_id"} <= set(table.columns)


def test_credits_are_streams_and_every_method_splits_the_same_total(frames) -> None:
    _, table = frames
    assert np.isfinite(table["credited_streams"]).all() and (table["credited_streams"] >= 0).all()
    totals = table.groupby("method")["credited_streams"].sum()
    np.testing.assert_allclose(totals.to_numpy(), totals[at.DATA_DRIVEN], rtol=1e-6)
    assert totals[at.DATA_DRIVEN] > 0
    np.testing.assert_allclose(table.groupby("method")["credited_share"].sum().to_numpy(), 1.0, atol=1e-9)
    paid = table[(table["spend"] > 0) & (table["credited_streams"] > 0)]
    np.testing.assert_allclose(paid["cost_per_incremental_stream"], paid["spend"] / paid["credited_streams"])
    assert table.loc[table["spend"].fillna(0) <= 0, "cost_per_incremental_stream"].isna().all()


def test_data_driven_credit_is_near_the_true_total(frames, pipeline_run) -> None:
    _, table = frames
    attributed = pipeline_run.manifest["families"]["marketing"]["hidden"]["marketing_attributed_streams"]
    true_total = sum(v["total"] for v in attributed.values())
    credited = table.loc[table["method"] == at.DATA_DRIVEN, "credited_streams"].sum()
    assert credited == pytest.approx(true_total, rel=0.5)


def test_attribution_is_tracked_and_registered(frames, pipeline_run) -> None:
    import mlflow

    _, table = frames
    client = mlflow.MlflowClient(tracking_uri=pipeline_run.mlflow_tracking_uri)
    experiment = client.get_experiment_by_name("tunemantra-attribution")
    assert experiment is not None
    run_ids = set(table["mlflow_run_id"])
    assert len(run_ids) == 1 and set(table["model_name"]) == {at.MODEL_NAME}
    run = client.get_run(run_ids.pop())
    assert run.info.status == "FINISHED" and run.info.experiment_id == experiment.experiment_id
    assert run.data.metrics["credited_incremental_streams"] == pytest.approx(
        table.loc[table["method"] == at.DATA_DRIVEN, "credited_streams"].sum(), rel=1e-6)
    champion = client.get_model_version_by_alias(at.MODEL_NAME, "champion")
    assert str(champion.version) == str(table["model_version"].iloc[0])
