{#- Grain: one row per chart week, territory and position (the latest delivery version of each). Charts name
    no ISRC: a row is the catalogue's track whose normalised title and main artist equal the chart's, when
    exactly one does; label_key is that track's owning label now, NULL for the (many) entries that are not the
    catalogue's. Positions are not additive. -#}
with chart_positions as (

    select * from {{ ref('stg_charts__weekly_positions') }}
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
            partition by chart_week_ending, territory_code, chart_position
            order by delivery_version desc, loaded_at desc, batch_id desc
        ) as version_recency

    from chart_positions

),

final as (

    select
        latest_versions.chart_week_ending as chart_week_ending,
        {{ surrogate_key(['latest_versions.territory_code']) }} as territory_key,
        latest_versions.territory_code as territory_code,
        latest_versions.chart_position as chart_position,
        latest_versions.previous_position as previous_position,
        latest_versions.peak_position as peak_position,
        latest_versions.weeks_on_chart as weeks_on_chart,
        latest_versions.previous_position - latest_versions.chart_position as positions_gained,
        latest_versions.previous_position is null as is_entry,
        tracks.track_key as track_key,
        tracks.artist_key as artist_key,
        tracks.label_key as label_key,
        tracks.track_key is not null as is_catalogue_match,
        tracks.isrc as isrc,
        latest_versions.track_title as track_title,
        latest_versions.artist_name as artist_name,
        latest_versions.label_name as chart_label_name,
        latest_versions.batch_id as batch_id,
        latest_versions.file_name as file_name,
        latest_versions.line_number as line_number

    from latest_versions
    left join tracks_by_name
        on tracks_by_name.track_title_normalised = latest_versions.track_title_normalised
        and tracks_by_name.artist_name_normalised = latest_versions.artist_name_normalised
    left join tracks on tracks.isrc = tracks_by_name.isrc
    where latest_versions.version_recency = 1

)

select * from final
