{#- Every landed stream of the latest delivery of each platform-month reaches the fact, exactly once:
    sums per platform agree with the raw layer. -#}
{%- set feeds = [('spotify', 'spotify'), ('apple_music', 'apple_music'), ('deezer', 'deezer')] %}
with raw_streams as (

    {%- for source_name, platform_code in feeds %}
    select '{{ platform_code }}' as platform_code, sum(streams) as streams
    from (
        select
            streams,
            _delivery_version,
            max(_delivery_version) over (partition by {{ month_start('report_date') }}) as latest_version
        from {{ source(source_name, 'daily_streams') }}
    ) as versions
    where _delivery_version = latest_version
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

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
