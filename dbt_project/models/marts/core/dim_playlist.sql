{#- Grain: one row per playlist of a platform. Name, curator type and followers come from the latest monthly
    snapshot (stg_playlists__catalogue; its latest delivery version). Playlists only known from the daily
    positions (no name) or from the webhook events (no platform: the sender does not say which DSP) get a row
    too, so every playlist fact has a key. A playlist is the platform's, not a label's: no label_key. -#}
with snapshots as (

    select * from {{ ref('stg_playlists__catalogue') }}

),

positions as (

    select * from {{ ref('stg_playlist_positions__daily_positions') }}

),

events as (

    select * from {{ ref('stg_webhooks__playlist_events') }}

),

snapshots_ranked as (

    select
        *,
        row_number() over (
            partition by platform_code, playlist_id
            order by snapshot_month desc, delivery_version desc, loaded_at desc
        ) as snapshot_recency,
        min(snapshot_month) over (partition by platform_code, playlist_id) as first_snapshot_month

    from snapshots

),

latest_snapshots as (

    select
        platform_code,
        playlist_id,
        playlist_name,
        curator_type,
        followers,
        snapshot_month as followers_as_of_month,
        first_snapshot_month,
        'playlist_snapshots' as playlist_source

    from snapshots_ranked
    where snapshot_recency = 1

),

playlists_from_positions as (

    select distinct
        positions.platform_code,
        positions.playlist_id
    from positions
    left join latest_snapshots
        on latest_snapshots.platform_code = positions.platform_code
        and latest_snapshots.playlist_id = positions.playlist_id
    where latest_snapshots.playlist_id is null

),

events_ranked as (

    select
        *,
        row_number() over (partition by playlist_id order by occurred_at desc, event_id desc) as event_recency

    from events

),

playlists_from_events as (

    {#- the webhook does not name the platform: only a playlist id that no snapshot or crawl knows -#}
    select
        events_ranked.playlist_id,
        events_ranked.playlist_name,
        events_ranked.curator_type

    from events_ranked
    where events_ranked.event_recency = 1
        and events_ranked.playlist_id not in (select playlist_id from latest_snapshots)
        and events_ranked.playlist_id not in (select playlist_id from playlists_from_positions)

),

all_playlists as (

    select * from latest_snapshots

    union all

    select
        platform_code,
        playlist_id,
        cast(null as {{ dbt.type_string() }}) as playlist_name,
        cast(null as {{ dbt.type_string() }}) as curator_type,
        cast(null as bigint) as followers,
        cast(null as date) as followers_as_of_month,
        cast(null as date) as first_snapshot_month,
        'playlist_positions' as playlist_source
    from playlists_from_positions

    union all

    select
        cast(null as {{ dbt.type_string() }}) as platform_code,
        playlist_id,
        playlist_name,
        curator_type,
        cast(null as bigint) as followers,
        cast(null as date) as followers_as_of_month,
        cast(null as date) as first_snapshot_month,
        'playlist_events' as playlist_source
    from playlists_from_events

),

final as (

    select
        {{ surrogate_key(['platform_code', 'playlist_id']) }} as playlist_key,
        case when platform_code is not null then {{ surrogate_key(['platform_code']) }} end as platform_key,
        platform_code,
        playlist_id,
        playlist_name,
        curator_type,
        curator_type in ('editorial', 'algorithmic') as is_platform_curated,
        followers,
        followers_as_of_month,
        first_snapshot_month,
        playlist_source

    from all_playlists

)

select * from final
