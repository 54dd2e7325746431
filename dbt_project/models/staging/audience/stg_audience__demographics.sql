with source as (

    select * from {{ source('audience', 'demographics') }}

),

renamed as (

    select
        cast(audience_month as date) as audience_month,
        lower(trim(platform_code)) as platform_code,
        trim(platform_artist_id) as platform_artist_id,
        trim(artist_name) as artist_name,
        lower(trim(breakdown)) as breakdown,
        trim(age_band) as age_band,
        lower(trim(gender)) as gender,
        upper(trim(territory_code)) as territory_code,
        trim(city) as city,
        cast(listeners as bigint) as listeners,
        {{ lineage_columns() }}

    from source

)

select * from renamed
