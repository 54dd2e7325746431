{#- The catalogue in the forms matching compares: identifiers validated, artist credit and title normalised
    (macros/entity_resolution.sql). One row per catalogue track. -#}
with tracks as (

    select * from {{ ref('stg_catalogue__tracks') }}

),

normalised as (

    select
        isrc,
        {{ is_valid_isrc('isrc') }} as is_isrc_valid,
        {{ isrc_registrant('isrc') }} as isrc_registrant,
        track_title,
        artist_name,
        {{ normalize_artist_name('artist_name') }} as artist_name_normalised,
        {{ normalize_artist_name('artist_name', keep_leading_the=true) }} as artist_name_with_article,
        {{ normalize_track_title('track_title') }} as track_title_normalised,
        {{ track_title_version('track_title') }} as track_title_version,
        upc,
        {{ is_valid_gtin('upc') }} as is_upc_valid,
        {{ normalize_gtin('upc') }} as release_gtin14,
        label_name

    from tracks

),

with_primary_artist as (

    select
        *,
        {{ primary_artist_name('artist_name_normalised') }} as primary_artist_name_normalised,
        {{ er_regexp_replace('artist_name_normalised', '[ -~]', '') }} = '' as is_artist_name_latin

    from normalised

)

select * from with_primary_artist
