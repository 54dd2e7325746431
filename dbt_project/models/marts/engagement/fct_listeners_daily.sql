{#- Grain: one row per day, recording, platform and territory (the latest delivery version of each).
    listeners and saves are distinct people: NON-ADDITIVE over days, platforms and tracks (one person listens on
    several days, services, tracks). They add up only over the territories of one day, platform and track. -#}
with listener_stats as (

    select * from {{ ref('stg_listener_stats__daily_listeners') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

tracks as (

    select track_key, isrc, label_key from {{ ref('dim_track') }}

),

latest_versions as (

    select
        *,
        row_number() over (
            partition by usage_date, platform_code, territory_code, isrc
            order by delivery_version desc, loaded_at desc, batch_id desc
        ) as version_recency

    from listener_stats

),

final as (

    select
        latest_versions.usage_date,
        tracks.track_key,
        {{ surrogate_key(['latest_versions.platform_code']) }} as platform_key,
        {{ surrogate_key(['latest_versions.territory_code']) }} as territory_key,
        tracks.label_key,
        tracks.track_key is not null as is_catalogue_match,
        latest_versions.isrc,
        latest_versions.platform_code,
        latest_versions.territory_code,
        latest_versions.listeners,
        latest_versions.saves,
        cast(latest_versions.saves as double precision) / nullif(latest_versions.listeners, 0) as save_rate,
        latest_versions.batch_id,
        latest_versions.file_name,
        latest_versions.line_number

    from latest_versions
    left join tracks on tracks.isrc = latest_versions.isrc
    where latest_versions.version_recency = 1

)

select * from final
