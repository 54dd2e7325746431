with source as (

    select * from {{ source('instagram', 'reels') }}

),

renamed as (

    select
        cast(report_month as date) as report_month,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        trim(track_title) as track_title,
        trim(artist_name) as artist_name,
        upper(trim(territory_code)) as territory_code,
        cast(reels_created as bigint) as reels_created,
        cast(reel_plays as bigint) as reel_plays,
        {{ lineage_columns() }}

    from source

)

select * from renamed
