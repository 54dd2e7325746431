{#- The "Playlists & Charts" report: per catalogue track and month, the playlist adds and removals (from the
    daily position crawls; the DSP webhooks' events counted apart, as both may report the same change), the
    reach of the adds (followers of the playlists that added the track, as of each playlist's latest
    snapshot), and the track's chart weeks, territories, best position and the longest run the charts report.
    Counts add up over months; best_chart_position takes the minimum and max_weeks_on_chart the maximum,
    never a sum. Only catalogue tracks (the playlist and chart rows of other recordings have no label). -#}
with playlist_events as (

    select * from {{ ref('fct_playlist_events') }}

),

chart_positions as (

    select * from {{ ref('fct_chart_positions') }}

),

playlists as (

    select * from {{ ref('dim_playlist') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

playlist_activity as (

    select
        playlist_events.track_key,
        {{ month_start('playlist_events.event_date') }} as activity_month,
        {%- for curator_type in [none, 'editorial', 'algorithmic', 'user'] %}
        count(case when playlist_events.event_source = 'position_crawl' and playlist_events.action = 'add'
            {%- if curator_type %} and playlist_events.curator_type = '{{ curator_type }}'{% endif %} then 1 end)
            as {{ curator_type ~ '_' if curator_type else '' }}playlist_adds,
        {%- endfor %}
        count(case when playlist_events.event_source = 'position_crawl' and playlist_events.action = 'remove' then 1 end)
            as playlist_removals,
        count(distinct case when playlist_events.event_source = 'position_crawl' and playlist_events.action = 'add'
            then playlist_events.playlist_key end) as playlists_added_to,
        sum(case when playlist_events.event_source = 'position_crawl' and playlist_events.action = 'add'
            then playlists.followers end) as playlist_reach_followers,
        count(case when playlist_events.event_source = 'webhook' and playlist_events.action = 'add' then 1 end)
            as webhook_playlist_adds,
        count(case when playlist_events.event_source = 'webhook' and playlist_events.action = 'remove' then 1 end)
            as webhook_playlist_removals

    from playlist_events
    left join playlists on playlists.playlist_key = playlist_events.playlist_key
    where playlist_events.track_key is not null
    group by playlist_events.track_key, {{ month_start('playlist_events.event_date') }}

),

chart_activity as (

    select
        track_key,
        {{ month_start('chart_week_ending') }} as activity_month,
        count(*) as chart_entries,
        count(distinct chart_week_ending) as chart_weeks,
        count(distinct territory_code) as chart_territories,
        count(case when is_entry then 1 end) as new_chart_entries,
        min(chart_position) as best_chart_position,
        min(peak_position) as best_peak_position,
        max(weeks_on_chart) as max_weeks_on_chart

    from chart_positions
    where track_key is not null
    group by track_key, {{ month_start('chart_week_ending') }}

),

track_months as (

    select track_key, activity_month from playlist_activity
    union
    select track_key, activity_month from chart_activity

),

final as (

    select
        track_months.track_key,
        track_months.activity_month,
        tracks.isrc,
        tracks.track_title,
        tracks.artist_name,
        tracks.release_title,
        tracks.label_key,
        labels.label_name,
        cast(coalesce(playlist_activity.playlist_adds, 0) as integer) as playlist_adds,
        cast(coalesce(playlist_activity.editorial_playlist_adds, 0) as integer) as editorial_playlist_adds,
        cast(coalesce(playlist_activity.algorithmic_playlist_adds, 0) as integer) as algorithmic_playlist_adds,
        cast(coalesce(playlist_activity.user_playlist_adds, 0) as integer) as user_playlist_adds,
        cast(coalesce(playlist_activity.playlist_removals, 0) as integer) as playlist_removals,
        cast(coalesce(playlist_activity.playlist_adds, 0) - coalesce(playlist_activity.playlist_removals, 0) as integer)
            as net_playlist_adds,
        cast(coalesce(playlist_activity.playlists_added_to, 0) as integer) as playlists_added_to,
        cast(coalesce(playlist_activity.playlist_reach_followers, 0) as bigint) as playlist_reach_followers,
        cast(coalesce(playlist_activity.webhook_playlist_adds, 0) as integer) as webhook_playlist_adds,
        cast(coalesce(playlist_activity.webhook_playlist_removals, 0) as integer) as webhook_playlist_removals,
        cast(coalesce(chart_activity.chart_entries, 0) as integer) as chart_entries,
        cast(coalesce(chart_activity.chart_weeks, 0) as integer) as chart_weeks,
        cast(coalesce(chart_activity.chart_territories, 0) as integer) as chart_territories,
        cast(coalesce(chart_activity.new_chart_entries, 0) as integer) as new_chart_entries,
        cast(chart_activity.best_chart_position as integer) as best_chart_position,
        cast(chart_activity.best_peak_position as integer) as best_peak_position,
        cast(chart_activity.max_weeks_on_chart as integer) as max_weeks_on_chart

    from track_months
    inner join tracks on tracks.track_key = track_months.track_key
    left join labels on labels.label_key = tracks.label_key
    left join playlist_activity
        on playlist_activity.track_key = track_months.track_key
        and playlist_activity.activity_month = track_months.activity_month
    left join chart_activity
        on chart_activity.track_key = track_months.track_key
        and chart_activity.activity_month = track_months.activity_month

)

select * from final
