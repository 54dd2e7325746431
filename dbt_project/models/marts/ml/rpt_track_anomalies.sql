-- every anomaly the model found (ml.stream_anomalies), with the track's title, artist and label: what the Insights
-- dashboard lists, narrowed to a label's own tracks by row-level security (the model's output has no label key)
with anomalies as (
    select * from {{ source('ml', 'stream_anomalies') }}
),

tracks as (
    select * from {{ ref('dim_track') }}
)

select
    anomalies.isrc,
    tracks.track_title,
    tracks.artist_name,
    tracks.label_key,
    tracks.label_name,
    anomalies.platform,
    anomalies.territory,
    cast(anomalies.start_date as date) as start_date,
    cast(anomalies.end_date as date) as end_date,
    anomalies.kind,
    cast(anomalies.observed_streams as double precision) as observed_streams,
    cast(anomalies.expected_streams as double precision) as expected_streams,
    cast(anomalies.score as double precision) as score,
    cast(anomalies.model_version as varchar) as model_version
from anomalies
left join tracks on anomalies.isrc = tracks.isrc
