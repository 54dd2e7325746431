with source as (

    select * from {{ source('catalogue', 'tracks') }}

),

renamed as (

    select
        {{ normalize_isrc('isrc') }} as isrc,
        trim(track_title) as track_title,
        trim(artist_name) as artist_name,
        trim(release_title) as release_title,
        trim(upc) as upc,
        cast(release_date as date) as release_date,
        trim(label_name) as label_name,
        coalesce(trim(genre), 'Unknown') as genre,
        cast(duration_seconds as integer) as duration_seconds,
        _batch_id as batch_id,
        _file_name as file_name,
        _line_number as line_number,
        _loaded_at as loaded_at

    from source

),

latest_export as (

    {#- a later dated export restates the catalogue (title corrections, label transfers): the latest wins
        here; the history of changes is the snapshots' job -#}
    select *
    from renamed
    qualify row_number() over (partition by isrc order by loaded_at desc, file_name desc) = 1

)

select * from latest_export
