{#- Grain: one row per main genre of the current catalogue ('Unknown' stands for a missing genre). A genre is
    not a label's: it has no label_key. -#}
with tracks as (

    select * from {{ ref('dim_track') }}

),

final as (

    select
        genre_key,
        genre,
        cast(count(*) as integer) as track_count

    from tracks
    group by genre_key, genre

)

select * from final
