{#- Every daily streaming feed at one grain: day x platform x territory x recording. A platform's file
    covers one month; a restatement re-delivers the whole month as a new delivery version, which replaces
    the earlier one (the raw layer keeps every version; int_deliveries_current says which batches count).
    Incremental by batch (macros/incremental_usage.sql): a build deletes the lines of batches that stopped
    counting and appends the current batches not stored yet; --full-refresh rebuilds it all, to the same rows. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ prepare_batch_rebuild(ref('int_deliveries_current'), daily_feed_sources()) }}",
    **usage_table_storage(['platform_code', 'usage_date'], 'usage_date')
) }}
with current_batches as (

    select batch_id from {{ ref('int_deliveries_current') }}
    where is_current

),

spotify as (

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
    where batch_id in (select batch_id from current_batches)
    {{ new_batches_filter('unioned', ref('int_deliveries_current'), daily_feed_sources()) }}

)

select * from latest_delivery
