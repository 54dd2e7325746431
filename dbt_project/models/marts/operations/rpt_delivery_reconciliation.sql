{#- Per delivered usage report: what the ledger says happened to the file and what the warehouse counts from
    it, per currency and label — the statement-reconciliation view an analyst checks against a platform's
    statement. A superseded delivery (restated by a later version) or a rejected / duplicate / incomplete file
    counts nothing and says why; quarantined lines are listed by line number. -#}
{%- set usage_sources = ['spotify', 'apple_music', 'deezer', 'dsr_spotify', 'dsr_apple_music', 'dsr_amazon_music',
                         'dsr_deezer', 'itunes', 'beatport', 'youtube', 'tiktok', 'instagram'] %}
with deliveries as (

    select * from {{ ref('stg_landing__deliveries') }}
    where source_name in ('{{ usage_sources | join("', '") }}')

),

current_deliveries as (

    select * from {{ ref('int_deliveries_current') }}

),

usage as (

    select * from {{ ref('fct_usage') }}

),

usage_totals as (

    select
        batch_id,
        label_key,
        currency,
        count(*) as usage_lines,
        sum(units) as units,
        sum(revenue) as revenue,
        sum(revenue_eur) as revenue_eur,
        sum(revenue_usd) as revenue_usd

    from usage
    group by batch_id, label_key, currency

),

quarantined as (

    select
        batch_id,
        count(*) as lines_quarantined,
        {{ dbt.listagg("cast(line_number as " ~ dbt.type_string() ~ ")", "','", "order by line_number") }}
            as quarantined_line_numbers

    from {{ ref('stg_landing__quarantined_lines') }}
    group by batch_id

),

final as (

    select
        {{ surrogate_key(['deliveries.batch_id', 'usage_totals.label_key', 'usage_totals.currency']) }}
            as reconciliation_key,
        deliveries.batch_id as batch_id,
        deliveries.source_name as source_name,
        deliveries.file_name as file_name,
        deliveries.status as status,
        deliveries.period_label as period_label,
        deliveries.delivery_version as delivery_version,
        coalesce(current_deliveries.is_current, false) as is_counted,
        case
            when deliveries.status <> 'landed' then deliveries.status
            when not current_deliveries.is_current then 'superseded'
            else 'counted'
        end as reconciliation_status,
        superseding.file_name as superseded_by_file_name,
        deliveries.rows_read as rows_read,
        deliveries.rows_landed as rows_landed,
        deliveries.rows_quarantined as rows_quarantined,
        deliveries.rows_duplicate as rows_duplicate,
        quarantined.quarantined_line_numbers as quarantined_line_numbers,
        usage_totals.label_key as label_key,
        usage_totals.currency as currency,
        coalesce(usage_totals.usage_lines, 0) as usage_lines,
        cast(coalesce(usage_totals.units, 0) as bigint) as units,
        usage_totals.revenue as revenue,
        usage_totals.revenue_eur as revenue_eur,
        usage_totals.revenue_usd as revenue_usd

    from deliveries
    left join current_deliveries on current_deliveries.batch_id = deliveries.batch_id
    left join deliveries as superseding on superseding.batch_id = current_deliveries.superseded_by_batch_id
    left join usage_totals on usage_totals.batch_id = deliveries.batch_id
    left join quarantined on quarantined.batch_id = deliveries.batch_id

)

select * from final
