{#- Grain: one row per day, recording and platform (the latest delivery version of each): streams by how the
    listener found the track, and each source's share of the day's streams. Counts are additive; shares are
    not (recompute them from summed counts). -#}
{%- set sources = ['editorial_playlist', 'algorithmic_playlist', 'user_playlist', 'radio', 'search', 'artist_album_page', 'other'] -%}
with stream_sources as (

    select * from {{ ref('stg_stream_sources__daily_sources') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

tracks as (

    select track_key, isrc, label_key from {{ ref('dim_track') }}

),

latest_versions as (

    select
        *,
        {% for source in sources %}{{ source }}_streams{% if not loop.last %} + {% endif %}{% endfor %} as total_streams,
        row_number() over (
            partition by usage_date, platform_code, isrc
            order by delivery_version desc, loaded_at desc, batch_id desc
        ) as version_recency

    from stream_sources

),

final as (

    select
        latest_versions.usage_date,
        tracks.track_key,
        {{ surrogate_key(['latest_versions.platform_code']) }} as platform_key,
        tracks.label_key,
        tracks.track_key is not null as is_catalogue_match,
        latest_versions.isrc,
        latest_versions.platform_code,
        {%- for source in sources %}
        latest_versions.{{ source }}_streams,
        {%- endfor %}
        latest_versions.total_streams,
        {%- for source in sources %}
        cast(latest_versions.{{ source }}_streams as double precision) / nullif(latest_versions.total_streams, 0)
            as {{ source }}_share,
        {%- endfor %}
        latest_versions.batch_id,
        latest_versions.file_name,
        latest_versions.line_number

    from latest_versions
    left join tracks on tracks.isrc = latest_versions.isrc
    where latest_versions.version_recency = 1

)

select * from final
