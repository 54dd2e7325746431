{#- The staging select shared by the daily streaming feeds, whose raw layout the landing contract
    makes identical: rename, cast and normalise only. Each staging model still exists per source. -#}
{% macro stage_usage_feed(source_name, platform_code) -%}
with source as (

    select * from {{ source(source_name, 'daily_streams') }}

),

renamed as (

    select
        cast(report_date as date) as usage_date,
        '{{ platform_code }}' as platform_code,
        upper(trim(territory_code)) as territory_code,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        trim(track_title) as track_title,
        trim(artist_name) as artist_name,
        cast(streams as bigint) as streams,
        cast(revenue as decimal(18, 6)) as revenue,
        upper(trim(currency)) as currency,
        {{ lineage_columns() }}

    from source

)

select * from renamed
{%- endmacro %}
