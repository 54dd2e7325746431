{#- The "Release Performance" report: per release and daily-feed platform, the streams (and the daily feeds'
    EUR revenue estimate) of the first 7 and 28 days from the release date (day 0 = release day), next to the
    median of the same window over the owning label's releases on the same platform — the label's typical
    release curve — and the release's index against it (1 = a typical release). A window counts only when the
    platform's feed delivered every day of it (a release before the feeds began, a window still running, or a
    rejected or missing monthly file leave a hole); otherwise its streams are NULL, not a partial sum, and the
    release stays out of the label's median. -#}
with daily_usage as (

    select * from {{ ref('fct_usage_daily') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

releases as (

    select * from {{ ref('dim_release') }}

),

platforms as (

    select * from {{ ref('dim_platform') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

feed_days as (

    {#- the days each platform's feed delivered (a rejected or missing file leaves a hole) -#}
    select distinct platform_code, usage_date from daily_usage

),

release_platforms as (

    select
        releases.release_key as release_key,
        releases.release_date as release_date,
        releases.label_key as label_key,
        feed_platforms.platform_code as platform_code,
        count(case when feed_days.usage_date <= {{ add_days('releases.release_date', 6) }} then 1 end)
            as feed_days_first_7_days,
        count(feed_days.usage_date) as feed_days_first_28_days

    from releases
    cross join (select distinct platform_code from feed_days) as feed_platforms
    left join feed_days
        on feed_days.platform_code = feed_platforms.platform_code
        and feed_days.usage_date >= releases.release_date
        and feed_days.usage_date <= {{ add_days('releases.release_date', 27) }}
    group by releases.release_key, releases.release_date, releases.label_key, feed_platforms.platform_code

),

launch_usage as (

    select
        tracks.release_key as release_key,
        daily_usage.platform_code as platform_code,
        sum(case when daily_usage.usage_date <= {{ add_days('tracks.release_date', 6) }} then daily_usage.streams end)
            as streams_first_7_days,
        sum(daily_usage.streams) as streams_first_28_days,
        sum(daily_usage.revenue_eur) as estimated_revenue_eur_first_28_days,
        count(distinct daily_usage.usage_date) as days_with_streams_first_28_days

    from daily_usage
    inner join tracks on tracks.track_key = daily_usage.track_key
    where daily_usage.usage_date >= tracks.release_date
        and daily_usage.usage_date <= {{ add_days('tracks.release_date', 27) }}
    group by tracks.release_key, daily_usage.platform_code

),

release_launches as (

    select
        release_platforms.*,
        release_platforms.feed_days_first_7_days = 7 as is_first_7_days_covered,
        release_platforms.feed_days_first_28_days = 28 as is_first_28_days_covered,
        case when release_platforms.feed_days_first_7_days = 7
            then coalesce(launch_usage.streams_first_7_days, 0) end as streams_first_7_days,
        case when release_platforms.feed_days_first_28_days = 28
            then coalesce(launch_usage.streams_first_28_days, 0) end as streams_first_28_days,
        case when release_platforms.feed_days_first_28_days = 28
            then coalesce(launch_usage.estimated_revenue_eur_first_28_days, 0) end
            as estimated_revenue_eur_first_28_days,
        coalesce(launch_usage.days_with_streams_first_28_days, 0) as days_with_streams_first_28_days

    from release_platforms
    left join launch_usage
        on launch_usage.release_key = release_platforms.release_key
        and launch_usage.platform_code = release_platforms.platform_code

),

label_curves as (

    select
        label_key,
        platform_code,
        {{ median_value('streams_first_7_days') }} as label_median_streams_first_7_days,
        {{ median_value('streams_first_28_days') }} as label_median_streams_first_28_days,
        count(streams_first_7_days) as label_releases_first_7_days,
        count(streams_first_28_days) as label_releases_first_28_days

    from release_launches
    group by label_key, platform_code

),

final as (

    select
        release_launches.release_key as release_key,
        releases.release_title as release_title,
        releases.upc as upc,
        release_launches.release_date as release_date,
        releases.artist_name as artist_name,
        release_launches.label_key as label_key,
        labels.label_name as label_name,
        release_launches.platform_code as platform_code,
        platforms.platform_name as platform_name,
        release_launches.is_first_7_days_covered as is_first_7_days_covered,
        release_launches.is_first_28_days_covered as is_first_28_days_covered,
        cast(release_launches.feed_days_first_28_days as integer) as feed_days_first_28_days,
        cast(release_launches.days_with_streams_first_28_days as integer) as days_with_streams_first_28_days,
        cast(release_launches.streams_first_7_days as bigint) as streams_first_7_days,
        cast(release_launches.streams_first_28_days as bigint) as streams_first_28_days,
        cast(release_launches.estimated_revenue_eur_first_28_days as decimal(38, 12))
            as estimated_revenue_eur_first_28_days,
        cast(label_curves.label_median_streams_first_7_days as double precision) as label_median_streams_first_7_days,
        cast(label_curves.label_median_streams_first_28_days as double precision)
            as label_median_streams_first_28_days,
        cast(label_curves.label_releases_first_7_days as integer) as label_releases_first_7_days,
        cast(label_curves.label_releases_first_28_days as integer) as label_releases_first_28_days,
        {{ safe_divide('release_launches.streams_first_7_days', 'label_curves.label_median_streams_first_7_days') }}
            as index_vs_label_median_first_7_days,
        {{ safe_divide('release_launches.streams_first_28_days', 'label_curves.label_median_streams_first_28_days') }}
            as index_vs_label_median_first_28_days

    from release_launches
    inner join releases on releases.release_key = release_launches.release_key
    left join labels on labels.label_key = release_launches.label_key
    left join platforms on platforms.platform_code = release_launches.platform_code
    left join label_curves
        on label_curves.label_key = release_launches.label_key
        and label_curves.platform_code = release_launches.platform_code

)

select * from final
