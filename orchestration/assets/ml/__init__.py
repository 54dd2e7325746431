"""The ``ml`` asset group: models that read the marts, train or score with scikit-learn, log to MLflow and write
their outputs to the ``ml`` schema. One module per model (or family of models); ``ML_ASSETS`` lists them all."""

from orchestration.assets.ml.forecasting import track_stream_forecast

ML_ASSETS = [track_stream_forecast]

__all__ = ["ML_ASSETS", "track_stream_forecast"]
