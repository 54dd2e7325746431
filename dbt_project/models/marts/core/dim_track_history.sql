{#- Grain: one row per version of a recording (type 2), computed from every landed catalogue export, so the
    history is right even when the warehouse is built once (a snapshot only sees the catalogue at run time).

    Exports are ordered by the date in their file name (the undated initial export first), then by landing
    time. A new version starts whenever an export shows a track with a different title, artist credit,
    release (title or UPC), label, sub-label or distributor than the previous export did, or shows it again
    after an export that lacked it. Versions are half-open: valid from valid_from (inclusive) to valid_to
    (exclusive).
      - valid_from: the effective date of the export that first shows the version (the date in its file name,
        or the day it landed when undated); the first version of a track is valid from
        var('date_spine_start'), the calendar's first day, so every day maps to exactly one version.
      - valid_to: the effective date of the next export, when that export changes or lacks the track; NULL for
        the current version.
    Genre, duration and ISWC are not versioned: each version keeps the values of its first export. -#}
with track_exports as (

    select * from {{ ref('stg_catalogue__track_exports') }}

),

exports as (

    select distinct
        batch_id,
        file_name,
        export_date,
        loaded_at
    from track_exports

),

exports_ordered as (

    select
        batch_id,
        file_name,
        coalesce(export_date, cast(loaded_at as date)) as effective_date,
        row_number() over (
            order by case when export_date is null then 0 else 1 end, export_date, loaded_at, file_name
        ) as export_rank

    from exports

),

track_states as (

    select
        track_exports.*,
        exports_ordered.export_rank,
        exports_ordered.effective_date,
        {{ surrogate_key([
            'track_exports.track_title', 'track_exports.artist_name', 'track_exports.release_title',
            'track_exports.upc', 'track_exports.label_name', 'track_exports.sub_label_name',
            'track_exports.label_id', 'track_exports.distributor_name'
        ]) }} as state_hash

    from track_exports
    inner join exports_ordered on exports_ordered.batch_id = track_exports.batch_id

),

state_changes as (

    select
        *,
        case
            when {{ window_lag('state_hash') }} over (partition by isrc order by export_rank) is null then 1
            when {{ window_lag('state_hash') }} over (partition by isrc order by export_rank) <> state_hash then 1
            when {{ window_lag('export_rank') }} over (partition by isrc order by export_rank) < export_rank - 1 then 1
            else 0
        end as is_new_version

    from track_states

),

state_versions as (

    select
        *,
        sum(is_new_version) over (
            partition by isrc order by export_rank rows between unbounded preceding and current row
        ) as version_number

    from state_changes

),

version_spans as (

    select
        isrc,
        version_number,
        min(export_rank) as first_export_rank,
        max(export_rank) as last_export_rank

    from state_versions
    group by isrc, version_number

),

versions as (

    select
        state_versions.*,
        version_spans.last_export_rank,
        next_exports.next_export_date

    {# the joined sides carry only what they add, under names state_versions does not have: ClickHouse names
        `state_versions.*`'s columns `state_versions.<name>` where a name recurs in a query of several joins #}
    from state_versions
    inner join (
        select isrc as span_isrc, first_export_rank, last_export_rank from version_spans
    ) as version_spans
        on state_versions.isrc = version_spans.span_isrc
        and state_versions.export_rank = version_spans.first_export_rank
    left join (
        select export_rank as next_export_rank, effective_date as next_export_date from exports_ordered
    ) as next_exports
        on next_exports.next_export_rank = version_spans.last_export_rank + 1

),

versions_compared as (

    select
        versions.*,
        {{ window_lag('track_title') }} over (partition by isrc order by version_number) as previous_track_title,
        {{ window_lag('artist_name') }} over (partition by isrc order by version_number) as previous_artist_name,
        {{ window_lag('release_title') }} over (partition by isrc order by version_number) as previous_release_title,
        {{ window_lag('upc') }} over (partition by isrc order by version_number) as previous_upc,
        {{ window_lag('label_name') }} over (partition by isrc order by version_number) as previous_label_name,
        {{ window_lag('sub_label_name') }} over (partition by isrc order by version_number) as previous_sub_label_name,
        {{ window_lag('label_id') }} over (partition by isrc order by version_number) as previous_label_id,
        {{ window_lag('distributor_name') }} over (partition by isrc order by version_number) as previous_distributor_name

    from versions

),

final as (

    select
        {{ surrogate_key(['isrc', 'version_number']) }} as track_version_key,
        {{ surrogate_key(['isrc']) }} as track_key,
        isrc,
        cast(version_number as integer) as version_number,
        track_title,
        iswc,
        {{ artist_key('artist_name', 'isrc') }} as artist_key,
        artist_name,
        {{ release_key('upc') }} as release_key,
        release_title,
        upc,
        release_date,
        {{ label_key('label_name') }} as label_key,
        label_name,
        case when sub_label_name is not null then {{ label_key('sub_label_name') }} end as sub_label_key,
        sub_label_name,
        label_id as owning_label_id,
        distributor_name,
        genre,
        duration_seconds,
        case
            when version_number = 1 then cast('{{ var("date_spine_start") }}' as date)
            else effective_date
        end as valid_from,
        next_export_date as valid_to,
        next_export_date is null as is_current,
        case
            when version_number = 1 then 'first_seen'
            else coalesce(nullif(substr(
                case when track_title is distinct from previous_track_title then ', title' else '' end
                || case when artist_name is distinct from previous_artist_name then ', artist' else '' end
                || case when release_title is distinct from previous_release_title
                    or upc is distinct from previous_upc then ', release' else '' end
                || case when label_name is distinct from previous_label_name
                    or sub_label_name is distinct from previous_sub_label_name
                    or label_id is distinct from previous_label_id then ', label' else '' end
                || case when distributor_name is distinct from previous_distributor_name
                    then ', distributor' else '' end,
                3), ''), 'reappeared')
        end as changed_attributes,
        file_name as first_export_file_name,
        effective_date as first_export_date

    from versions_compared

)

select * from final
