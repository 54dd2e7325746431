{#- Grain: one row per playlist add or removal of a recording, from two sources (event_source):
      - webhook: the DSP's events as received (one per event_id);
      - position_crawl: derived from the daily position crawls (latest delivery version): an add on a crawl day
        when the track was not on the playlist at the previous crawl, a removal on the crawl day after
        the last one that still listed it. A track on the playlist at the very first crawl is an add only when
        its added_on is that day (otherwise it was added before the crawls began).
    The two sources may report the same change: count adds from one source at a time (filter event_source).
    label_key is the recording's owning label now (NULL for a recording not in the catalogue); a playlist
    itself belongs to no label. -#}
with events as (

    select * from {{ ref('stg_webhooks__playlist_events') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

positions as (

    select * from {{ ref('stg_playlist_positions__daily_positions') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

playlists as (

    select * from {{ ref('dim_playlist') }}

),

tracks as (

    select track_key, isrc, label_key from {{ ref('dim_track') }}

),

playlists_by_id as (

    {#- webhooks name no platform: a playlist id is looked up alone when no two platforms share it -#}
    select
        playlist_id,
        min(playlist_key) as playlist_key

    from playlists
    group by playlist_id
    having count(*) = 1

),

events_deduplicated as (

    select
        *,
        row_number() over (partition by event_id order by received_at, loaded_at, batch_id) as event_copy

    from events

),

webhook_events as (

    select
        'webhook' as event_source,
        events_deduplicated.event_id as event_id,
        events_deduplicated.action as action,
        events_deduplicated.occurred_at as occurred_at,
        cast(events_deduplicated.occurred_at as date) as event_date,
        playlists_by_id.playlist_key as playlist_key,
        events_deduplicated.playlist_id as playlist_id,
        events_deduplicated.isrc as isrc,
        events_deduplicated.position as position,
        cast(null as date) as added_on,
        events_deduplicated.batch_id as batch_id,
        events_deduplicated.file_name as file_name,
        events_deduplicated.line_number as line_number

    from events_deduplicated
    left join playlists_by_id on playlists_by_id.playlist_id = events_deduplicated.playlist_id
    where events_deduplicated.event_copy = 1

),

positions_latest as (

    select
        *,
        row_number() over (
            partition by snapshot_date, platform_code, playlist_id, isrc
            order by delivery_version desc, loaded_at desc, batch_id desc
        ) as version_recency

    from positions

),

presences as (

    select * from positions_latest where version_recency = 1

),

crawl_days as (

    {#- the crawler's calendar: every day it delivered positions (for any platform; one file holds them all).
        The file lists only the label's tracks, so a playlist's or a platform's own presence days would miss
        the crawls where none of them was on it. -#}
    select
        snapshot_date,
        {{ window_lag('snapshot_date') }} over (order by snapshot_date) as previous_crawl_date,
        {{ window_lead('snapshot_date') }} over (order by snapshot_date) as next_crawl_date

    from (select distinct snapshot_date from presences) as crawled

),

presence_neighbours as (

    {#- each presence beside its crawl's neighbours and the same track's previous and next presence on the same
        playlist: the track was listed at the previous (next) crawl exactly when its previous (next) presence
        is that crawl day. Windows instead of self-joins: one sort, linear on every engine. -#}
    select
        presences.platform_code as platform_code,
        presences.playlist_id as playlist_id,
        presences.isrc as isrc,
        presences.snapshot_date as snapshot_date,
        presences.position as position,
        presences.added_on as added_on,
        presences.batch_id as batch_id,
        presences.file_name as file_name,
        presences.line_number as line_number,
        crawl_days.previous_crawl_date as previous_crawl_date,
        crawl_days.next_crawl_date as next_crawl_date,
        {{ window_lag('presences.snapshot_date') }} over (
            partition by presences.platform_code, presences.playlist_id, presences.isrc
            order by presences.snapshot_date
        ) as previous_presence_date,
        {{ window_lead('presences.snapshot_date') }} over (
            partition by presences.platform_code, presences.playlist_id, presences.isrc
            order by presences.snapshot_date
        ) as next_presence_date

    from presences
    inner join crawl_days
        on crawl_days.snapshot_date = presences.snapshot_date

),

crawl_adds as (

    select
        platform_code,
        playlist_id,
        isrc,
        'add' as action,
        snapshot_date as event_date,
        position,
        added_on,
        batch_id,
        file_name,
        line_number

    from presence_neighbours
    where (previous_crawl_date is null and added_on >= snapshot_date)
        or (previous_crawl_date is not null
            and (previous_presence_date is null or previous_presence_date <> previous_crawl_date))

),

crawl_removals as (

    select
        platform_code,
        playlist_id,
        isrc,
        'remove' as action,
        next_crawl_date as event_date,
        position,
        added_on,
        batch_id,
        file_name,
        line_number

    from presence_neighbours
    where next_crawl_date is not null
        and (next_presence_date is null or next_presence_date <> next_crawl_date)

),

crawl_events as (

    select
        'position_crawl' as event_source,
        cast(null as {{ dbt.type_string() }}) as event_id,
        crawl_changes.action as action,
        cast(null as timestamp) as occurred_at,
        crawl_changes.event_date as event_date,
        {{ surrogate_key(['crawl_changes.platform_code', 'crawl_changes.playlist_id']) }} as playlist_key,
        crawl_changes.playlist_id as playlist_id,
        crawl_changes.isrc as isrc,
        crawl_changes.position as position,
        crawl_changes.added_on as added_on,
        crawl_changes.batch_id as batch_id,
        crawl_changes.file_name as file_name,
        crawl_changes.line_number as line_number

    from (
        select * from crawl_adds
        union all
        select * from crawl_removals
    ) as crawl_changes

),

all_events as (

    select * from webhook_events
    union all
    select * from crawl_events

),

final as (

    select
        {{ surrogate_key(['all_events.event_source', 'all_events.event_id', 'all_events.playlist_key',
            'all_events.isrc', 'all_events.event_date', 'all_events.action']) }} as playlist_event_key,
        all_events.event_source as event_source,
        all_events.event_id as event_id,
        all_events.action as action,
        all_events.occurred_at as occurred_at,
        all_events.event_date as event_date,
        all_events.playlist_key as playlist_key,
        playlists.platform_key as platform_key,
        playlists.platform_code as platform_code,
        all_events.playlist_id as playlist_id,
        playlists.curator_type as curator_type,
        tracks.track_key as track_key,
        tracks.label_key as label_key,
        tracks.track_key is not null as is_catalogue_match,
        all_events.isrc as isrc,
        all_events.position as position,
        all_events.added_on as added_on,
        all_events.batch_id as batch_id,
        all_events.file_name as file_name,
        all_events.line_number as line_number

    from all_events
    left join playlists on playlists.playlist_key = all_events.playlist_key
    left join tracks on tracks.isrc = all_events.isrc

)

select * from final
