with source as (

    select * from {{ source('webhooks', 'playlist_events') }}

),

renamed as (

    select
        trim(event_id) as event_id,
        cast(occurred_at as timestamp) as occurred_at,
        trim(playlist_id) as playlist_id,
        trim(playlist_name) as playlist_name,
        lower(trim(curator_type)) as curator_type,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        lower(trim(action)) as action,
        cast(position as integer) as position,
        cast(received_at as timestamp) as received_at,
        {{ lineage_columns() }}

    from source

)

select * from renamed
