{#- One row per delivered file as the ledger records it, renamed; whether a delivery still counts is decided
    in int_deliveries_current. -#}
with source as (

    select * from {{ source('landing', 'ledger') }}

),

renamed as (

    select
        batch_id,
        source as source_name,
        file_name,
        status,
        period as period_label,
        territory as period_territory,
        cast(delivery_version as integer) as delivery_version,
        cast(rows_read as bigint) as rows_read,
        cast(rows_landed as bigint) as rows_landed,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(rows_duplicate as bigint) as rows_duplicate,
        duplicate_of as duplicate_of_batch_id,
        cast(finished_at as timestamp) as landed_at

    from source

)

select * from renamed
