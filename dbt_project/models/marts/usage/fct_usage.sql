{#- Every usage line of every platform family (streams, downloads, video views, UGC creations), one row per
    landed line of a current delivery, resolved to the catalogue and converted. Daily-feed lines take the entity
    resolution's answer (int_usage_daily_resolved: identifiers, then names); lines of statements, stores and
    video/UGC reports match by exact ISRC. Unmatched usage is kept with a NULL track and label. label_key is
    the label that owns the track now (what row-level security filters on); label_key_at_usage the label that
    owned it on the day of use (dim_track_history), so a label transfer is reported correctly over time.
    `is_revenue_estimate` marks daily-feed revenue (the platform's estimate; statements are authoritative). Daily
    feeds and DSR statements report the same streams: filter on source_family, never add them up.

    Incremental like fct_usage_daily (macros/incremental_usage.sql): a build rebuilds the --vars date window, the
    platform-months of newly landed batches and the recordings whose resolution or label changed (a new
    override re-matches past lines), and deletes superseded batches' lines; --full-refresh gives the same rows.
    Stored per warehouse by usage_table_storage (macros/physical_design.sql): on ClickHouse sorted by family,
    platform and day, a partition per month of use; on PostgreSQL indexed by day, label and family-month. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ prepare_usage_rebuild(ref('int_usage_unified_converted'), ref('int_deliveries_current'), unified_usage_sources(),
                                       fct_usage_mapping(ref('int_reported_recordings_matched'), ref('dim_track')),
                                       'reported_isrc') }}",
    post_hook="{{ save_usage_mapping(ref('int_deliveries_current'),
                                     fct_usage_mapping(ref('int_reported_recordings_matched'), ref('dim_track'))) }}",
    **usage_table_storage(['source_family', 'platform_code', 'usage_date'], 'usage_month',
                          pg_indexes=[['usage_date', 'platform_code'], ['label_key', 'usage_date'],
                                      ['source_family', 'usage_month']])
) }}
with usage as (

    select * from {{ ref('int_usage_unified_converted') }} as usage
    {{ usage_rebuild_filter('usage', ref('int_usage_unified_converted'), ref('int_deliveries_current'), unified_usage_sources(),
                            fct_usage_mapping(ref('int_reported_recordings_matched'), ref('dim_track'))) }}

),

deliveries as (

    select batch_id, landed_at from {{ ref('int_deliveries_current') }}

),

daily_resolutions as (

    select batch_id, line_number, resolved_isrc, match_method
    from {{ ref('int_usage_daily_resolved') }}

),

tracks as (

    select track_key, isrc, label_key from {{ ref('dim_track') }}

),

track_versions as (

    select isrc, label_key, valid_from, valid_to from {{ ref('dim_track_history') }}

),

resolved as (

    select
        usage.*,
        case
            when usage.source_family = 'daily_feed' then daily_resolutions.resolved_isrc
            when usage.isrc in (select isrc from tracks) then usage.isrc
        end as resolved_isrc,
        case
            when usage.source_family = 'daily_feed' then daily_resolutions.match_method
            when usage.isrc in (select isrc from tracks) then 'isrc_exact'
            else 'unmatched'
        end as match_method

    from usage
    left join daily_resolutions
        on usage.source_family = 'daily_feed'
        and daily_resolutions.batch_id = usage.batch_id
        and daily_resolutions.line_number = usage.line_number

),

final as (

    select
        {{ surrogate_key(['resolved.batch_id', 'resolved.line_number']) }} as usage_key,
        resolved.usage_date as usage_date,
        resolved.usage_month as usage_month,
        resolved.date_grain as date_grain,
        resolved.source_family as source_family,
        {{ surrogate_key(['resolved.platform_code']) }} as platform_key,
        resolved.platform_code as platform_code,
        {{ surrogate_key(['resolved.territory_code']) }} as territory_key,
        resolved.territory_code as territory_code,
        tracks.track_key as track_key,
        tracks.label_key as label_key,
        track_versions.label_key as label_key_at_usage,
        resolved.resolved_isrc as isrc,
        resolved.isrc as reported_isrc,
        resolved.upc as upc,
        resolved.match_method as match_method,
        tracks.track_key is not null as is_catalogue_match,
        resolved.usage_type as usage_type,
        resolved.units as units,
        resolved.platform_measure as platform_measure,
        resolved.platform_units as platform_units,
        resolved.revenue as revenue,
        resolved.currency as currency,
        resolved.revenue_eur as revenue_eur,
        resolved.revenue_usd as revenue_usd,
        resolved.revenue_basis as revenue_basis,
        resolved.revenue_basis = 'daily_feed_estimate' as is_revenue_estimate,
        resolved.is_adjustment as is_adjustment,
        resolved.adjustment_type as adjustment_type,
        resolved.adjusted_month as adjusted_month,
        resolved.batch_id as batch_id,
        resolved.file_name as file_name,
        resolved.line_number as line_number,
        resolved.delivery_version as delivery_version,
        deliveries.landed_at as landed_at

    from resolved
    left join deliveries on deliveries.batch_id = resolved.batch_id
    left join tracks on tracks.isrc = resolved.resolved_isrc
    left join track_versions
        on track_versions.isrc = resolved.resolved_isrc
        and track_versions.valid_from <= resolved.usage_date
        and (track_versions.valid_to is null or track_versions.valid_to > resolved.usage_date)

)

select * from final
