{#- Each reported recording resolved to a catalogue track, or kept unmatched with the reason and the best
    candidate. In order (shared/domain.md: identifiers first, names only where identifiers are missing or
    conflict):

    1. isrc_exact: the well-formed reported ISRC is a catalogue ISRC, and the names do not contradict it. A
       contradiction: the titles are less than half alike and so are the artists, or the artists cannot be
       compared (different scripts). Such an ISRC is discredited, registrant included, for the steps below.
    2. override / override_not_ours: a manual decision in seeds/entity_resolution_overrides.csv whose every
       given field (ISRC, artist, title) equals the reported recording's normal form; the most specific, then
       the latest decision wins. A decision applies to every past and future line on the next build.
    3. Names, among the candidates: the catalogue tracks of the reported ISRC's registrant (country +
       registrant code) when the ISRC is well-formed (and not discredited), so that namesakes at different
       labels stay apart and a registrant that is not ours has no candidate at all; every track otherwise. A
       candidate qualifies only when the title versions are equal ("Live" is not the studio recording) and the
       titles are alike (similarity >= min_title_similarity, or one edit apart), and then
         - fuzzy_artist_title: the artists are alike (any of the credit, the main artist, the form keeping
           "The": equal, or similarity >= min_artist_similarity, or one edit apart; only equal when the reported
           name is one a catalogue artist goes by: "Ana Costa" is not a typo of "Ada Costa" when Ana Costa is an
           artist too);
         - fuzzy_alias_title: the reported artist is alike to a learned alias of the candidate's main artist.
           Aliases are learned from this very data: an ISRC match whose title agrees proves that the reported
           main artist (say "Kenji Sato", or "Iouliia Joukova") is the catalogue's ("佐藤健二", "Юлия Жукова").
           An alias that is itself a catalogue artist's name, or points at two, is not used;
         - fuzzy_registrant_title: the artists cannot be compared (different scripts), the registrant agrees
           and the titles are equal.
       The best qualifying candidate wins when no other qualifies within min_margin of its score; when several
       do, the one whose registrant a malformed ISRC still names (isrc_registrant_hint) wins if it is the only
       one; otherwise the recording is ambiguous and left to a person.

    Everything else stays unmatched (is_matched = false) and goes to the work queue; nothing is dropped. -#}
{%- set min_artist_similarity = 0.8 -%}
{%- set min_title_similarity = 0.85 -%}
{%- set min_margin = 0.05 -%}
{%- set conflict_similarity = 0.5 -%}
{%- set min_candidate_title_similarity = 0.6 -%}

with reported as (

    select * from {{ ref('int_reported_recordings_normalised') }}

),

catalogue as (

    select * from {{ ref('int_catalogue_tracks_normalised') }}

),

overrides as (

    select * from {{ ref('entity_resolution_overrides') }}

),

catalogue_registrants as (

    select distinct isrc_registrant from catalogue

),

