{#- Unified usage with its money converted at the month's reference rate (stg_fx__monthly_rates: EUR per unit
    of each currency). Conversion keeps full precision (DECIMAL(38, 12), no rounding per row), so converted
    sums agree with the true totals to far less than half a cent per row; USD goes through EUR (cross rate).
    A currency without a rate for its month keeps NULL converted amounts and has_fx_rate = false rather than
    a guessed rate.
    A view: fct_usage stores the converted lines; storing them here too would cost a full write per build. -#}
{{ config(materialized='view') }}
with usage as (

    select * from {{ ref('int_usage_unified') }}

),

rates as (

    {#- currency renamed: ClickHouse names usage.*'s currency `usage.currency` in a query where a joined side has one too -#}
    select rate_month, currency as rate_currency, eur_per_unit from {{ ref('stg_fx__monthly_rates') }}

),

usd_rates as (

    select rate_month, eur_per_unit as eur_per_usd from rates
    where rate_currency = 'USD'

),

converted as (

    select
        usage.*,
        cast({{ decimal_multiply('usage.revenue', 'rates.eur_per_unit') }} as decimal(38, 12)) as revenue_eur,
        cast({{ decimal_divide(decimal_multiply('usage.revenue', 'rates.eur_per_unit'), 'usd_rates.eur_per_usd') }}
            as decimal(38, 12)) as revenue_usd,
        usage.revenue is null or rates.eur_per_unit is not null as has_fx_rate

    from usage
    left join rates
        on rates.rate_month = usage.usage_month
        and rates.rate_currency = usage.currency
    left join usd_rates
        on usd_rates.rate_month = usage.usage_month

)

select * from converted
