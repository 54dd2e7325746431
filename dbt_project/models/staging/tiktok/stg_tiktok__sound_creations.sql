with source as (

    select * from {{ source('tiktok', 'sound_creations') }}

),

renamed as (

    select
        cast(report_month as date) as report_month,
        upper(trim(territory_code)) as territory_code,
        trim(sound_id) as sound_id,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        trim(sound_title) as sound_title,
        trim(artist_name) as artist_name,
        cast(video_creations as bigint) as video_creations,
        cast(revenue as decimal(18, 6)) as revenue,
        upper(trim(currency)) as currency,
        {{ lineage_columns() }}

    from source

)

select * from renamed
