with source as (

    select * from {{ source('surveys', 'artist_awareness') }}

),

renamed as (

    select
        trim(wave) as wave,
        cast(fieldwork_start as date) as fieldwork_start,
        cast(fieldwork_end as date) as fieldwork_end,
        upper(trim(territory_code)) as territory_code,
        trim(age_band) as age_band,
        lower(trim(gender)) as gender,
        trim(artist_ref) as artist_ref,
        trim(artist_name) as artist_name,
        cast(respondents as bigint) as respondents,
        cast(aware_share as decimal(9, 6)) as aware_share,
        cast(streamed_last_month_share as decimal(9, 6)) as streamed_last_month_share,
        {{ lineage_columns() }}

    from source

)

select * from renamed
