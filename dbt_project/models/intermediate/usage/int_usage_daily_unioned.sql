{#- Every daily streaming feed at one grain: day x platform x territory x recording. A platform's file
    covers one month; a restatement re-delivers the whole month as a new delivery version, which replaces
    the earlier one (the raw layer keeps every version). -#}
with spotify as (

    select * from {{ ref('stg_spotify__daily_streams') }}

),

apple_music as (

    select * from {{ ref('stg_apple_music__daily_streams') }}

),

deezer as (

    select * from {{ ref('stg_deezer__daily_streams') }}

),

unioned as (

    select * from spotify
    union all
    select * from apple_music
    union all
    select * from deezer

),

latest_delivery as (

    select *
    from unioned
    qualify delivery_version = max(delivery_version) over (
        partition by platform_code, {{ month_start('usage_date') }}
    )

)

select * from latest_delivery
