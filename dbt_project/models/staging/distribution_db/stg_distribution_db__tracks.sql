with source as (

    select * from {{ source('distribution_db', 'tracks') }}

),

renamed as (

    select
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        trim(track_title) as track_title,
        trim(artist_name) as artist_name,
        trim(release_title) as release_title,
        {{ normalize_gtin('upc') }} as upc,
        upc as upc_as_delivered,
        cast(release_date as date) as release_date,
        trim(label_name) as label_name,
        trim(genre) as genre,
        cast(duration_seconds as integer) as duration_seconds,
        cast(updated_at as timestamp) as updated_at,
        {{ lineage_columns() }}

    from source

)

select * from renamed
