{#- The quarantine as people work it: every refused line with its file, line, reason and exact text, beside the
    file's delivery status, newest first. The Data Quality dashboard lists it; a line fixed at the source comes
    back in the file's next version, which supersedes this one. -#}
with quarantined as (

    select * from {{ ref('stg_landing__quarantined_lines') }}

),

deliveries as (

    select * from {{ ref('stg_landing__deliveries') }}

),

final as (

    select
        quarantined.batch_id,
        quarantined.source_name,
        quarantined.file_name,
        quarantined.line_number,
        quarantined.reason_code,
        quarantined.reason,
        quarantined.raw_line,
        quarantined.quarantined_at,
        cast(quarantined.quarantined_at as date) as quarantined_date,
        deliveries.period_label,
        deliveries.delivery_version

    from quarantined
    left join deliveries on deliveries.batch_id = quarantined.batch_id

)

select * from final
