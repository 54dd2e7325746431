{#- The work queue of unmatched usage: one row per reported recording (match_key: the same ISRC, artist and
    title once normalised) that no rule matched and no one has decided on, ranked by the revenue at stake
    (in EUR at the month's reference rate), then streams. It shows the matcher's best candidate and its score,
    so a person can confirm or reject it: a decision goes to seeds/entity_resolution_overrides.csv (the
    reported ISRC, artist and title as shown here) and re-matches every past line on the next build. Lines
    decided "not ours" leave the queue; they stay in int_usage_daily_resolved. -#}
with unmatched_lines as (

    select * from {{ ref('int_usage_daily_resolved') }}
    where not is_matched and match_method = 'unmatched'

),

fx_rates as (

    select * from {{ ref('stg_fx__monthly_rates') }}

),

recordings as (

    select * from {{ ref('int_reported_recordings_matched') }}

),

catalogue as (

    select isrc, track_title, artist_name from {{ ref('stg_catalogue__tracks') }}

),

lines_in_eur as (

    select
        unmatched_lines.*,
        unmatched_lines.revenue * fx_rates.eur_per_unit as revenue_eur

    from unmatched_lines
    left join fx_rates
        on fx_rates.rate_month = {{ month_start('unmatched_lines.usage_date') }}
        and fx_rates.currency = unmatched_lines.currency

),

at_stake as (

    select
        match_key,
        count(*) as usage_lines,
        cast(sum(streams) as bigint) as streams,
        cast(sum(revenue_eur) as decimal(38, 12)) as revenue_eur,
        {{ string_agg_distinct('platform_code') }} as platforms,
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date

    from lines_in_eur
    group by match_key

),

representatives as (

    {#- the spelling reported on the most lines stands for the group -#}
    select
        *,
        row_number() over (
            partition by match_key order by usage_lines desc, isrc, artist_name, track_title
        ) as spelling_rank,
        count(*) over (partition by match_key) as spellings

    from recordings
    where match_method = 'unmatched'

),

candidate_labels as (

    select isrc, label_key from {{ ref('dim_track') }}

),

final as (

    select
        rank() over (order by at_stake.revenue_eur desc nulls last, at_stake.streams desc) as queue_rank,
        at_stake.match_key as match_key,
        representatives.isrc as reported_isrc,
        representatives.artist_name as reported_artist_name,
        representatives.track_title as reported_track_title,
        representatives.spellings as spellings,
        representatives.unmatched_reason as unmatched_reason,
        at_stake.revenue_eur as revenue_eur,
        at_stake.streams as streams,
        at_stake.usage_lines as usage_lines,
        at_stake.platforms as platforms,
        at_stake.first_usage_date as first_usage_date,
        at_stake.last_usage_date as last_usage_date,
        representatives.best_candidate_isrc as best_candidate_isrc,
        catalogue.artist_name as best_candidate_artist_name,
        catalogue.track_title as best_candidate_track_title,
        representatives.best_candidate_score as best_candidate_score,
        representatives.best_candidate_artist_similarity as best_candidate_artist_similarity,
        representatives.best_candidate_title_similarity as best_candidate_title_similarity,
        candidate_labels.label_key as label_key

    from at_stake
    inner join representatives
        on representatives.match_key = at_stake.match_key
        and representatives.spelling_rank = 1
    left join catalogue on catalogue.isrc = representatives.best_candidate_isrc
    left join candidate_labels on candidate_labels.isrc = representatives.best_candidate_isrc

)

select * from final
