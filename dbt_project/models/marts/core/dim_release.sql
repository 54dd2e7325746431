{#- Grain: one row per release (the GTIN-14 form of its UPC/EAN). Title, date and label are the ones most of
    its tracks carry (a release's tracks agree in a sane catalogue); its artist is the main artist of most of
    its tracks. -#}
with tracks as (

    select * from {{ ref('dim_track') }}

),

ranked_tracks as (

    select
        *,
        count(*) over (partition by release_key, artist_key) as artist_tracks,
        count(*) over (partition by release_key, label_key, sub_label_key) as label_tracks

    from tracks

),

release_attributes as (

    select
        *,
        row_number() over (
            partition by release_key order by artist_tracks desc, label_tracks desc, isrc
        ) as attribute_rank

    from ranked_tracks

),

release_counts as (

    select
        release_key,
        count(*) as track_count,
        sum(duration_seconds) as duration_seconds

    from tracks
    group by release_key

),

final as (

    select
        release_attributes.release_key,
        lpad(release_attributes.upc, 14, '0') as gtin14,
        release_attributes.upc,
        release_attributes.release_title,
        release_attributes.release_date,
        release_attributes.artist_key,
        release_attributes.main_artist_name as artist_name,
        release_attributes.label_key,
        release_attributes.label_name,
        release_attributes.sub_label_key,
        release_attributes.sub_label_name,
        release_attributes.distributor_name,
        cast(release_counts.track_count as integer) as track_count,
        cast(release_counts.duration_seconds as integer) as duration_seconds

    from release_attributes
    inner join release_counts on release_counts.release_key = release_attributes.release_key
    where release_attributes.attribute_rank = 1

)

select * from final
