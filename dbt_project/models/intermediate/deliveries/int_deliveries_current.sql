{#- Which landed deliveries count. A periodic report (a month, a territory) is restated by delivering the
    period again: the latest landed delivery version supersedes the earlier ones, whose rows stay in the raw
    layer but no longer count. A re-delivered copy of a file never landed rows of its own (the ledger marks it
    duplicate_file), and a rejected file landed nothing. Decided from the ledger, one row per file, so usage
    models filter by batch instead of ranking every usage row. -#}
with deliveries as (

    select * from {{ ref('stg_landing__deliveries') }}

),

landed as (

    select * from deliveries
    where status = 'landed'

),

versions as (

    select
        landed.*,
        max(delivery_version) over (
            partition by source_name, period_label, period_territory
        ) as latest_version

    from landed

),

latest as (

    select source_name, period_label, period_territory, batch_id as latest_batch_id
    from versions
    where delivery_version = latest_version and period_label is not null

),

final as (

    select
        versions.batch_id,
        versions.source_name,
        versions.file_name,
        versions.period_label,
        versions.period_territory,
        versions.delivery_version,
        versions.rows_landed,
        versions.landed_at,
        versions.period_label is null or versions.delivery_version = versions.latest_version as is_current,
        case when versions.delivery_version < versions.latest_version then latest.latest_batch_id end
            as superseded_by_batch_id

    from versions
    left join latest
        on latest.source_name = versions.source_name
        and latest.period_label = versions.period_label
        and latest.period_territory is not distinct from versions.period_territory

)

select * from final
