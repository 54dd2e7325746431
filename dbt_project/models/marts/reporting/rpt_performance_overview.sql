{#- The "Performance Overview" report: daily usage with every name a dashboard filters or groups by.
    A view over fct_usage_daily and the dimensions: the daily fact is already stored (incrementally), and the
    names are a join on small tables; the serving copy stores it as a table for the dashboards. -#}
{{ config(materialized='view') }}
with usage as (

    select * from {{ ref('fct_usage_daily') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

platforms as (

    select * from {{ ref('dim_platform') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        usage.usage_date as usage_date,
        platforms.platform_code as platform_code,
        platforms.platform_name as platform_name,
        territories.territory_code as territory_code,
        territories.territory_name as territory_name,
        territories.region as region,
        usage.label_key as label_key,
        coalesce(tracks.label_name, 'Unmatched') as label_name,
        coalesce(tracks.artist_name, 'Unmatched') as artist_name,
        usage.isrc as isrc,
        coalesce(tracks.track_title, usage.isrc) as track_title,
        coalesce(tracks.release_title, 'Unmatched') as release_title,
        coalesce(tracks.genre, 'Unmatched') as genre,
        usage.streams as streams,
        usage.revenue_eur as revenue_eur

    from usage
    left join tracks on tracks.track_key = usage.track_key
    left join platforms on platforms.platform_key = usage.platform_key
    left join territories on territories.territory_key = usage.territory_key

)

select * from final
