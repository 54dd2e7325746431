with source as (

    select * from {{ source('audience_overlap', 'artist_pairs') }}

),

renamed as (

    select
        cast(audience_month as date) as audience_month,
        lower(trim(platform_code)) as platform_code,
        trim(platform_artist_id) as platform_artist_id,
        trim(artist_name) as artist_name,
        trim(related_platform_artist_id) as related_platform_artist_id,
        trim(related_artist_name) as related_artist_name,
        cast(artist_listeners as bigint) as artist_listeners,
        cast(related_artist_listeners as bigint) as related_artist_listeners,
        cast(shared_listeners as bigint) as shared_listeners,
        cast(overlap_share as decimal(9, 6)) as overlap_share,
        {{ lineage_columns() }}

    from source

)

select * from renamed
