{#- The "Platform Comparison" report: per usage month, platform and label, what each platform reported —
    streams from the daily feeds and from the monthly statements side by side (the same streams counted twice:
    never add the two), other families' units, revenue in EUR on the reported basis and the daily feeds'
    estimate, the effective rate per 1,000 statement streams, and each platform's share of the label's month.
    Unmatched usage (no catalogue track) is kept with a NULL label_key so totals reconcile with the feeds. -#}
with usage as (

    select * from {{ ref('fct_usage') }}

),

platforms as (

    select * from {{ ref('dim_platform') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

platform_months as (

    select
        usage_month,
        platform_code,
        label_key,
        min(usage_type) as usage_type,
        sum(case when source_family = 'daily_feed' then units end) as daily_feed_streams,
        sum(case when source_family = 'dsr_statement' then units end) as statement_streams,
        sum(case when source_family not in ('daily_feed', 'dsr_statement') then units end) as other_units,
        sum(case when source_family = 'dsr_statement' then revenue_eur end) as statement_revenue_eur,
        sum(case when not is_revenue_estimate then revenue_eur end) as reported_revenue_eur,
        sum(case when is_revenue_estimate then revenue_eur end) as estimated_revenue_eur

    from usage
    group by usage_month, platform_code, label_key

),

with_shares as (

    select
        *,
        {{ safe_divide('statement_streams', 'sum(statement_streams) over (partition by usage_month, label_key)') }}
            as statement_stream_share,
        {{ safe_divide('daily_feed_streams', 'sum(daily_feed_streams) over (partition by usage_month, label_key)') }}
            as daily_feed_stream_share,
        {{ safe_divide('reported_revenue_eur', 'sum(reported_revenue_eur) over (partition by usage_month, label_key)') }}
            as reported_revenue_share

    from platform_months

),

final as (

    select
        with_shares.usage_month as usage_month,
        with_shares.platform_code as platform_code,
        platforms.platform_name as platform_name,
        platforms.service_type as service_type,
        with_shares.usage_type as usage_type,
        with_shares.label_key as label_key,
        coalesce(labels.label_name, 'Unmatched') as label_name,
        cast(with_shares.daily_feed_streams as bigint) as daily_feed_streams,
        cast(with_shares.statement_streams as bigint) as statement_streams,
        cast(with_shares.other_units as bigint) as other_units,
        cast(with_shares.statement_revenue_eur as decimal(38, 12)) as statement_revenue_eur,
        cast(with_shares.reported_revenue_eur as decimal(38, 12)) as reported_revenue_eur,
        cast(with_shares.estimated_revenue_eur as decimal(38, 12)) as estimated_revenue_eur,
        {{ safe_divide('with_shares.statement_revenue_eur * 1000', 'with_shares.statement_streams') }}
            as effective_rate_per_1000_streams_eur,
        {{ safe_divide('with_shares.estimated_revenue_eur * 1000', 'with_shares.daily_feed_streams') }}
            as estimated_rate_per_1000_streams_eur,
        with_shares.statement_stream_share as statement_stream_share,
        with_shares.daily_feed_stream_share as daily_feed_stream_share,
        with_shares.reported_revenue_share as reported_revenue_share

    from with_shares
    left join platforms on platforms.platform_code = with_shares.platform_code
    left join labels on labels.label_key = with_shares.label_key

)

select * from final
