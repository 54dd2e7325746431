-- the last 28 observed days and the 28 forecast days of every forecast track, one row per track and day, for the
-- forecast chart: actual streams where observed, the forecast with its interval where predicted
with forecast as (
    select * from {{ source('ml', 'track_stream_forecast') }}
),

tracks as (
    select * from {{ ref('dim_track') }}
),

last_observed as (
    select max(usage_date) as last_date
    from {{ ref('fct_usage_daily') }}
    where is_catalogue_match
),

recent_actuals as (
    select
        usage.isrc,
        usage.usage_date as day,
        sum(usage.streams) as streams
    from {{ ref('fct_usage_daily') }} as usage
    cross join last_observed
    where usage.is_catalogue_match
        and usage.usage_date > last_observed.last_date - 28
        and usage.isrc in (select isrc from forecast)
    group by usage.isrc, usage.usage_date
),

series as (
    select
        isrc,
        day,
        'actual' as series,
        cast(streams as double precision) as streams,
        cast(null as double precision) as streams_lower,
        cast(null as double precision) as streams_upper,
        cast(null as varchar) as model_version
    from recent_actuals
    union all
    select
        isrc,
        forecast_date as day,
        'forecast' as series,
        predicted_streams as streams,
        predicted_streams_lower as streams_lower,
        predicted_streams_upper as streams_upper,
        cast(model_version as varchar) as model_version
    from forecast
)

select
    series.isrc,
    tracks.track_title,
    tracks.artist_name,
    tracks.label_key,
    tracks.label_name,
    cast(series.day as date) as day,
    series.series,
    series.streams,
    series.streams_lower,
    series.streams_upper,
    series.model_version
from series
left join tracks on series.isrc = tracks.isrc