{#- ---- 1. identifiers ---- -#}

isrc_pairs as (

    select
        reported.reported_recording_key as reported_recording_key,
        catalogue.isrc as matched_isrc,
        catalogue.primary_artist_name_normalised as catalogue_artist,
        reported.primary_artist_name_normalised as reported_artist,
        reported.is_artist_name_latin and catalogue.is_artist_name_latin as are_artists_comparable,
        greatest(
            {{ name_similarity('reported.artist_name_normalised', 'catalogue.artist_name_normalised') }},
            {{ name_similarity('reported.primary_artist_name_normalised', 'catalogue.primary_artist_name_normalised') }}
        ) as artist_similarity,
        reported.track_title_version = catalogue.track_title_version as is_version_match,
        {{ name_similarity('reported.track_title_normalised', 'catalogue.track_title_normalised') }}
            as title_similarity

    from reported
    inner join catalogue on catalogue.isrc = reported.isrc
    where reported.is_isrc_valid

),

isrc_matches as (

    select
        *,
        title_similarity < {{ conflict_similarity }}
            and (not are_artists_comparable or artist_similarity < {{ conflict_similarity }}) as is_name_conflict

    from isrc_pairs

),

{#- ---- 2. manual decisions ---- -#}

overrides_normalised as (

    select
        nullif({{ normalize_isrc('isrc') }}, '') as isrc,
        nullif({{ normalize_artist_name('artist_name') }}, '') as artist_name_normalised,
        nullif({{ normalize_track_title('track_title') }}, '') as track_title_normalised,
        {{ track_title_version('track_title') }} as track_title_version,
        lower(trim(decision)) as decision,
        nullif({{ normalize_isrc('resolved_isrc') }}, '') as resolved_isrc,
        decided_on

    from overrides

),

overrides_specific as (

    select
        *,
        case when isrc is null then 0 else 1 end
            + case when artist_name_normalised is null then 0 else 1 end
            + case when track_title_normalised is null then 0 else 1 end as specificity

    from overrides_normalised

),

override_matches as (

    select
        reported.reported_recording_key as reported_recording_key,
        overrides_specific.decision as decision,
        overrides_specific.resolved_isrc as resolved_isrc,
        row_number() over (
            partition by reported.reported_recording_key
            order by overrides_specific.specificity desc, overrides_specific.decided_on desc,
                overrides_specific.resolved_isrc
        ) as decision_rank

    from reported
    inner join overrides_specific
        on (overrides_specific.isrc is null or overrides_specific.isrc = reported.isrc)
        and (overrides_specific.artist_name_normalised is null
            or overrides_specific.artist_name_normalised = reported.artist_name_normalised)
        and (overrides_specific.track_title_normalised is null
            or (overrides_specific.track_title_normalised = reported.track_title_normalised
                and overrides_specific.track_title_version = reported.track_title_version))
    where overrides_specific.specificity > 0

),

{#- ---- 3. names ---- -#}

learned_alias_pairs as (

    {#- main-artist spellings an ISRC match proves, the titles agreeing too -#}
    select
        reported_artist as alias,
        catalogue_artist,
        count(distinct matched_isrc) as evidence_tracks

    from isrc_matches
    where not is_name_conflict
        and is_version_match
        and title_similarity >= {{ min_title_similarity }}
        and reported_artist <> catalogue_artist
        and reported_artist <> ''
    group by reported_artist, catalogue_artist

),

learned_aliases as (

    select learned_alias_pairs.alias, min(learned_alias_pairs.catalogue_artist) as catalogue_artist
    from learned_alias_pairs
    left join catalogue on catalogue.primary_artist_name_normalised = learned_alias_pairs.alias
    where catalogue.isrc is null
    group by learned_alias_pairs.alias
    having count(distinct learned_alias_pairs.catalogue_artist) = 1

),

unresolved as (

    {#- what identifiers left: no ISRC match, or one the names contradict (its registrant discredited too) -#}
    select
        reported.*,
        case when isrc_matches.is_name_conflict then null else reported.isrc_registrant end as candidate_registrant

    from reported
    left join isrc_matches on isrc_matches.reported_recording_key = reported.reported_recording_key
    where isrc_matches.reported_recording_key is null or isrc_matches.is_name_conflict

),

candidate_pairs as (

    {#- titles first: every rule needs them alike -#}
    select
        unresolved.reported_recording_key as reported_recording_key,
        catalogue.isrc as candidate_isrc,
        unresolved.candidate_registrant is not null as is_registrant_match,
        coalesce(unresolved.isrc_registrant_hint = catalogue.isrc_registrant, false) as is_registrant_hint_match,
        unresolved.track_title_version = catalogue.track_title_version as is_version_match,
        not (unresolved.is_artist_name_latin and catalogue.is_artist_name_latin) as is_script_mismatch,
        {{ name_edit_distance('unresolved.track_title_normalised', 'catalogue.track_title_normalised') }}
            as title_edit_distance,
        {{ name_similarity('unresolved.track_title_normalised', 'catalogue.track_title_normalised') }}
            as title_similarity,
        least(length(unresolved.track_title_normalised), length(catalogue.track_title_normalised))
            as shorter_title_length

    from unresolved
    inner join catalogue
        on unresolved.candidate_registrant is null
        or unresolved.candidate_registrant = catalogue.isrc_registrant

),

titled_candidates as (

    select * from candidate_pairs
    where title_similarity >= {{ min_candidate_title_similarity }}

),

reported_names as (

    select reported_recording_key, artist_name_normalised as artist_name from unresolved
    union all
    select reported_recording_key, primary_artist_name_normalised from unresolved
    union all
    select reported_recording_key, artist_name_with_article from unresolved

),

catalogue_names as (

    select isrc, artist_name_normalised as artist_name, false as is_alias from catalogue
    union all
    select isrc, primary_artist_name_normalised, false from catalogue
    union all
    select isrc, artist_name_with_article, false from catalogue
    union all
    select catalogue.isrc, learned_aliases.alias, true
    from catalogue
    inner join learned_aliases on learned_aliases.catalogue_artist = catalogue.primary_artist_name_normalised

),

known_names as (

    {#- every name a catalogue artist goes by: a reported name among them is that artist, not a typo of another -#}
    select distinct artist_name from catalogue_names

),

reported_knowns as (

    select distinct reported_names.reported_recording_key
    from reported_names
    inner join known_names on known_names.artist_name = reported_names.artist_name

),

name_pairs as (

    select
        titled_candidates.reported_recording_key as reported_recording_key,
        titled_candidates.candidate_isrc as candidate_isrc,
        catalogue_names.is_alias as is_alias,
        reported_knowns.reported_recording_key is not null as is_reported_name_known,
        {{ name_similarity('reported_names.artist_name', 'catalogue_names.artist_name') }} as similarity,
        {{ name_edit_distance('reported_names.artist_name', 'catalogue_names.artist_name') }} as edit_distance,
        least(length(reported_names.artist_name), length(catalogue_names.artist_name)) as shorter_length

    from titled_candidates
    inner join reported_names on reported_names.reported_recording_key = titled_candidates.reported_recording_key
    inner join catalogue_names on catalogue_names.isrc = titled_candidates.candidate_isrc
    left join reported_knowns on reported_knowns.reported_recording_key = titled_candidates.reported_recording_key

),

name_pairs_alike as (

    {#- alike: equal; or, for a name no catalogue artist goes by, similar enough or one edit apart -#}
    select
        *,
        similarity = 1
            or (not is_reported_name_known
                and (similarity >= {{ min_artist_similarity }} or (edit_distance <= 1 and shorter_length >= 4)))
            as is_alike

    from name_pairs

),

artist_scores as (

    select
        reported_recording_key,
        candidate_isrc,
        max(case when not is_alias then similarity end) as artist_similarity,
        max(case when is_alias then similarity end) as alias_similarity,
        max(case when not is_alias and is_alike then 1 else 0 end) = 1 as is_artist_alike,
        max(case when is_alias and is_alike then 1 else 0 end) = 1 as is_alias_alike

    from name_pairs_alike
    group by reported_recording_key, candidate_isrc

),

scored as (

    select
        titled_candidates.reported_recording_key as reported_recording_key,
        titled_candidates.candidate_isrc as candidate_isrc,
        titled_candidates.is_registrant_hint_match as is_registrant_hint_match,
        artist_scores.artist_similarity as artist_similarity,
        titled_candidates.title_similarity as title_similarity,
        case
            when not titled_candidates.is_version_match then null
            when not (titled_candidates.title_similarity >= {{ min_title_similarity }}
                or (titled_candidates.title_edit_distance <= 1 and titled_candidates.shorter_title_length >= 4))
                then null
            when artist_scores.is_artist_alike then 'fuzzy_artist_title'
            when artist_scores.is_alias_alike then 'fuzzy_alias_title'
            when titled_candidates.is_registrant_match and titled_candidates.is_script_mismatch
                and titled_candidates.title_edit_distance = 0 then 'fuzzy_registrant_title'
        end as candidate_method,
        cast({{ round_double("(greatest(artist_scores.artist_similarity, coalesce(artist_scores.alias_similarity, 0))
            + titled_candidates.title_similarity) / 2", 4) }} as decimal(6, 4)) as candidate_score

    from titled_candidates
    inner join artist_scores
        on artist_scores.reported_recording_key = titled_candidates.reported_recording_key
        and artist_scores.candidate_isrc = titled_candidates.candidate_isrc

),

ranked as (

    {#- the best candidate (qualifying first) and the runner-up, for the work queue -#}
    select
        *,
        row_number() over (
            partition by reported_recording_key
            order by case when candidate_method is null then 1 else 0 end, candidate_score desc,
                candidate_isrc
        ) as candidate_rank

    from scored

),

contenders as (

    {#- the qualifying candidates within min_margin of the best qualifying score -#}
    select *
    from (
        select
            *,
            max(candidate_score) over (partition by reported_recording_key) as best_score
        from scored
        where candidate_method is not null
    ) as qualifying
    where candidate_score > best_score - {{ min_margin }}

),

contender_counts as (

    select
        reported_recording_key,
        count(*) as contenders,
        sum(case when is_registrant_hint_match then 1 else 0 end) as hinted_contenders

    from contenders
    group by reported_recording_key

),

name_matches as (

    select
        contenders.reported_recording_key as reported_recording_key,
        contenders.candidate_isrc as matched_isrc,
        contenders.candidate_method as candidate_method,
        contenders.candidate_score as candidate_score

    from contenders
    inner join contender_counts on contender_counts.reported_recording_key = contenders.reported_recording_key
    where contender_counts.contenders = 1
        or (contender_counts.hinted_contenders = 1 and contenders.is_registrant_hint_match)

),

{#- ---- the decision ---- -#}

resolved as (

    select
        reported.reported_recording_key as reported_recording_key,
        reported.match_key as match_key,
        reported.isrc as isrc,
        reported.artist_name as artist_name,
        reported.track_title as track_title,
        reported.usage_lines as usage_lines,
        reported.is_isrc_valid as is_isrc_valid,
        reported.isrc_registrant as isrc_registrant,
        catalogue_registrants.isrc_registrant is not null as is_registrant_in_catalogue,
        isrc_matches.matched_isrc is not null as is_isrc_in_catalogue,
        coalesce(isrc_matches.is_name_conflict, false) as is_name_conflict,
        isrc_matches.matched_isrc as isrc_matched_isrc,
        override_matches.decision as decision,
        override_matches.resolved_isrc as decided_isrc,
        name_matches.matched_isrc as name_matched_isrc,
        name_matches.candidate_method as name_match_method,
        name_matches.candidate_score as name_match_score,
        coalesce(contender_counts.contenders, 0) > 1 and name_matches.matched_isrc is null as is_ambiguous,
        best.candidate_isrc as best_candidate_isrc,
        best.candidate_score as best_candidate_score,
        best.artist_similarity as best_candidate_artist_similarity,
        best.title_similarity as best_candidate_title_similarity,
        runner_up.candidate_isrc as runner_up_isrc,
        runner_up.candidate_score as runner_up_score

    from reported
    left join isrc_matches on isrc_matches.reported_recording_key = reported.reported_recording_key
    left join override_matches
        on override_matches.reported_recording_key = reported.reported_recording_key
        and override_matches.decision_rank = 1
    left join name_matches on name_matches.reported_recording_key = reported.reported_recording_key
    left join contender_counts on contender_counts.reported_recording_key = reported.reported_recording_key
    left join ranked as best
        on best.reported_recording_key = reported.reported_recording_key and best.candidate_rank = 1
    left join ranked as runner_up
        on runner_up.reported_recording_key = reported.reported_recording_key and runner_up.candidate_rank = 2
    left join catalogue_registrants on catalogue_registrants.isrc_registrant = reported.isrc_registrant

),

decided as (

    select
        *,
        case
            when isrc_matched_isrc is not null and not is_name_conflict then 'isrc_exact'
            when decision = 'match' and decided_isrc is not null then 'override'
            when decision = 'not_ours' then 'override_not_ours'
            when name_matched_isrc is not null then name_match_method
            else 'unmatched'
        end as match_method

    from resolved

),

final as (

    select
        reported_recording_key,
        match_key,
        isrc,
        artist_name,
        track_title,
        usage_lines,
        case
            when match_method = 'isrc_exact' then isrc_matched_isrc
            when match_method = 'override' then decided_isrc
            when match_method like 'fuzzy_%' then name_matched_isrc
        end as resolved_isrc,
        match_method not in ('override_not_ours', 'unmatched') as is_matched,
        match_method,
        cast(case
            when match_method in ('isrc_exact', 'override') then 1
            when match_method like 'fuzzy_%' then name_match_score
        end as decimal(6, 4)) as match_score,
        case
            when match_method = 'override_not_ours' then 'decided_not_ours'
            when match_method <> 'unmatched' then null
            when is_isrc_valid and not is_registrant_in_catalogue then 'registrant_not_in_catalogue'
            when is_name_conflict then 'isrc_contradicted_by_names'
            when is_ambiguous then 'ambiguous_candidates'
            when best_candidate_isrc is null then 'no_candidate'
            else 'below_threshold'
        end as unmatched_reason,
        is_isrc_valid,
        isrc_registrant,
        is_isrc_in_catalogue,
        is_name_conflict,
        best_candidate_isrc,
        best_candidate_score,
        best_candidate_artist_similarity,
        best_candidate_title_similarity,
        runner_up_isrc,
        runner_up_score

    from decided

)

select * from final
