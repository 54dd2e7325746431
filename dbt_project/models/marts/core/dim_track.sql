with tracks as (

    select * from {{ ref('stg_catalogue__tracks') }}

),

final as (

    select
        {{ surrogate_key(['isrc']) }} as track_key,
        isrc,
        track_title,
        {{ surrogate_key(['artist_name']) }} as artist_key,
        artist_name,
        {{ surrogate_key(["lpad(upc, 14, '0')"]) }} as release_key,
        release_title,
        upc,
        release_date,
        {{ surrogate_key(['label_name']) }} as label_key,
        label_name,
        genre,
        duration_seconds

    from tracks

)

select * from final
