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
        _batch_id as batch_id,
        _file_name as file_name,
        _line_number as line_number,
        _delivery_version as delivery_version,
        _loaded_at as loaded_at

    from source

)

select * from renamed
