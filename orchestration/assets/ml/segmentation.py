"""Behaviour segments of tracks and artists and clusters of artist audiences (ml/segmentation.py), logged and
registered in MLflow."""

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

SEGMENT_MODEL = "track_behaviour_segments"
TRACK_SEGMENTS_TABLE = """
    SELECT s.isrc, t.track_title, t.artist_key, t.artist_name, CAST(s.segment AS INTEGER) AS segment,
           s.segment_name, s.confidence, s.seasonal_t, s.trend_t, s.peak, s.seasonal_amplitude, s.trend_per_year,
           CAST(s.weeks_observed AS INTEGER) AS weeks_observed, s.mean_daily_streams, s.model_name,
           s.model_version, s.mlflow_run_id
    FROM {segments} AS s
    LEFT JOIN (SELECT isrc, min(track_title) AS track_title, min(artist_key) AS artist_key,
                      min(artist_name) AS artist_name
               FROM marts.dim_track GROUP BY isrc) AS t ON t.isrc = s.isrc
    ORDER BY s.isrc"""
ARTIST_SEGMENTS_TABLE = """
    SELECT a.artist_key, a.artist_name, a.segment_name, CAST(a.tracks AS INTEGER) AS tracks, a.confidence,
           a.mean_daily_streams, a.model_name, a.model_version, a.mlflow_run_id
    FROM {artists} AS a ORDER BY a.artist_key"""
AUDIENCE_SEGMENTS_TABLE = """
    SELECT a.audience_name, a.artist_key, CAST(a.segment AS INTEGER) AS segment, a.segment_name, a.top_age_group,
           a.female_share, a.top_territory, a.top_territory_share, a.silhouette, a.model_name, a.model_version,
           a.mlflow_run_id
    FROM {audiences} AS a ORDER BY a.audience_name"""
KINDS = {"scikitlearn", "mlflow", target_kind()}


def _finite(value: float) -> float:
    """0 for an undefined score (one cluster has no silhouette), so that MLflow and Dagster can store it."""
    return float(value) if value == value else 0.0  # NaN != NaN


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["ml", "track_segments"], group_name="ml", kinds=KINDS,
                     deps=[dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "dim_track"])],
                     description="Behaviour segment per catalogue track (evergreen, seasonal, viral, decaying: "
                                 "KMeans on the shape of its streams after the release spike, ml/segmentation.py) "
                                 "with its features and confidence; logged and registered in MLflow."),
        dg.AssetSpec(["ml", "artist_segments"], group_name="ml", kinds=KINDS,
                     deps=[dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "dim_track"])],
                     description="Behaviour segment per artist: the most common segment of its tracks."),
        dg.AssetSpec(["ml", "audience_segments"], group_name="ml", kinds=KINDS,
                     deps=[dg.AssetKey(["marts", "fct_audience_demographics"])],
                     description="Artist audiences clustered by age, gender and territory mix (aggregated "
                                 "platform cells only; no listener-level data exists)."),
    ],
)
def segments(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    import pandas as pd

    from ml import segmentation as sg
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    tracks = warehouse.frame(sg.TRACKS)
    panel = sg.Panel.from_frames(warehouse.frame(sg.DAILY_STREAMS), tracks)
    track_rows, seg = sg.segment_tracks(panel)
    x = sg.design_matrix(track_rows)
    silhouette = float("nan")
    if 1 < len(set(seg.labels.tolist())) < len(x):
        from sklearn.metrics import silhouette_score

        silhouette = float(silhouette_score(x, seg.labels))
    artist_rows = sg.segment_artists(track_rows, tracks)
    try:
        audience = warehouse.frame(sg.AUDIENCE)
    except Exception as exc:  # the audience mart is built only when the analytics extra landed
        context.log.warning(f"no audience demographics: {exc}")
        audience = pd.DataFrame()
    audience_rows, audience_silhouette = sg.segment_audiences(sg.audience_profiles(audience))
    counts = track_rows["segment_name"].value_counts().to_dict()
    say(f"  segmentation: {len(track_rows)} tracks in {len(counts)} segments {counts}, stability ARI "
        f"{seg.stability_ari:.3f}; {len(artist_rows)} artists; {len(audience_rows)} audiences")

    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, "tunemantra-segmentation")
    centres = pd.DataFrame(seg.estimator.cluster_centers_, columns=list(x.columns))
    centres.insert(0, "segment_name", seg.names)
    logged = log_sklearn_model(
        estimator=seg.estimator, model_name=SEGMENT_MODEL, input_example=x.head(5),
        params={"estimator": "KMeans", "clusters": int(seg.labels.max() + 1), "features": ",".join(x.columns),
                "tracks": len(track_rows), "seeds": ",".join(map(str, sg.SEEDS)), "min_weeks": sg.MIN_WEEKS},
        metrics={"silhouette": _finite(silhouette), "silhouette_loss": 1.0 - _finite(silhouette),
                 "stability_ari": seg.stability_ari, "audience_silhouette": _finite(audience_silhouette),
                 "tracks_with_features": float(track_rows["peak"].notna().sum())},
        lower_is_better="silhouette_loss",
        artifacts={"cluster_centres.csv": centres.to_csv(index=False),
                   "segment_counts.json": pd.Series(counts).to_json()},
    )
    track_rows = logged.stamp(track_rows)
    n_tracks = warehouse.create_table_as("ml", "track_segments", TRACK_SEGMENTS_TABLE, {"segments": track_rows})
    n_artists = warehouse.create_table_as("ml", "artist_segments", ARTIST_SEGMENTS_TABLE,
                                          {"artists": logged.stamp(artist_rows)})
    n_audiences = warehouse.create_table_as("ml", "audience_segments", AUDIENCE_SEGMENTS_TABLE,
                                            {"audiences": logged.stamp(audience_rows)})
    common = logged.metadata()
    yield dg.MaterializeResult(asset_key=["ml", "track_segments"], metadata={
        "dagster/row_count": n_tracks, **common, "stability_ari": seg.stability_ari,
        "silhouette": _finite(silhouette), "segments": str(counts)})
    yield dg.MaterializeResult(asset_key=["ml", "artist_segments"], metadata={"dagster/row_count": n_artists,
                                                                              **common})
    yield dg.MaterializeResult(asset_key=["ml", "audience_segments"], metadata={
        "dagster/row_count": n_audiences, **common, "silhouette": _finite(audience_silhouette)})
