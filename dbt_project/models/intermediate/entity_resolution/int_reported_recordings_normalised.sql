{#- A reported recording: one way a platform identified a recording on its usage lines (ISRC, artist and
    title exactly as reported), in the forms matching compares. Matching works on these few thousand rows, not
    on every usage line; int_usage_daily_resolved joins the result back to the lines.

    match_key names the normal form (the ISRC when well-formed, artist credit, title and version): reported
    recordings that differ only in spelling share it, and the work queue groups by it. -#}
{#- the warehouse's edit distance (name_edit_distance), ready before int_reported_recordings_matched and its
    unit tests run: they all come after this model -#}
{{ config(pre_hook="{{ name_edit_distance_setup() }}") }}
with usage as (

    select * from {{ ref('int_usage_daily_unioned') }}

),

reported as (

    {#- an ISRC cell that normalised to nothing ('-') is a missing ISRC, like an empty one -#}
    select
        nullif(isrc, '') as isrc,
        artist_name,
        track_title,
        count(*) as usage_lines

    from usage
    group by nullif(isrc, ''), artist_name, track_title

),

normalised as (

    select
        isrc,
        artist_name,
        track_title,
        usage_lines,
        {{ is_valid_isrc('isrc') }} as is_isrc_valid,
        {{ normalize_artist_name('artist_name') }} as artist_name_normalised,
        {{ normalize_artist_name('artist_name', keep_leading_the=true) }} as artist_name_with_article,
        {{ normalize_track_title('track_title') }} as track_title_normalised,
        {{ track_title_version('track_title') }} as track_title_version

    from reported

),

keyed as (

    select
        {{ surrogate_key(['isrc', 'artist_name', 'track_title']) }} as reported_recording_key,
        {{ surrogate_key(['case when is_isrc_valid then isrc end', 'artist_name_normalised',
                          'track_title_normalised', 'track_title_version']) }} as match_key,
        isrc,
        artist_name,
        track_title,
        usage_lines,
        is_isrc_valid,
        case when is_isrc_valid then {{ isrc_registrant('isrc') }} end as isrc_registrant,
        {#- a malformed ISRC that still starts like one (country, registrant) hints at its registrant -#}
        case when not is_isrc_valid and {{ er_regexp_replace('coalesce(isrc, \'\')', '^[A-Z]{2}[A-Z0-9]{3}', '') }}
            <> coalesce(isrc, '') then substr(isrc, 1, 5) end as isrc_registrant_hint,
        artist_name_normalised,
        artist_name_with_article,
        {{ primary_artist_name('artist_name_normalised') }} as primary_artist_name_normalised,
        {{ er_regexp_replace('artist_name_normalised', '[ -~]', '') }} = '' as is_artist_name_latin,
        track_title_normalised,
        track_title_version

    from normalised

)

select * from keyed
