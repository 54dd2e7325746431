{#- The "Catalogue Analysis" report: one row per catalogue entity and label at three levels (catalogue_level):
    track, release and artist (an artist's tracks at each label it has tracks with now: one row per label).
    Streams come from the daily feeds (day-precise: lifetime and the trailing 28 days up to as_of_date, the
    last day the feeds report); revenue in EUR on the reported basis (statements, stores, video and UGC
    reports, all families) and the daily feeds' estimate (lifetime and trailing 28 days). Age since release,
    share of the label's lifetime streams and rank within the label at the same level. Catalogue entities
    without any usage are kept with zeros. Unmatched usage belongs to no catalogue entity and is not here
    (rpt_unmatched_usage_queue lists it). -#}
{%- set measures = ['lifetime_streams', 'streams_28d', 'statement_streams', 'reported_revenue_eur',
    'estimated_revenue_eur', 'estimated_revenue_eur_28d'] -%}
with daily_usage as (

    select * from {{ ref('fct_usage_daily') }}

),

usage as (

    select * from {{ ref('fct_usage') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

releases as (

    select * from {{ ref('dim_release') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

labels as (

    select * from {{ ref('dim_label') }}

),

report_dates as (

    select
        max(usage_date) as as_of_date,
        {{ add_days('max(usage_date)', -27) }} as trailing_28d_start

    from daily_usage

),

daily_track_usage as (

    select
        daily_usage.track_key as track_key,
        sum(daily_usage.streams) as lifetime_streams,
        sum(case when daily_usage.usage_date >= report_dates.trailing_28d_start then daily_usage.streams end)
            as streams_28d,
        sum(daily_usage.revenue_eur) as estimated_revenue_eur,
        sum(case when daily_usage.usage_date >= report_dates.trailing_28d_start then daily_usage.revenue_eur end)
            as estimated_revenue_eur_28d

    from daily_usage
    cross join report_dates
    group by daily_usage.track_key

),

reported_track_revenue as (

    select
        track_key,
        sum(revenue_eur) as reported_revenue_eur,
        sum(case when source_family = 'dsr_statement' then units end) as statement_streams

    from usage
    where not is_revenue_estimate
        and track_key is not null
    group by track_key

),

track_measures as (

    select
        tracks.track_key as track_key,
        tracks.release_key as release_key,
        tracks.artist_key as artist_key,
        tracks.label_key as label_key,
        tracks.release_date as release_date,
        coalesce(daily_track_usage.lifetime_streams, 0) as lifetime_streams,
        coalesce(daily_track_usage.streams_28d, 0) as streams_28d,
        coalesce(reported_track_revenue.statement_streams, 0) as statement_streams,
        coalesce(reported_track_revenue.reported_revenue_eur, 0) as reported_revenue_eur,
        coalesce(daily_track_usage.estimated_revenue_eur, 0) as estimated_revenue_eur,
        coalesce(daily_track_usage.estimated_revenue_eur_28d, 0) as estimated_revenue_eur_28d

    from tracks
    left join daily_track_usage on daily_track_usage.track_key = tracks.track_key
    left join reported_track_revenue on reported_track_revenue.track_key = tracks.track_key

),

track_level as (

    select
        'track' as catalogue_level,
        track_measures.track_key as entity_key,
        tracks.track_title as entity_name,
        track_measures.label_key as label_key,
        tracks.isrc as isrc,
        tracks.track_title as track_title,
        tracks.release_title as release_title,
        tracks.artist_name as artist_name,
        track_measures.release_date as first_release_date,
        1 as track_count,
        {% for measure in measures %}track_measures.{{ measure }}{% if not loop.last %},
        {% endif %}{% endfor %}

    from track_measures
    inner join tracks on tracks.track_key = track_measures.track_key

),

release_level as (

    select
        'release' as catalogue_level,
        track_measures.release_key as entity_key,
        min(releases.release_title) as entity_name,
        track_measures.label_key as label_key,
        cast(null as {{ dbt.type_string() }}) as isrc,
        cast(null as {{ dbt.type_string() }}) as track_title,
        min(releases.release_title) as release_title,
        min(releases.artist_name) as artist_name,
        min(track_measures.release_date) as first_release_date,
        count(*) as track_count,
        {% for measure in measures %}sum(track_measures.{{ measure }}) as {{ measure }}{% if not loop.last %},
        {% endif %}{% endfor %}

    from track_measures
    left join releases on releases.release_key = track_measures.release_key
    group by track_measures.release_key, track_measures.label_key

),

artist_level as (

    select
        'artist' as catalogue_level,
        track_measures.artist_key as entity_key,
        min(artists.artist_name) as entity_name,
        track_measures.label_key as label_key,
        cast(null as {{ dbt.type_string() }}) as isrc,
        cast(null as {{ dbt.type_string() }}) as track_title,
        cast(null as {{ dbt.type_string() }}) as release_title,
        min(artists.artist_name) as artist_name,
        min(track_measures.release_date) as first_release_date,
        count(*) as track_count,
        {% for measure in measures %}sum(track_measures.{{ measure }}) as {{ measure }}{% if not loop.last %},
        {% endif %}{% endfor %}

    from track_measures
    left join artists on artists.artist_key = track_measures.artist_key
    group by track_measures.artist_key, track_measures.label_key

),

catalogue_entities as (

    select * from track_level
    union all
    select * from release_level
    union all
    select * from artist_level

),

label_totals as (

    select
        label_key,
        sum(lifetime_streams) as label_lifetime_streams,
        sum(streams_28d) as label_streams_28d,
        sum(reported_revenue_eur) as label_reported_revenue_eur

    from track_measures
    group by label_key

),

final as (

    select
        catalogue_entities.catalogue_level as catalogue_level,
        catalogue_entities.entity_key as entity_key,
        catalogue_entities.entity_name as entity_name,
        catalogue_entities.label_key as label_key,
        labels.label_name as label_name,
        catalogue_entities.isrc as isrc,
        catalogue_entities.track_title as track_title,
        catalogue_entities.release_title as release_title,
        catalogue_entities.artist_name as artist_name,
        cast(catalogue_entities.track_count as integer) as track_count,
        catalogue_entities.first_release_date as first_release_date,
        report_dates.as_of_date as as_of_date,
        cast({{ days_between('catalogue_entities.first_release_date', 'report_dates.as_of_date') }} as integer)
            as days_since_release,
        cast(catalogue_entities.lifetime_streams as bigint) as lifetime_streams,
        cast(catalogue_entities.streams_28d as bigint) as streams_28d,
        cast(catalogue_entities.statement_streams as bigint) as statement_streams,
        cast(catalogue_entities.reported_revenue_eur as decimal(38, 12)) as reported_revenue_eur,
        cast(catalogue_entities.estimated_revenue_eur as decimal(38, 12)) as estimated_revenue_eur,
        cast(catalogue_entities.estimated_revenue_eur_28d as decimal(38, 12)) as estimated_revenue_eur_28d,
        {{ safe_divide('catalogue_entities.lifetime_streams', 'label_totals.label_lifetime_streams') }}
            as share_of_label_lifetime_streams,
        {{ safe_divide('catalogue_entities.streams_28d', 'label_totals.label_streams_28d') }}
            as share_of_label_streams_28d,
        {{ safe_divide('catalogue_entities.reported_revenue_eur', 'label_totals.label_reported_revenue_eur') }}
            as share_of_label_reported_revenue,
        cast(
            rank() over (
                partition by catalogue_entities.catalogue_level, catalogue_entities.label_key
                order by catalogue_entities.lifetime_streams desc
            ) as integer
        ) as lifetime_streams_rank_in_label,
        cast(
            rank() over (
                partition by catalogue_entities.catalogue_level, catalogue_entities.label_key
                order by catalogue_entities.streams_28d desc
            ) as integer
        ) as streams_28d_rank_in_label

    from catalogue_entities
    cross join report_dates
    left join label_totals on label_totals.label_key = catalogue_entities.label_key
    left join labels on labels.label_key = catalogue_entities.label_key

)

select * from final
