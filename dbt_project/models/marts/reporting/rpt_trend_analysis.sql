{#- The "Trend Analysis" report: streams (daily feeds) and the daily feeds' EUR revenue estimate per label as
    a day, ISO-week, month, quarter and year series (period_grain), every period of the feeds' window present
    (days without usage count 0), with the previous period (day, week, month, quarter, year before) and the same
    period a year earlier (the calendar date / 52 weeks / 12 months before) and the growth over each; day rows
    also compare with the same weekday a week earlier and carry the trailing 7- and 28-day moving averages of
    daily streams (NULL until the window lies wholly inside the feeds' window). Seasonality indices are in
    rpt_trend_seasonality. Growth is NULL where history does not allow it: the earlier period lies
    before the feeds' first day or is cut by it (a partial week or month: previous/year-ago streams NULL), it
    had no streams (0), or the current period itself is partial (is_complete_period false).
    previous_period_streams and year_ago_streams are additive, so a roll-up over labels recomputes growth as
    sum(streams) / sum(previous) - 1; never add or average the growth columns. Unmatched usage forms its own
    series with a NULL label_key. -#}
{%- set grains = ['day', 'week', 'month', 'quarter', 'year'] -%}
with days as (

    select * from {{ ref('int_label_usage_daily_filled') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

feed_window as (

    select
        min(date_day) as first_date,
        max(date_day) as last_date

    from days

),

periods as (

    {% for grain in grains -%}
    select
        '{{ grain }}' as period_grain,
        {%- if grain == 'day' %}
        date_day as period_start,
        date_day as period_end,
        {%- elif grain == 'week' %}
        {{ week_start('date_day') }} as period_start,
        {{ add_days(week_start('date_day'), 6) }} as period_end,
        {%- elif grain == 'month' %}
        {{ month_start('date_day') }} as period_start,
        {{ add_days(add_months(month_start('date_day'), 1), -1) }} as period_end,
        {%- elif grain == 'quarter' %}
        {{ quarter_start('date_day') }} as period_start,
        {{ add_days(add_months(quarter_start('date_day'), 3), -1) }} as period_end,
        {%- else %}
        {{ year_start('date_day') }} as period_start,
        {{ add_days(add_months(year_start('date_day'), 12), -1) }} as period_end,
        {%- endif %}
        label_key,
        count(*) as days_in_feed_window,
        sum(streams) as streams,
        sum(estimated_revenue_eur) as estimated_revenue_eur

    from days
    group by 2, 3, label_key
    {% if not loop.last %}
    union all

    {% endif -%}
    {%- endfor %}

),

periods_with_comparisons as (

    select
        periods.*,
        case periods.period_grain
            when 'day' then {{ add_days('periods.period_start', -1) }}
            when 'week' then {{ add_days('periods.period_start', -7) }}
            when 'month' then {{ add_months('periods.period_start', -1) }}
            when 'quarter' then {{ add_months('periods.period_start', -3) }}
            else {{ add_months('periods.period_start', -12) }}
        end as previous_period_start,
        case periods.period_grain
            when 'week' then {{ add_days('periods.period_start', -364) }}
            else {{ add_months('periods.period_start', -12) }}
        end as year_ago_period_start,
        periods.period_start >= feed_window.first_date and periods.period_end <= feed_window.last_date
            as is_complete_period

    from periods
    cross join feed_window

),

daily_moving_averages as (

    {#- trailing windows over the dense day series (one row per day of the feeds' window and series) -#}
    select
        date_day,
        label_key,
        avg(cast(streams as double precision)) over (
            partition by label_key order by date_day rows between 6 preceding and current row
        ) as trailing_7_day_average,
        count(*) over (
            partition by label_key order by date_day rows between 6 preceding and current row
        ) as days_in_7_day_window,
        avg(cast(streams as double precision)) over (
            partition by label_key order by date_day rows between 27 preceding and current row
        ) as trailing_28_day_average,
        count(*) over (
            partition by label_key order by date_day rows between 27 preceding and current row
        ) as days_in_28_day_window

    from days

),

final as (

    select
        current_periods.period_grain as period_grain,
        current_periods.period_start as period_start,
        current_periods.period_end as period_end,
        current_periods.label_key as label_key,
        coalesce(labels.label_name, 'Unmatched') as label_name,
        current_periods.is_complete_period as is_complete_period,
        cast(current_periods.days_in_feed_window as integer) as days_in_feed_window,
        cast(current_periods.streams as bigint) as streams,
        cast(current_periods.estimated_revenue_eur as decimal(38, 12)) as estimated_revenue_eur,
        case current_periods.period_grain
            when 'day' then 'day_over_day'
            when 'week' then 'week_over_week'
            when 'month' then 'month_over_month'
            when 'quarter' then 'quarter_over_quarter'
            else 'year_over_year'
        end as period_over_period_comparison,
        cast(previous_periods.streams as bigint) as previous_period_streams,
        case when current_periods.is_complete_period then
            {{ growth_rate('current_periods.streams', 'previous_periods.streams') }}
        end as period_over_period_growth,
        cast(week_ago_days.streams as bigint) as week_ago_streams,
        {{ growth_rate('current_periods.streams', 'week_ago_days.streams') }} as week_over_week_growth,
        cast(year_ago_periods.streams as bigint) as year_ago_streams,
        case when current_periods.is_complete_period then
            {{ growth_rate('current_periods.streams', 'year_ago_periods.streams') }}
        end as year_over_year_growth,
        cast(case when daily_moving_averages.days_in_7_day_window = 7
            then daily_moving_averages.trailing_7_day_average end as double precision) as streams_7_day_moving_average,
        cast(case when daily_moving_averages.days_in_28_day_window = 28
            then daily_moving_averages.trailing_28_day_average end as double precision) as streams_28_day_moving_average

    from periods_with_comparisons as current_periods
    left join periods_with_comparisons as previous_periods
        on previous_periods.period_grain = current_periods.period_grain
        and previous_periods.period_start = current_periods.previous_period_start
        and previous_periods.label_key is not distinct from current_periods.label_key
        and previous_periods.is_complete_period
    left join periods_with_comparisons as week_ago_days
        on current_periods.period_grain = 'day'
        and week_ago_days.period_grain = 'day'
        and week_ago_days.period_start = {{ add_days('current_periods.period_start', -7) }}
        and week_ago_days.label_key is not distinct from current_periods.label_key
    left join periods_with_comparisons as year_ago_periods
        on year_ago_periods.period_grain = current_periods.period_grain
        and year_ago_periods.period_start = current_periods.year_ago_period_start
        and year_ago_periods.label_key is not distinct from current_periods.label_key
        and year_ago_periods.is_complete_period
    left join daily_moving_averages
        on current_periods.period_grain = 'day'
        and daily_moving_averages.date_day = current_periods.period_start
        and daily_moving_averages.label_key is not distinct from current_periods.label_key
    left join labels on labels.label_key = current_periods.label_key

)

select * from final
