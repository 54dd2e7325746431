{#- Grain: one aggregated audience cell per month, platform, artist account and breakdown (age band x gender,
    country, or city), from the latest delivery version. Only cells the platform reports: no person-level row
    exists or is derived. listeners are distinct people over 28 days: NON-ADDITIVE across breakdowns,
    platforms, months and artists; within one month, platform, artist and breakdown the age_gender cells add up
    to the artist's total, and so do the country cells (city cells cover part of it). The artist is found by
    name among the catalogue's artists; a shared name (the two "Nova"s) leaves artist_key and label_key NULL. -#}
with demographics as (

    select * from {{ ref('stg_audience__demographics') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

artists as (

    select * from {{ ref('dim_artist') }}

),

artists_by_name as (

    {{ artists_named_once('artists') }}

),

latest_versions as (

    select
        *,
        {{ artist_match_name('artist_name') }} as artist_name_normalised,
        row_number() over (
            partition by audience_month, platform_code, platform_artist_id, breakdown, age_band, gender,
                territory_code, city
            order by delivery_version desc, loaded_at desc, batch_id desc
        ) as version_recency

    from demographics

),

current_cells as (

    select * from latest_versions where version_recency = 1

),

with_totals as (

    select
        *,
        sum(case when breakdown = 'age_gender' then listeners end) over (
            partition by audience_month, platform_code, platform_artist_id
        ) as artist_listeners_sum

    from current_cells

),

final as (

    select
        with_totals.audience_month,
        {{ surrogate_key(['with_totals.platform_code']) }} as platform_key,
        with_totals.platform_code,
        with_totals.platform_artist_id,
        with_totals.artist_name,
        artists_by_name.artist_key,
        artists_by_name.label_key,
        with_totals.breakdown,
        with_totals.age_band,
        with_totals.gender,
        case when with_totals.territory_code is not null then {{ surrogate_key(['with_totals.territory_code']) }} end
            as territory_key,
        with_totals.territory_code,
        with_totals.city,
        with_totals.listeners,
        cast(with_totals.artist_listeners_sum as bigint) as artist_listeners,
        cast(with_totals.listeners as double precision) / nullif(with_totals.artist_listeners_sum, 0) as listener_share,
        with_totals.batch_id,
        with_totals.file_name,
        with_totals.line_number

    from with_totals
    left join artists_by_name on artists_by_name.artist_name_normalised = with_totals.artist_name_normalised

)

select * from final
