{#- Statement reconciliation: per platform, statement period (month), territory and label, the streams the
    daily feeds reported against the streams the monthly DSR statement pays, and the daily feeds' revenue
    estimate against the statement's net revenue (EUR at each month's reference rate, and in the statement's
    currency), with the absolute and relative variance and a status. Only current deliveries count (fct_usage).

    Status, first that applies:
      no_daily_feed      the platform has no daily feed at all (Amazon Music in the sample): nothing to compare;
      no_statement       the platform never delivered a statement;
      statement_missing  the platform delivered no (current, landed) statement for the period;
      daily_feed_missing the platform's daily feed delivered nothing for the period;
      matched            |statement - daily-feed streams| <= the tolerance: 1 % of the statement's streams
                         (var statement_reconciliation_tolerance, default 0.01), or, for small cells, the counting
                         noise of two independent counts of the same listening: 3 x sqrt(statement + daily-feed
                         streams) (var statement_reconciliation_noise_sigmas, default 3; 0 turns it off) — a cell
                         of 100 streams a side may differ by 42, one of 100,000 by 1,000 (the 1 %);
      investigate        otherwise (a cell one side lacks while the other reports it included).
    Statements count accounting usages, the daily feeds the analytics: they agree closely, not exactly, and
    per territory and label the cells are small, hence the noise allowance; the platform-period total is the
    sum of the cells. Streams decide the status; the revenue variance is shown, not judged (the daily revenue
    is an estimate).
    A side's figures are NULL when the platform has nothing on that side for the period, 0 when it has but
    not for this territory and label. Daily lines resolve to the catalogue by the entity resolution
    (identifiers, then names), statement lines by exact ISRC, so a recording one side matched and the other
    did not moves streams between a label's cell and the unmatched cell (NULL label_key). -#}
{%- set tolerance = var('statement_reconciliation_tolerance', 0.01) -%}
{%- set noise_sigmas = var('statement_reconciliation_noise_sigmas', 3) -%}
with usage_cells as (

    {#- the one pass over the usage lines: every later step reads these cells (platform, month, territory, label,
        side and paid currency), never the lines again -#}
    select
        platform_code,
        usage_month,
        territory_code,
        label_key,
        source_family,
        currency,
        count(*) as usage_lines,
        sum(units) as units,
        sum(revenue) as revenue,
        count(revenue) as revenue_lines,
        sum(revenue_eur) as revenue_eur,
        count(revenue_eur) as revenue_eur_lines,
        sum(revenue_usd) as revenue_usd,
        count(revenue_usd) as revenue_usd_lines

    from {{ ref('fct_usage') }}
    where source_family in ('daily_feed', 'dsr_statement')
        and usage_type = 'stream'
    group by platform_code, usage_month, territory_code, label_key, source_family, currency

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

platform_sides as (

    {#- which side each platform has at all -#}
    select
        platform_code,
        count(case when source_family = 'daily_feed' then 1 end) > 0 as has_daily_feed,
        count(case when source_family = 'dsr_statement' then 1 end) > 0 as has_statements

    from usage_cells
    group by platform_code

),

platform_periods as (

    {#- which side each platform delivered for each period, and the statement's currency -#}
    select
        platform_code,
        usage_month as statement_period,
        count(case when source_family = 'daily_feed' then 1 end) > 0 as has_daily_feed_period,
        count(case when source_family = 'dsr_statement' then 1 end) > 0 as has_statement_period,
        case
            when count(distinct case when source_family = 'dsr_statement' then currency end) = 1
                then min(case when source_family = 'dsr_statement' then currency end)
        end as statement_currency

    from usage_cells
    group by platform_code, usage_month

),

cells_in_statement_currency as (

    {#- each cell's revenue in the statement's currency: as paid when that is the statement's currency, else its
        EUR or USD conversion; with how many of its lines have that amount (NULL: no rate) -#}
    select
        usage_cells.*,
        case
            when usage_cells.currency = platform_periods.statement_currency
                then cast(usage_cells.revenue as decimal(38, 12))
            when platform_periods.statement_currency = 'EUR' then usage_cells.revenue_eur
            when platform_periods.statement_currency = 'USD' then usage_cells.revenue_usd
        end as revenue_statement_currency,
        case
            when usage_cells.currency = platform_periods.statement_currency then usage_cells.revenue_lines
            when platform_periods.statement_currency = 'EUR' then usage_cells.revenue_eur_lines
            when platform_periods.statement_currency = 'USD' then usage_cells.revenue_usd_lines
            else 0
        end as revenue_statement_currency_lines

    from usage_cells
    inner join platform_periods
        on platform_periods.platform_code = usage_cells.platform_code
        and platform_periods.statement_period = usage_cells.usage_month

),

{%- for side, family in [('daily_feed', 'daily_feed'), ('statement', 'dsr_statement')] %}

{{ side }}_cells as (

    select
        platform_code,
        usage_month as statement_period,
        territory_code,
        label_key,
        sum(usage_lines) as usage_lines,
        sum(units) as streams,
        sum(revenue_eur) as revenue_eur,
        {#- NULL unless every line converts (a third currency without a rate to the statement's) -#}
        case when sum(revenue_statement_currency_lines) = sum(usage_lines) then sum(revenue_statement_currency) end
            as revenue_statement_currency

    from cells_in_statement_currency
    where source_family = '{{ family }}'
    group by platform_code, usage_month, territory_code, label_key

),
{%- endfor %}

cells as (

    select platform_code, statement_period, territory_code, label_key from daily_feed_cells
    union
    select platform_code, statement_period, territory_code, label_key from statement_cells

),

compared as (

    select
        cells.platform_code as platform_code,
        cells.statement_period as statement_period,
        cells.territory_code as territory_code,
        cells.label_key as label_key,
        platform_sides.has_daily_feed as has_daily_feed,
        platform_sides.has_statements as has_statements,
        platform_periods.has_daily_feed_period as has_daily_feed_period,
        platform_periods.has_statement_period as has_statement_period,
        platform_periods.statement_currency as statement_currency,
        case when platform_periods.has_daily_feed_period then coalesce(daily_feed_cells.usage_lines, 0) end
            as daily_feed_lines,
        case when platform_periods.has_statement_period then coalesce(statement_cells.usage_lines, 0) end
            as statement_lines,
        case when platform_periods.has_daily_feed_period then coalesce(daily_feed_cells.streams, 0) end
            as daily_feed_streams,
        case when platform_periods.has_statement_period then coalesce(statement_cells.streams, 0) end
            as statement_streams,
        case when platform_periods.has_daily_feed_period then coalesce(daily_feed_cells.revenue_eur, 0) end
            as daily_feed_revenue_eur,
        case when platform_periods.has_statement_period then coalesce(statement_cells.revenue_eur, 0) end
            as statement_revenue_eur,
        case when platform_periods.has_daily_feed_period and platform_periods.has_statement_period
            then case when daily_feed_cells.usage_lines is null then 0 else daily_feed_cells.revenue_statement_currency end
        end as daily_feed_revenue_statement_currency,
        case when platform_periods.has_statement_period
            then case when statement_cells.usage_lines is null then 0 else statement_cells.revenue_statement_currency end
        end as statement_revenue_statement_currency

    from cells
    inner join platform_sides on platform_sides.platform_code = cells.platform_code
    inner join platform_periods
        on platform_periods.platform_code = cells.platform_code
        and platform_periods.statement_period = cells.statement_period
    left join daily_feed_cells
        on daily_feed_cells.platform_code = cells.platform_code
        and daily_feed_cells.statement_period = cells.statement_period
        and daily_feed_cells.territory_code is not distinct from cells.territory_code
        and daily_feed_cells.label_key is not distinct from cells.label_key
    left join statement_cells
        on statement_cells.platform_code = cells.platform_code
        and statement_cells.statement_period = cells.statement_period
        and statement_cells.territory_code is not distinct from cells.territory_code
        and statement_cells.label_key is not distinct from cells.label_key

),

with_variance as (

    select
        compared.*,
        compared.statement_streams - compared.daily_feed_streams as streams_variance,
        compared.statement_revenue_eur - compared.daily_feed_revenue_eur as revenue_variance_eur,
        compared.statement_revenue_statement_currency - compared.daily_feed_revenue_statement_currency
            as revenue_variance_statement_currency

    from compared

),

final as (

    select
        {{ period_label('with_variance.statement_period') }} as period_label,
        with_variance.statement_period as statement_period,
        with_variance.platform_code as platform_code,
        platforms.platform_name as platform_name,
        with_variance.territory_code as territory_code,
        territories.territory_name as territory_name,
        with_variance.label_key as label_key,
        coalesce(labels.label_name, 'Unmatched') as label_name,
        case
            when not with_variance.has_daily_feed then 'no_daily_feed'
            when not with_variance.has_statements then 'no_statement'
            when not with_variance.has_statement_period then 'statement_missing'
            when not with_variance.has_daily_feed_period then 'daily_feed_missing'
            when abs(with_variance.streams_variance) <= {{ tolerance }} * with_variance.statement_streams
                or abs(with_variance.streams_variance)
                    <= {{ noise_sigmas }} * sqrt(cast(with_variance.statement_streams + with_variance.daily_feed_streams as double precision))
                then 'matched'
            else 'investigate'
        end as reconciliation_status,
        cast({{ tolerance }} as double precision) as tolerance_ratio,
        cast({{ noise_sigmas }} * sqrt(cast(with_variance.statement_streams + with_variance.daily_feed_streams as double precision))
            as double precision) as noise_allowance_streams,
        cast(with_variance.daily_feed_lines as bigint) as daily_feed_lines,
        cast(with_variance.statement_lines as bigint) as statement_lines,
        cast(with_variance.daily_feed_streams as bigint) as daily_feed_streams,
        cast(with_variance.statement_streams as bigint) as statement_streams,
        cast(with_variance.streams_variance as bigint) as streams_variance,
        {{ safe_divide('with_variance.streams_variance', 'with_variance.statement_streams') }}
            as streams_variance_ratio,
        cast(with_variance.daily_feed_revenue_eur as decimal(38, 12)) as daily_feed_estimated_revenue_eur,
        cast(with_variance.statement_revenue_eur as decimal(38, 12)) as statement_net_revenue_eur,
        cast(with_variance.revenue_variance_eur as decimal(38, 12)) as revenue_variance_eur,
        {{ safe_divide('with_variance.revenue_variance_eur', 'with_variance.statement_revenue_eur') }}
            as revenue_variance_ratio,
        with_variance.statement_currency as statement_currency,
        cast(with_variance.daily_feed_revenue_statement_currency as decimal(38, 12))
            as daily_feed_estimated_revenue_statement_currency,
        cast(with_variance.statement_revenue_statement_currency as decimal(38, 12))
            as statement_net_revenue_statement_currency,
        cast(with_variance.revenue_variance_statement_currency as decimal(38, 12))
            as revenue_variance_statement_currency

    from with_variance
    left join platforms on platforms.platform_code = with_variance.platform_code
    left join territories on territories.territory_code = with_variance.territory_code
    left join labels on labels.label_key = with_variance.label_key

)

select * from final
