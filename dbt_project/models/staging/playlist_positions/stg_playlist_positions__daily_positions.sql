with source as (

    select * from {{ source('playlist_positions', 'daily_positions') }}

),

renamed as (

    select
        cast(snapshot_date as date) as snapshot_date,
        lower(trim(platform_code)) as platform_code,
        trim(playlist_id) as playlist_id,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        cast(position as integer) as position,
        cast(added_on as date) as added_on,
        _batch_id as batch_id,
        _file_name as file_name,
        _line_number as line_number,
        _delivery_version as delivery_version,
        _loaded_at as loaded_at

    from source

)

select * from renamed
