{#- Grain: one row per radio play (station and start instant; the latest delivery version of each). The
    recording is the catalogue's track of the play's ISRC; when the monitor read no ISRC (or one the catalogue
    lacks), the track whose normalised title and main artist equal the play's, when exactly one does. label_key
    is that track's owning label now, NULL for a play of no catalogue track. audience_estimate summed over plays
    gives gross impressions, not people. -#}
with airplay as (

    select * from {{ ref('stg_radio__airplay') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

tracks as (

    select * from {{ ref('dim_track') }}

),

tracks_by_name as (

    select
        {{ normalize_track_title('track_title') }} as track_title_normalised,
        {{ artist_match_name('artist_name') }} as artist_name_normalised,
        min(isrc) as isrc

    from tracks
    group by 1, 2
    having count(*) = 1

),

latest_versions as (

    select
        *,
        {{ normalize_track_title('track_title') }} as track_title_normalised,
        {{ artist_match_name('artist_name') }} as artist_name_normalised,
        row_number() over (
            partition by station_name, played_at_local, utc_offset
            order by delivery_version desc, loaded_at desc, batch_id desc
        ) as version_recency

    from airplay

),

resolved as (

    select
        latest_versions.*,
        case
            when tracks_by_isrc.catalogue_isrc is not null then tracks_by_isrc.catalogue_isrc
            else tracks_by_name.name_isrc
        end as matched_isrc,
        case
            when tracks_by_isrc.catalogue_isrc is not null then 'isrc'
            when tracks_by_name.name_isrc is not null then 'artist_title'
        end as match_method

    {# the joined sides under names latest_versions does not have: ClickHouse names latest_versions.*'s columns
        `latest_versions.<name>` where a name recurs in a query of several joins #}
    from latest_versions
    left join (select isrc as catalogue_isrc from tracks) as tracks_by_isrc
        on tracks_by_isrc.catalogue_isrc = latest_versions.isrc
    left join (
        select track_title_normalised as title_key, artist_name_normalised as artist_key, isrc as name_isrc
        from tracks_by_name
    ) as tracks_by_name
        on tracks_by_name.title_key = latest_versions.track_title_normalised
        and tracks_by_name.artist_key = latest_versions.artist_name_normalised
    where latest_versions.version_recency = 1

),

final as (

    select
        resolved.played_at_utc as played_at_utc,
        resolved.played_at_local as played_at_local,
        resolved.utc_offset as utc_offset,
        cast(resolved.played_at_local as date) as played_date_local,
        cast(resolved.played_at_utc as date) as played_date_utc,
        resolved.station_name as station_name,
        {{ surrogate_key(['resolved.territory_code']) }} as territory_key,
        resolved.territory_code as territory_code,
        tracks.track_key as track_key,
        tracks.artist_key as artist_key,
        tracks.label_key as label_key,
        resolved.match_method as match_method,
        coalesce(resolved.matched_isrc, resolved.isrc) as isrc,
        resolved.isrc_as_delivered as isrc_as_delivered,
        resolved.artist_name as artist_name,
        resolved.track_title as track_title,
        resolved.duration_played_seconds as duration_played_seconds,
        resolved.audience_estimate as audience_estimate,
        resolved.batch_id as batch_id,
        resolved.file_name as file_name,
        resolved.line_number as line_number

    from resolved
    left join tracks on tracks.isrc = resolved.matched_isrc

)

select * from final
