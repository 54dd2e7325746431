{#- A match has a track, a score in [0, 1] and no reason; an unmatched recording has no track, no score and a
    reason. -#}
select *
from {{ ref('int_reported_recordings_matched') }}
where (is_matched and (resolved_isrc is null or match_score is null or match_score < 0 or match_score > 1
        or unmatched_reason is not null))
    or (not is_matched and (resolved_isrc is not null or match_score is not null or unmatched_reason is null))
