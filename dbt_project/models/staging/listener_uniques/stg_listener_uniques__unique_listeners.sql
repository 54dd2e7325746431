with source as (

    select * from {{ source('listener_uniques', 'unique_listeners') }}

),

renamed as (

    select
        cast(window_days as integer) as window_days,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        lower(trim(platform_code)) as platform_code,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        cast(unique_listeners as bigint) as unique_listeners,
        {{ lineage_columns() }}

    from source

)

select * from renamed
