with source as (

    select * from {{ source('listener_stats', 'daily_listeners') }}

),

renamed as (

    select
        cast(report_date as date) as usage_date,
        lower(trim(platform_code)) as platform_code,
        upper(trim(territory_code)) as territory_code,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        cast(listeners as bigint) as listeners,
        cast(saves as bigint) as saves,
        {{ lineage_columns() }}

    from source

)

select * from renamed
