{#- Entity resolution keeps every usage line exactly once: as many lines and streams after as before. -#}
with unioned as (

    select count(*) as usage_lines, sum(streams) as streams from {{ ref('int_usage_daily_unioned') }}

),

resolved as (

    select count(*) as usage_lines, sum(streams) as streams from {{ ref('int_usage_daily_resolved') }}

)

select
    unioned.usage_lines as lines_before,
    resolved.usage_lines as lines_after,
    unioned.streams as streams_before,
    resolved.streams as streams_after

from unioned
cross join resolved
where unioned.usage_lines <> resolved.usage_lines
    or coalesce(unioned.streams, 0) <> coalesce(resolved.streams, 0)
