{#- Every daily streaming feed at one grain: day x platform x territory x recording. -#}
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

)

select * from unioned
