{#- Grain: one row per day, recording, platform and territory, from the daily feeds. Revenue stays in the payout
    currency and is converted to EUR with the month's reference rate at full precision (no rounding per row),
    so sums reconcile exactly. Daily-feed revenue is the platform's estimate, flagged as such.

    Incremental: a build rebuilds the (platform, day) slices of the --vars date window, of every platform-month
    a new batch (a late file, a restatement) belongs to, and of recordings whose catalogue attributes changed;
    superseded batches' rows are deleted (macros/incremental_usage.sql). `dbt build --full-refresh` rebuilds
    everything, with the same result. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ prepare_usage_rebuild(ref('int_usage_daily_unioned'), ref('int_deliveries_current'), daily_feed_sources(),
                                       fct_usage_daily_mapping(ref('dim_track'))) }}",
    post_hook="{{ save_usage_mapping(ref('int_deliveries_current'), fct_usage_daily_mapping(ref('dim_track'))) }}",
    **usage_table_storage(['platform_code', 'usage_date', 'isrc'], 'usage_date',
                          pg_indexes=[['usage_date', 'platform_code'], ['label_key', 'usage_date'], ['isrc']])
) }}

with usage as (

    select * from {{ ref('int_usage_daily_unioned') }} as usage
    {{ usage_rebuild_filter('usage', ref('int_usage_daily_unioned'), ref('int_deliveries_current'), daily_feed_sources(),
                            fct_usage_daily_mapping(ref('dim_track'))) }}

),

deliveries as (

    select batch_id, landed_at from {{ ref('int_deliveries_current') }}

),

fx_rates as (

    select * from {{ ref('stg_fx__monthly_rates') }}

),

tracks as (

    select track_key, isrc, label_key from {{ ref('dim_track') }}

),

usage_in_eur as (

    select
        usage.*,
        fx_rates.eur_per_unit
    from usage
    left join fx_rates
        on fx_rates.rate_month = {{ month_start('usage.usage_date') }}
        and fx_rates.currency = usage.currency

),

final as (

    select
        usage_in_eur.usage_date,
        {{ surrogate_key(['usage_in_eur.isrc']) }} as track_key,
        {{ surrogate_key(['usage_in_eur.platform_code']) }} as platform_key,
        {{ surrogate_key(['usage_in_eur.territory_code']) }} as territory_key,
        tracks.label_key,
        tracks.track_key is not null as is_catalogue_match,
        usage_in_eur.isrc as isrc,
        usage_in_eur.platform_code,
        usage_in_eur.territory_code,
        usage_in_eur.streams,
        usage_in_eur.revenue,
        usage_in_eur.currency,
        cast({{ decimal_multiply('usage_in_eur.revenue', 'usage_in_eur.eur_per_unit') }} as decimal(38, 12)) as revenue_eur,
        'daily_feed_estimate' as revenue_basis,
        usage_in_eur.batch_id as batch_id,
        usage_in_eur.file_name,
        usage_in_eur.line_number,
        deliveries.landed_at

    from usage_in_eur
    left join tracks on tracks.isrc = usage_in_eur.isrc
    left join deliveries on deliveries.batch_id = usage_in_eur.batch_id

)

select * from final
