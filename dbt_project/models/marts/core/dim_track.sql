{#- Grain: one row per recording of the current catalogue (the latest export carrying it). label_key is the
    top-level label that owns the track now (facts filter on it for row-level security); the sub-label, when
    any, has a key of its own in dim_label. -#}
with tracks as (

    select * from {{ ref('stg_catalogue__tracks') }}

),

final as (

    select
        {{ surrogate_key(['isrc']) }} as track_key,
        isrc,
        track_title,
        iswc,
        {{ artist_key('artist_name', 'isrc') }} as artist_key,
        artist_name,
        {{ main_artist_credit('artist_name') }} as main_artist_name,
        {{ release_key('upc') }} as release_key,
        release_title,
        upc,
        release_date,
        {{ label_key('label_name') }} as label_key,
        label_name,
        case when sub_label_name is not null then {{ label_key('sub_label_name') }} end as sub_label_key,
        sub_label_name,
        {{ label_key('coalesce(sub_label_name, label_name)') }} as owning_label_key,
        label_id as owning_label_id,
        {{ surrogate_key(['distributor_name']) }} as distributor_key,
        distributor_name,
        {{ surrogate_key(['genre']) }} as genre_key,
        genre,
        duration_seconds

    from tracks

)

select * from final
