{#- The "Playlists & Charts" report: per catalogue track and month, the playlist adds and removals (from the
    daily position crawls; the DSP webhooks' events counted apart, as both may report the same change), the
    reach of the adds (followers of the playlists that added the track, as of each playlist's latest
    snapshot), the source of the track's streams (editorial / algorithmic / user playlists, radio, search,
    artist and album pages, other — the platforms' source-of-streams reports, summed over platforms, with each
    source's share), and the track's chart weeks, territories, entries, exits, best position and the longest
    run the charts report. A chart exit is a track on a territory's chart in week w and not in week w + 1,
    counted only when that territory's chart of week w + 1 was delivered (a missing chart is no exit), in the
    month of week w + 1 (the first week off the chart). Counts add up over months; best_chart_position takes
    the minimum and max_weeks_on_chart the maximum, never a sum; shares are recomputed from summed streams.
    Only catalogue tracks (the playlist, chart and source rows of other recordings have no label). -#}
{%- set stream_sources = ['editorial_playlist', 'algorithmic_playlist', 'user_playlist', 'radio', 'search',
                          'artist_album_page', 'other'] -%}
with playlist_events as (

    select * from {{ ref('fct_playlist_events') }}

),

chart_positions as (

    select * from {{ ref('fct_chart_positions') }}

),

stream_sources as (

    select * from {{ ref('fct_stream_sources') }}

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
        playlist_events.track_key as track_key,
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

delivered_chart_weeks as (

    {#- the weeks each territory's chart was delivered (any row, catalogue or not) -#}
    select distinct territory_code, chart_week_ending
    from chart_positions

),

track_chart_weeks as (

    select distinct track_key, territory_code, chart_week_ending
    from chart_positions
    where track_key is not null

),

chart_exit_activity as (

    select
        track_chart_weeks.track_key as track_key,
        {{ month_start('next_delivered_weeks.chart_week_ending') }} as activity_month,
        count(*) as chart_exits

    from track_chart_weeks
    inner join delivered_chart_weeks as next_delivered_weeks
        on next_delivered_weeks.territory_code = track_chart_weeks.territory_code
        and next_delivered_weeks.chart_week_ending = {{ add_days('track_chart_weeks.chart_week_ending', 7) }}
    left join track_chart_weeks as next_track_weeks
        on next_track_weeks.track_key = track_chart_weeks.track_key
        and next_track_weeks.territory_code = track_chart_weeks.territory_code
        and next_track_weeks.chart_week_ending = next_delivered_weeks.chart_week_ending
    where next_track_weeks.track_key is null
    group by track_chart_weeks.track_key, {{ month_start('next_delivered_weeks.chart_week_ending') }}

),

stream_source_activity as (

    select
        track_key,
        {{ month_start('usage_date') }} as activity_month,
        {%- for source in stream_sources %}
        sum({{ source }}_streams) as {{ source }}_streams,
        {%- endfor %}
        sum(total_streams) as stream_source_total_streams

    from stream_sources
    where track_key is not null
    group by track_key, {{ month_start('usage_date') }}

),

track_months as (

    select track_key, activity_month from playlist_activity
    union
    select track_key, activity_month from chart_activity
    union
    select track_key, activity_month from chart_exit_activity
    union
    select track_key, activity_month from stream_source_activity

),

final as (

    select
        track_months.track_key as track_key,
        track_months.activity_month as activity_month,
        tracks.isrc as isrc,
        tracks.track_title as track_title,
        tracks.artist_name as artist_name,
        tracks.release_title as release_title,
        tracks.label_key as label_key,
        labels.label_name as label_name,
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
        cast(chart_activity.max_weeks_on_chart as integer) as max_weeks_on_chart,
        cast(coalesce(chart_exit_activity.chart_exits, 0) as integer) as chart_exits,
        cast(coalesce(stream_source_activity.stream_source_total_streams, 0) as bigint) as stream_source_total_streams,
        {%- for source in stream_sources %}
        cast(coalesce(stream_source_activity.{{ source }}_streams, 0) as bigint) as {{ source }}_streams,
        {%- endfor %}
        {%- for source in stream_sources %}
        {{ safe_divide('stream_source_activity.' ~ source ~ '_streams', 'stream_source_activity.stream_source_total_streams') }}
            as {{ source }}_stream_share{% if not loop.last %},{% endif %}
        {%- endfor %}

    from track_months
    inner join tracks on tracks.track_key = track_months.track_key
    left join labels on labels.label_key = tracks.label_key
    left join playlist_activity
        on playlist_activity.track_key = track_months.track_key
        and playlist_activity.activity_month = track_months.activity_month
    left join chart_activity
        on chart_activity.track_key = track_months.track_key
        and chart_activity.activity_month = track_months.activity_month
    left join chart_exit_activity
        on chart_exit_activity.track_key = track_months.track_key
        and chart_exit_activity.activity_month = track_months.activity_month
    left join stream_source_activity
        on stream_source_activity.track_key = track_months.track_key
        and stream_source_activity.activity_month = track_months.activity_month

)

select * from final
