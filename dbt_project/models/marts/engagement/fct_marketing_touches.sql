{#- Grain: one row per marketing activity (the latest delivery version of each). The promoted recording is the
    catalogue's track of the activity's ISRC; its artist and owning label follow. An artist-level activity (no
    ISRC) takes the artist found by name among the catalogue's artists (NULL when two artists share the name:
    artist_name_normalised lets a reader list the candidates) and that artist's primary label. spend stays in
    its currency; spend_eur converts it with the reference rate of the activity's start month. -#}
with activities as (

    select * from {{ ref('stg_marketing__activities') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

tracks as (

    select track_key, isrc, artist_key, label_key from {{ ref('dim_track') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

fx_rates as (

    select * from {{ ref('stg_fx__monthly_rates') }}

),

artists_by_name as (

    {{ artists_named_once('artists') }}

),

latest_versions as (

    select
        *,
        {{ artist_match_name('artist_name') }} as artist_name_normalised,
        row_number() over (
            partition by activity_id order by delivery_version desc, loaded_at desc, batch_id desc
        ) as version_recency

    from activities

),

final as (

    select
        latest_versions.activity_id as activity_id,
        latest_versions.activity_type as activity_type,
        latest_versions.start_date as start_date,
        latest_versions.end_date as end_date,
        cast({{ dbt.datediff('latest_versions.start_date', 'latest_versions.end_date', 'day') }} + 1 as integer)
            as duration_days,
        tracks.track_key as track_key,
        coalesce(tracks.artist_key, artists_by_name.artist_key) as artist_key,
        coalesce(tracks.label_key, artists_by_name.label_key) as label_key,
        latest_versions.isrc as isrc,
        latest_versions.artist_name as artist_name,
        latest_versions.artist_name_normalised as artist_name_normalised,
        case when latest_versions.platform_code is not null then {{ surrogate_key(['latest_versions.platform_code']) }} end
            as platform_key,
        latest_versions.platform_code as platform_code,
        case when latest_versions.territory_code <> 'WW' then {{ surrogate_key(['latest_versions.territory_code']) }} end
            as territory_key,
        latest_versions.territory_code as territory_code,
        latest_versions.channel as channel,
        latest_versions.spend as spend,
        latest_versions.currency as currency,
        cast(latest_versions.spend * fx_rates.eur_per_unit as decimal(38, 12)) as spend_eur,
        latest_versions.batch_id as batch_id,
        latest_versions.file_name as file_name,
        latest_versions.line_number as line_number

    from latest_versions
    left join tracks on tracks.isrc = latest_versions.isrc
    left join artists_by_name on artists_by_name.artist_name_normalised = latest_versions.artist_name_normalised
    left join fx_rates
        on fx_rates.rate_month = {{ month_start('latest_versions.start_date') }}
        and fx_rates.currency = latest_versions.currency
    where latest_versions.version_recency = 1

)

select * from final
