{#- Every landed catalogue export, renamed and cast: one row per track and export. Each export is a full
    catalogue; stg_catalogue__tracks keeps the latest, dim_track_history compares them. -#}
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
        nullif(trim(sub_label_name), '') as sub_label_name,
        trim(distributor) as distributor_name,
        nullif(trim(label_id), '') as label_id,
        {{ normalize_iswc("nullif(trim(iswc), '')") }} as iswc,
        coalesce(trim(genre), 'Unknown') as genre,
        cast(duration_seconds as integer) as duration_seconds,
        {{ date_in_file_name('_file_name') }} as export_date,
        {{ lineage_columns() }}

    from source

)

select * from renamed
