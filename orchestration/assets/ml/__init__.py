"""The ``ml`` asset group: models that read the marts, train or score with scikit-learn, log to MLflow and write
their outputs to the ``ml`` schema. One module per model (or family of models); ``ML_ASSETS`` lists them all and
``ML_CHECKS`` the Great Expectations checks on their outputs (checks.py)."""

from orchestration.assets.ml.checks import track_stream_forecast_gx
from orchestration.assets.ml.forecasting import track_stream_forecast

ML_ASSETS = [track_stream_forecast]
ML_CHECKS = [track_stream_forecast_gx]

__all__ = ["ML_ASSETS", "ML_CHECKS", "track_stream_forecast"]
