with source as (

    select * from {{ source('playlists', 'catalogue') }}

),

renamed as (

    select
        cast(snapshot_month as date) as snapshot_month,
        lower(trim(platform_code)) as platform_code,
        trim(playlist_id) as playlist_id,
        trim(playlist_name) as playlist_name,
        lower(trim(curator_type)) as curator_type,
        cast(followers as bigint) as followers,
        _batch_id as batch_id,
        _file_name as file_name,
        _line_number as line_number,
        _delivery_version as delivery_version,
        _loaded_at as loaded_at

    from source

)

select * from renamed
