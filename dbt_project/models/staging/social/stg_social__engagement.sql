with source as (

    select * from {{ source('social', 'engagement') }}

),

renamed as (

    select
        cast(report_date as date) as engagement_date,
        lower(trim(network)) as network,
        trim(artist_id) as artist_id,
        trim(artist_name) as artist_name,
        cast(followers as bigint) as followers,
        cast(posts as bigint) as posts,
        cast(likes as bigint) as likes,
        cast(comments as bigint) as comments,
        cast(shares as bigint) as shares,
        cast(video_views as bigint) as video_views,
        {{ lineage_columns() }}

    from source

)

select * from renamed
