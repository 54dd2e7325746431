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
        {{ lineage_columns() }}

    from source

)

select * from renamed
