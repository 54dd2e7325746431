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
        {{ lineage_columns() }}

    from source

)

select * from renamed
