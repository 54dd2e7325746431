{#- Every daily usage line with the catalogue track it resolves to (int_reported_recordings_matched): one row
    per line of int_usage_daily_unioned, matched or not, none dropped and none doubled
    (tests/intermediate/assert_int_usage_daily_resolved_keeps_every_line.sql).

    A view: the lines are already stored once in int_usage_daily_unioned, and the resolution is a join on the
    reported ISRC, artist and title to a table of a few thousand rows; storing 10^7 lines again would cost a
    full write on every build. -#}
{{ config(materialized='view') }}

with usage as (

    select * from {{ ref('int_usage_daily_unioned') }}

),

resolutions as (

    select * from {{ ref('int_reported_recordings_matched') }}

),

resolved as (

    select
        usage.usage_date,
        usage.platform_code,
        usage.territory_code,
        usage.isrc as reported_isrc,
        usage.isrc_as_delivered,
        usage.artist_name as reported_artist_name,
        usage.track_title as reported_track_title,
        resolutions.reported_recording_key,
        resolutions.match_key,
        resolutions.resolved_isrc,
        coalesce(resolutions.is_matched, false) as is_matched,
        coalesce(resolutions.match_method, 'unmatched') as match_method,
        resolutions.match_score,
        resolutions.unmatched_reason,
        usage.streams,
        usage.revenue,
        usage.currency,
        usage.batch_id,
        usage.file_name,
        usage.line_number,
        usage.delivery_version

    from usage
    left join resolutions
        on coalesce(resolutions.isrc, '') = coalesce(usage.isrc, '')
        and coalesce(resolutions.artist_name, '') = coalesce(usage.artist_name, '')
        and coalesce(resolutions.track_title, '') = coalesce(usage.track_title, '')

)

select * from resolved
