"""The ``ml`` asset group: models that read the marts, train or score with scikit-learn, log to MLflow (one
experiment per model, a registered model whose ``champion`` alias moves only when a retrain beats it) and write
their outputs to the ``ml`` schema. One module per model or family of models; ``ML_ASSETS`` lists them all and
``ML_CHECKS`` the Great Expectations checks on their outputs (checks.py). The marts that read these outputs are a
dbt asset of their own (orchestration/assets/dbt.py: ``ml_output_dbt_models``), so the graph has no cycle.

Data flows: marts -> forecasting, new releases, anomalies, segments, churn, attribution, recommendations ->
insights (reads the anomalies, forecasts and churn scores) -> alerts (orchestration/assets/alerts.py)."""

from orchestration.assets.ml.anomalies import stream_anomalies
from orchestration.assets.ml.attribution import marketing_attribution
from orchestration.assets.ml.checks import SCORE_TABLES, score_check, track_stream_forecast_gx
from orchestration.assets.ml.churn import churn_scores
from orchestration.assets.ml.forecasting import track_stream_forecast
from orchestration.assets.ml.insights import insights
from orchestration.assets.ml.new_release import new_release_forecast
from orchestration.assets.ml.recommendations import RECOMMENDATION_ASSETS
from orchestration.assets.ml.segmentation import segments

ML_ASSETS = [track_stream_forecast, new_release_forecast, stream_anomalies, segments, churn_scores,
             marketing_attribution, *RECOMMENDATION_ASSETS, insights]
ML_CHECKS = [track_stream_forecast_gx, *(score_check(table) for table in SCORE_TABLES)]

__all__ = ["ML_ASSETS", "ML_CHECKS", "track_stream_forecast"]
