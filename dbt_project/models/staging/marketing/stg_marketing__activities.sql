with source as (

    select * from {{ source('marketing', 'activities') }}

),

renamed as (

    select
        trim(activity_id) as activity_id,
        {{ normalize_code('activity_type') }} as activity_type,
        trim(artist_name) as artist_name,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        trim(platform_name) as platform_name,
        {{ normalize_code('platform_name') }} as platform_code,
        upper(trim(territory_code)) as territory_code,
        trim(channel) as channel,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(spend as decimal(18, 2)) as spend,
        upper(trim(currency)) as currency,
        {{ lineage_columns() }}

    from source

)

select * from renamed
