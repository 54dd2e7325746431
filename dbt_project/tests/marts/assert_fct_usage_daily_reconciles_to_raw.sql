{#- Every landed stream reaches the fact, exactly once: sums per platform agree with the raw layer. -#}
with raw_streams as (

    select 'spotify' as platform_code, sum(streams) as streams from {{ source('spotify', 'daily_streams') }}
    union all
    select 'apple_music', sum(streams) from {{ source('apple_music', 'daily_streams') }}
    union all
    select 'deezer', sum(streams) from {{ source('deezer', 'daily_streams') }}

),

fact_streams as (

    select platform_code, sum(streams) as streams
    from {{ ref('fct_usage_daily') }}
    group by platform_code

)

select raw_streams.platform_code, raw_streams.streams as raw_streams, fact_streams.streams as fact_streams
from raw_streams
full outer join fact_streams on fact_streams.platform_code = raw_streams.platform_code
where coalesce(raw_streams.streams, -1) <> coalesce(fact_streams.streams, -1)
