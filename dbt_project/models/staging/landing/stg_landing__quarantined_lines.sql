{#- One row per line the landing contract refused, renamed: what the reconciliation lists beside its totals. -#}
with source as (

    select * from {{ source('landing', 'quarantine') }}

),

renamed as (

    select
        batch_id,
        source as source_name,
        file_name,
        cast(line_number as integer) as line_number,
        reason_code,
        reason,
        raw_line,
        cast(quarantined_at as timestamp) as quarantined_at

    from source

)

select * from renamed
