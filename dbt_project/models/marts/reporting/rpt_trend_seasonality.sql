{#- The "Trend Analysis" report's seasonality: per label, how each weekday and each calendar month compares with
    the label's average day, from the daily feeds' streams (days without usage count 0).
    day_of_week: over the whole ISO weeks (Monday to Sunday) inside the feeds' window, so every weekday is seen
    equally often; index = the weekday's mean daily streams / the mean daily streams of those weeks.
    month_of_year: over the latest 12 complete calendar months inside the window (each month once); index = the
    month's mean daily streams / the mean daily streams of those 12 months (a mean per day, so month lengths do
    not count). With fewer than 12 complete months there is no full year: the months present keep their
    means but seasonality_index is NULL (is_full_cycle false); the same holds for weekdays without a whole
    week. One year of history mixes the season with the year's trend: read the month index as indicative.
    Unmatched usage forms its own series with a NULL label_key. -#}
{%- set weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] -%}
{%- set months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
                  'October', 'November', 'December'] -%}
with filled_days as (

    select * from {{ ref('int_label_usage_daily_filled') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

feed_window as (

    select
        min(date_day) as first_date,
        max(date_day) as last_date

    from filled_days

),

days as (

    select
        date_day,
        {{ week_start('date_day') }} as week_start_date,
        {{ month_start('date_day') }} as month_start_date,
        label_key,
        streams

    from filled_days

),

whole_week_days as (

    {#- the days of the ISO weeks that lie wholly inside the feeds' window -#}
    select days.*
    from days
    cross join feed_window
    where days.week_start_date >= feed_window.first_date
        and {{ add_days('days.week_start_date', 6) }} <= feed_window.last_date

),

complete_months as (

    select distinct month_start_date
    from days
    cross join feed_window
    where days.month_start_date >= feed_window.first_date
        and {{ add_days(add_months('days.month_start_date', 1), -1) }} <= feed_window.last_date

),

latest_year_months as (

    {#- the latest 12 complete months (fewer when the window holds fewer) -#}
    select complete_months.month_start_date
    from complete_months
    cross join (select max(month_start_date) as last_month_start from complete_months) as last_complete_month
    where complete_months.month_start_date > {{ add_months('last_complete_month.last_month_start', -12) }}

),

latest_year_coverage as (

    select count(*) = 12 as is_full_year from latest_year_months

),

latest_year_days as (

    select days.*
    from days
    inner join latest_year_months on latest_year_months.month_start_date = days.month_start_date

),

weekday_means as (

    select
        'day_of_week' as seasonality_type,
        {{ iso_day_of_week('date_day') }} as season_number,
        label_key,
        min(date_day) as window_start,
        max(date_day) as window_end,
        count(*) as days_observed,
        sum(streams) as streams,
        avg(cast(streams as double precision)) as mean_daily_streams

    from whole_week_days
    group by {{ iso_day_of_week('date_day') }}, label_key

),

weekday_overall as (

    select
        label_key,
        min(date_day) as window_start,
        max(date_day) as window_end,
        count(*) >= 7 as is_full_cycle,
        avg(cast(streams as double precision)) as overall_mean_daily_streams

    from whole_week_days
    group by label_key

),

month_means as (

    select
        'month_of_year' as seasonality_type,
        {{ month_of_year('date_day') }} as season_number,
        label_key,
        min(date_day) as window_start,
        max(date_day) as window_end,
        count(*) as days_observed,
        sum(streams) as streams,
        avg(cast(streams as double precision)) as mean_daily_streams

    from latest_year_days
    group by {{ month_of_year('date_day') }}, label_key

),

month_overall as (

    select
        latest_year_days.label_key as label_key,
        min(latest_year_days.date_day) as window_start,
        max(latest_year_days.date_day) as window_end,
        min(case when latest_year_coverage.is_full_year then 1 else 0 end) = 1 as is_full_cycle,
        avg(cast(latest_year_days.streams as double precision)) as overall_mean_daily_streams

    from latest_year_days
    cross join latest_year_coverage
    group by latest_year_days.label_key

),

season_means as (

    select
        weekday_means.seasonality_type as seasonality_type,
        weekday_means.season_number as season_number,
        weekday_means.label_key as label_key,
        weekday_overall.window_start as window_start,
        weekday_overall.window_end as window_end,
        weekday_overall.is_full_cycle as is_full_cycle,
        weekday_means.days_observed as days_observed,
        weekday_means.streams as streams,
        weekday_means.mean_daily_streams as mean_daily_streams,
        weekday_overall.overall_mean_daily_streams as overall_mean_daily_streams

    from weekday_means
    inner join weekday_overall on weekday_overall.label_key is not distinct from weekday_means.label_key

    union all

    select
        month_means.seasonality_type as seasonality_type,
        month_means.season_number as season_number,
        month_means.label_key as label_key,
        month_overall.window_start as window_start,
        month_overall.window_end as window_end,
        month_overall.is_full_cycle as is_full_cycle,
        month_means.days_observed as days_observed,
        month_means.streams as streams,
        month_means.mean_daily_streams as mean_daily_streams,
        month_overall.overall_mean_daily_streams as overall_mean_daily_streams

    from month_means
    inner join month_overall on month_overall.label_key is not distinct from month_means.label_key

),

final as (

    select
        season_means.seasonality_type as seasonality_type,
        cast(season_means.season_number as integer) as season_number,
        case
            when season_means.seasonality_type = 'day_of_week' then
                case season_means.season_number
                    {%- for weekday in weekdays %}
                    when {{ loop.index }} then '{{ weekday }}'
                    {%- endfor %}
                end
            else
                case season_means.season_number
                    {%- for month in months %}
                    when {{ loop.index }} then '{{ month }}'
                    {%- endfor %}
                end
        end as season_name,
        season_means.label_key as label_key,
        coalesce(labels.label_name, 'Unmatched') as label_name,
        season_means.window_start as window_start,
        season_means.window_end as window_end,
        season_means.is_full_cycle as is_full_cycle,
        cast(season_means.days_observed as integer) as days_observed,
        cast(season_means.streams as bigint) as streams,
        cast(season_means.mean_daily_streams as double precision) as mean_daily_streams,
        cast(season_means.overall_mean_daily_streams as double precision) as overall_mean_daily_streams,
        cast(case when season_means.is_full_cycle then
            {{ safe_divide('season_means.mean_daily_streams', 'season_means.overall_mean_daily_streams') }}
        end as double precision) as seasonality_index

    from season_means
    left join labels on labels.label_key = season_means.label_key

)

select * from final
