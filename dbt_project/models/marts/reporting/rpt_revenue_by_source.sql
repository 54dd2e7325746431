{#- The "Revenue & Statement Reconciliation" report: revenue per label, usage month, platform and territory
    (platform -> territory is the Sankey's flow), on the reported basis (monthly statements, store proceeds,
    video and UGC reports) next to the daily feeds' estimate, with the difference where the platform reports
    both. Daily-feed and statement streams are the same streams seen twice: they sit side by side, never added.
    Revenue correlation: the effective rate per 1,000 statement streams (statement net revenue in EUR / statement
    streams) per platform and territory, next to the daily feeds' implied rate; a roll-up over months, labels or
    territories recomputes it as sum(statement_revenue_eur) * 1000 / sum(statement_streams), never an average.
    Unmatched usage is kept with a NULL label_key so the totals reconcile with rpt_delivery_reconciliation. -#}
with usage as (

    select * from {{ ref('fct_usage') }}

),

platforms as (

    select * from {{ ref('dim_platform') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

platforms_with_both_bases as (

    {#- the platforms whose revenue arrives both as a daily estimate and in a statement -#}
    select platform_code
    from usage
    group by platform_code
    having count(case when source_family = 'daily_feed' then 1 end) > 0
        and count(case when source_family = 'dsr_statement' then 1 end) > 0

),

revenue_flows as (

    select
        usage_month,
        label_key,
        platform_code,
        territory_code,
        sum(case when source_family = 'daily_feed' then units end) as daily_feed_streams,
        sum(case when source_family = 'dsr_statement' then units end) as statement_streams,
        sum(case when source_family = 'dsr_statement' then revenue_eur end) as statement_revenue_eur,
        sum(case when not is_revenue_estimate then revenue_eur end) as reported_revenue_eur,
        sum(case when not is_revenue_estimate then revenue_usd end) as reported_revenue_usd,
        sum(case when is_revenue_estimate then revenue_eur end) as estimated_revenue_eur,
        count(case when not is_revenue_estimate then 1 end) as reported_lines,
        count(case when is_revenue_estimate then 1 end) as estimated_lines

    from usage
    group by usage_month, label_key, platform_code, territory_code

),

final as (

    select
        revenue_flows.usage_month as usage_month,
        revenue_flows.label_key as label_key,
        coalesce(labels.label_name, 'Unmatched') as label_name,
        revenue_flows.platform_code as platform_code,
        platforms.platform_name as platform_name,
        platforms.service_type as service_type,
        revenue_flows.territory_code as territory_code,
        territories.territory_name as territory_name,
        territories.region as region,
        platforms_with_both_bases.platform_code is not null as has_both_bases,
        cast(revenue_flows.daily_feed_streams as bigint) as daily_feed_streams,
        cast(revenue_flows.statement_streams as bigint) as statement_streams,
        cast(revenue_flows.reported_revenue_eur as decimal(38, 12)) as reported_revenue_eur,
        cast(revenue_flows.reported_revenue_usd as decimal(38, 12)) as reported_revenue_usd,
        cast(revenue_flows.estimated_revenue_eur as decimal(38, 12)) as estimated_revenue_eur,
        cast(revenue_flows.statement_revenue_eur as decimal(38, 12)) as statement_revenue_eur,
        {{ safe_divide('revenue_flows.statement_revenue_eur * 1000', 'revenue_flows.statement_streams') }}
            as effective_rate_per_1000_streams_eur,
        {{ safe_divide('revenue_flows.estimated_revenue_eur * 1000', 'revenue_flows.daily_feed_streams') }}
            as estimated_rate_per_1000_streams_eur,
        cast(
            case
                when platforms_with_both_bases.platform_code is not null
                    then coalesce(revenue_flows.reported_revenue_eur, 0) - coalesce(revenue_flows.estimated_revenue_eur, 0)
            end as decimal(38, 12)
        ) as reported_minus_estimated_eur,
        cast(
            case
                when platforms_with_both_bases.platform_code is not null
                    then coalesce(revenue_flows.statement_streams, 0) - coalesce(revenue_flows.daily_feed_streams, 0)
            end as bigint
        ) as statement_minus_daily_feed_streams,
        cast(revenue_flows.reported_lines as bigint) as reported_lines,
        cast(revenue_flows.estimated_lines as bigint) as estimated_lines

    from revenue_flows
    left join platforms on platforms.platform_code = revenue_flows.platform_code
    left join territories on territories.territory_code = revenue_flows.territory_code
    left join labels on labels.label_key = revenue_flows.label_key
    left join platforms_with_both_bases on platforms_with_both_bases.platform_code = revenue_flows.platform_code

)

select * from final
