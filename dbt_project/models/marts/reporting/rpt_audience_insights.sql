{#- The "Audience Insights" report: the aggregated audience cells the platforms report per month, platform and
    artist account — age band x gender, country, or city (breakdown) — with the artist's label and the
    territory's names. No person-level data exists or is derived. listeners are distinct people over 28 days:
    NON-ADDITIVE. Within one month, platform, artist and breakdown the age_gender cells add up to the artist's
    listeners and so do the country cells (city cells cover part of them); never add listeners over months,
    platforms, artists, labels or breakdowns — compare listener_share instead. Artists the audience data cannot
    name unambiguously (a name two catalogue artists share) keep a NULL label_key and are hidden by row-level
    security. -#}
with audience as (

    select * from {{ ref('fct_audience_demographics') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

platforms as (

    select * from {{ ref('dim_platform') }}

),

final as (

    select
        audience.audience_month as audience_month,
        audience.platform_code as platform_code,
        platforms.platform_name as platform_name,
        audience.platform_artist_id as platform_artist_id,
        audience.artist_key as artist_key,
        coalesce(artists.artist_name, audience.artist_name) as artist_name,
        audience.label_key as label_key,
        coalesce(labels.label_name, 'Unresolved') as label_name,
        audience.breakdown as breakdown,
        audience.age_band as age_band,
        audience.gender as gender,
        audience.territory_code as territory_code,
        territories.territory_name as territory_name,
        territories.region as region,
        audience.city as city,
        cast(audience.listeners as bigint) as listeners,
        cast(audience.artist_listeners as bigint) as artist_listeners,
        cast(audience.listener_share as double precision) as listener_share,
        cast(
            rank() over (
                partition by audience.audience_month, audience.platform_code, audience.platform_artist_id,
                    audience.breakdown
                order by audience.listeners desc
            ) as integer
        ) as cell_rank

    from audience
    left join artists on artists.artist_key = audience.artist_key
    left join labels on labels.label_key = audience.label_key
    left join territories on territories.territory_code = audience.territory_code
    left join platforms on platforms.platform_code = audience.platform_code

)

select * from final
