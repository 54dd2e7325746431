with source as (

    select * from {{ source('radio', 'airplay') }}

),

renamed as (

    select
        trim(station_name) as station_name,
        upper(trim(territory_code)) as territory_code,
        cast(played_at_local as timestamp) as played_at_local,
        trim(utc_offset) as utc_offset,
        {{ utc_from_local('cast(played_at_local as timestamp)', 'trim(utc_offset)') }} as played_at_utc,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        trim(artist) as artist_name,
        trim(title) as track_title,
        cast(duration_played_s as integer) as duration_played_seconds,
        cast(audience_estimate as bigint) as audience_estimate,
        {{ lineage_columns() }}

    from source

)

select * from renamed
