{#- The daily feeds' streams and EUR revenue estimate per label as a dense day series: one row per label (unmatched
    usage is its own series, label_key NULL) and per day of the feeds' window, days without usage counting 0.
    What the trend and seasonality reports compute their periods, averages and indices from. -#}
with daily_usage as (

    select * from {{ ref('fct_usage_daily') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

feed_window as (

    select
        min(usage_date) as first_date,
        max(usage_date) as last_date

    from daily_usage

),

series as (

    select distinct label_key from daily_usage

),

usage_by_day as (

    select
        usage_date,
        label_key,
        sum(streams) as streams,
        cast(sum(revenue_eur) as decimal(38, 12)) as estimated_revenue_eur

    from daily_usage
    group by usage_date, label_key

),

filled as (

    select
        calendar.date_day as date_day,
        series.label_key as label_key,
        coalesce(usage_by_day.streams, 0) as streams,
        cast(coalesce(usage_by_day.estimated_revenue_eur, 0) as decimal(38, 12)) as estimated_revenue_eur

    from calendar
    inner join feed_window
        on calendar.date_day between feed_window.first_date and feed_window.last_date
    cross join series
    left join usage_by_day
        on usage_by_day.usage_date = calendar.date_day
        and usage_by_day.label_key is not distinct from series.label_key

)

select * from filled
