{#- Grain: one row per day, network and artist account (the latest pulled file of each: pulls overlap).
    posts, likes, comments, shares and video_views are additive over days; followers is a level (take the
    last day of a period, never sum). The artist is found by name among the catalogue's artists; a name two
    artists share (the two "Nova"s) or no catalogue artist has leaves artist_key and label_key NULL. -#}
with engagement as (

    select * from {{ ref('stg_social__engagement') }}
    where batch_id in (select batch_id from {{ ref('int_deliveries_current') }} where is_current)

),

artists as (

    select * from {{ ref('dim_artist') }}

),

artists_by_name as (

    {{ artists_named_once('artists') }}

),

latest_pulls as (

    select
        *,
        {{ artist_match_name('artist_name') }} as artist_name_normalised,
        row_number() over (
            partition by engagement_date, network, artist_id
            order by loaded_at desc, batch_id desc
        ) as pull_recency

    from engagement

),

final as (

    select
        latest_pulls.engagement_date,
        latest_pulls.network,
        latest_pulls.artist_id,
        latest_pulls.artist_name,
        artists_by_name.artist_key,
        artists_by_name.label_key,
        latest_pulls.followers,
        latest_pulls.posts,
        latest_pulls.likes,
        latest_pulls.comments,
        latest_pulls.shares,
        latest_pulls.video_views,
        latest_pulls.likes + latest_pulls.comments + latest_pulls.shares as interactions,
        latest_pulls.batch_id,
        latest_pulls.file_name,
        latest_pulls.line_number

    from latest_pulls
    left join artists_by_name on artists_by_name.artist_name_normalised = latest_pulls.artist_name_normalised
    where latest_pulls.pull_recency = 1

)

select * from final
