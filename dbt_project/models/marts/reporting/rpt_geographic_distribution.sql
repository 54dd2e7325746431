{#- The "Geographic Distribution" report, at two levels (geo_level):
      - country: per usage month, territory and label, streams (daily feeds and statements side by side, never
        added), downloads / views / creations, revenue in EUR on the reported basis and the daily estimate;
      - city: per audience month, city, platform and artist account, the listeners the platform reports for the
        city (distinct people over 28 days: NON-ADDITIVE, never sum them over months, platforms, artists or
        cities) and their share of the artist's listeners. Only the audience data has cities; it has no streams.
    Unmatched usage and artists the audience data cannot name unambiguously keep a NULL label_key. -#}
with usage as (

    select * from {{ ref('fct_usage') }}

),

audience as (

    select * from {{ ref('fct_audience_demographics') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

country_usage as (

    select
        'country' as geo_level,
        usage_month as activity_month,
        territory_code,
        cast(null as {{ dbt.type_string() }}) as city,
        label_key,
        cast(null as {{ dbt.type_string() }}) as platform_code,
        cast(null as {{ dbt.type_string() }}) as platform_artist_id,
        cast(null as {{ dbt.type_string() }}) as artist_name,
        sum(case when source_family = 'daily_feed' then units end) as daily_feed_streams,
        sum(case when source_family = 'dsr_statement' then units end) as statement_streams,
        sum(case when usage_type = 'download' then units end) as downloads,
        sum(case when usage_type = 'video_view' then units end) as video_views,
        sum(case when usage_type = 'ugc_creation' then units end) as ugc_creations,
        sum(case when not is_revenue_estimate then revenue_eur end) as reported_revenue_eur,
        sum(case when is_revenue_estimate then revenue_eur end) as estimated_revenue_eur,
        cast(null as bigint) as listeners,
        cast(null as double precision) as listener_share

    from usage
    group by usage_month, territory_code, label_key

),

city_audience as (

    select
        'city' as geo_level,
        audience_month as activity_month,
        territory_code,
        city,
        label_key,
        platform_code,
        platform_artist_id,
        artist_name,
        cast(null as bigint) as daily_feed_streams,
        cast(null as bigint) as statement_streams,
        cast(null as bigint) as downloads,
        cast(null as bigint) as video_views,
        cast(null as bigint) as ugc_creations,
        cast(null as decimal(38, 12)) as reported_revenue_eur,
        cast(null as decimal(38, 12)) as estimated_revenue_eur,
        listeners,
        listener_share

    from audience
    where breakdown = 'city'

),

geographies as (

    select * from country_usage
    union all
    select * from city_audience

),

final as (

    select
        geographies.geo_level as geo_level,
        geographies.activity_month as activity_month,
        geographies.territory_code as territory_code,
        territories.territory_name as territory_name,
        territories.region as region,
        territories.sub_region as sub_region,
        geographies.city as city,
        geographies.label_key as label_key,
        coalesce(labels.label_name, 'Unmatched') as label_name,
        geographies.platform_code as platform_code,
        geographies.platform_artist_id as platform_artist_id,
        geographies.artist_name as artist_name,
        cast(geographies.daily_feed_streams as bigint) as daily_feed_streams,
        cast(geographies.statement_streams as bigint) as statement_streams,
        cast(geographies.downloads as bigint) as downloads,
        cast(geographies.video_views as bigint) as video_views,
        cast(geographies.ugc_creations as bigint) as ugc_creations,
        cast(geographies.reported_revenue_eur as decimal(38, 12)) as reported_revenue_eur,
        cast(geographies.estimated_revenue_eur as decimal(38, 12)) as estimated_revenue_eur,
        cast(geographies.listeners as bigint) as listeners,
        cast(geographies.listener_share as double precision) as listener_share

    from geographies
    left join territories on territories.territory_code = geographies.territory_code
    left join labels on labels.label_key = geographies.label_key

)

select * from final
