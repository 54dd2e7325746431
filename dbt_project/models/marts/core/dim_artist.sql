{#- Grain: one row per artist (a person or act, not a name: see the artist_key macro), from the main artist of
    the current catalogue's credits. Featured artists are not rows of their own unless they are main artist of a
    track. The artist's label is the top-level label owning most of its tracks now (ties: the latest release,
    then the name). -#}
with tracks as (

    select * from {{ ref('dim_track') }}

),

artist_labels as (

    select
        artist_key,
        label_key,
        label_name,
        count(*) as label_tracks,
        max(release_date) as latest_release_date

    from tracks
    group by artist_key, label_key, label_name

),

primary_labels as (

    select
        *,
        row_number() over (
            partition by artist_key order by label_tracks desc, latest_release_date desc, label_name
        ) as label_rank

    from artist_labels

),

artists as (

    select
        artist_key,
        min(main_artist_name) as artist_name,
        {{ isrc_registrant('min(isrc)') }} as isrc_registrant,
        min(release_date) as first_release_date,
        max(release_date) as latest_release_date,
        count(*) as track_count,
        count(distinct release_key) as release_count,
        count(distinct label_key) as label_count

    from tracks
    group by artist_key

),

final as (

    select
        artists.artist_key,
        artists.artist_name,
        {{ artist_match_name('artists.artist_name') }} as artist_name_normalised,
        artists.isrc_registrant,
        primary_labels.label_key,
        primary_labels.label_name,
        artists.first_release_date,
        artists.latest_release_date,
        cast(artists.track_count as integer) as track_count,
        cast(artists.release_count as integer) as release_count,
        cast(artists.label_count as integer) as label_count

    from artists
    inner join primary_labels
        on primary_labels.artist_key = artists.artist_key
        and primary_labels.label_rank = 1

)

select * from final
