with source as (

    select * from {{ source('stream_sources', 'daily_sources') }}

),

renamed as (

    select
        cast(report_date as date) as usage_date,
        lower(trim(platform_code)) as platform_code,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        cast(editorial_playlist_streams as bigint) as editorial_playlist_streams,
        cast(algorithmic_playlist_streams as bigint) as algorithmic_playlist_streams,
        cast(user_playlist_streams as bigint) as user_playlist_streams,
        cast(radio_streams as bigint) as radio_streams,
        cast(search_streams as bigint) as search_streams,
        cast(artist_album_page_streams as bigint) as artist_album_page_streams,
        cast(other_streams as bigint) as other_streams,
        {{ lineage_columns() }}

    from source

)

select * from renamed
