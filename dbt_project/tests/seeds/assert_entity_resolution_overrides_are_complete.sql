{#- A 'match' names the catalogue ISRC it resolves to; a 'not_ours' names none; every decision gives at least
    one of ISRC, artist and title (a row with none would match every line). -#}
select *
from {{ ref('entity_resolution_overrides') }}
where (decision = 'match' and coalesce(trim(resolved_isrc), '') = '')
    or (decision = 'not_ours' and coalesce(trim(resolved_isrc), '') <> '')
    or (coalesce(trim(isrc), '') = '' and coalesce(trim(artist_name), '') = '' and coalesce(trim(track_title), '') = '')
