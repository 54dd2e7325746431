{#- Grain: one related pair of artist accounts per month and platform (each unordered pair once, as the platform
    reports it), from the latest delivery version. Only the platforms' "fans also like" pairs exist: a pair missing
    here is unknown, not zero. Listener counts are distinct people over 28 days: NON-ADDITIVE across months,
    platforms and artists. smaller_audience_share (shared / the smaller audience) is the pair's affinity, comparable
    between a large and a small artist where overlap_share (shared / combined audience) is not. Artists are found
    by name among the catalogue's artists, as in fct_audience_demographics; a shared name (the two "Nova"s) leaves
    artist_key NULL. -#}
with pairs as (

    select * from {{ ref('stg_audience_overlap__artist_pairs') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

artists as (

    select * from {{ ref('dim_artist') }}

),

artists_by_name as (

    {{ artists_named_once('artists') }}

),

latest_versions as (

    select
        *,
        {{ artist_match_name('artist_name') }} as artist_name_normalised,
        {{ artist_match_name('related_artist_name') }} as related_artist_name_normalised,
        row_number() over (
            partition by audience_month, platform_code, platform_artist_id, related_platform_artist_id
            order by delivery_version desc, loaded_at desc, batch_id desc
        ) as version_recency

    from pairs

),

current_pairs as (

    select * from latest_versions where version_recency = 1

),

final as (

    select
        current_pairs.audience_month,
        {{ surrogate_key(['current_pairs.platform_code']) }} as platform_key,
        current_pairs.platform_code,
        current_pairs.platform_artist_id,
        current_pairs.artist_name,
        artist.artist_key as artist_key,
        artist.label_key as label_key,
        current_pairs.related_platform_artist_id,
        current_pairs.related_artist_name,
        related.artist_key as related_artist_key,
        related.label_key as related_label_key,
        current_pairs.artist_listeners,
        current_pairs.related_artist_listeners,
        current_pairs.shared_listeners,
        cast(current_pairs.overlap_share as double precision) as overlap_share,
        cast(current_pairs.shared_listeners as double precision) / nullif(
            case
                when current_pairs.artist_listeners < current_pairs.related_artist_listeners
                    then current_pairs.artist_listeners
                else current_pairs.related_artist_listeners
            end, 0) as smaller_audience_share,
        current_pairs.batch_id,
        current_pairs.file_name,
        current_pairs.line_number

    from current_pairs
    left join artists_by_name as artist
        on artist.artist_name_normalised = current_pairs.artist_name_normalised
    left join artists_by_name as related
        on related.artist_name_normalised = current_pairs.related_artist_name_normalised

)

select * from final
