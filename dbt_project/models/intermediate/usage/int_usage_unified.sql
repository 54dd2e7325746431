{#- Usage of every platform family at one grain: day (or the reported month, date_grain = 'month'), platform,
    territory and recording, with a usage type (stream, download, video_view, ugc_creation). `units` is the
    unified measure; `platform_measure` / `platform_units` keep what the platform itself counted. Only rows of
    current deliveries count (int_deliveries_current: the latest version of a period supersedes the earlier
    ones, re-delivered copies landed nothing); YouTube's adjustment rows are kept as rows and add to the
    totals. Money stays DECIMAL in the currency it was paid in; revenue_basis says what it is: a daily feed's
    estimate, a statement's net revenue, a store's proceeds, or nothing reported. Daily feeds and monthly
    statements report the same streams twice (units vs revenue): source_family tells them apart and marts pick
    one, never both. Incremental by batch like int_usage_daily_unioned (macros/incremental_usage.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ prepare_batch_rebuild(ref('int_deliveries_current'), unified_usage_sources()) }}",
    **usage_table_storage(['platform_code', 'usage_date'], 'usage_date')
) }}
with current_batches as (

    select batch_id from {{ ref('int_deliveries_current') }}
    where is_current

),

daily_feeds as (

    {%- for feed in ['stg_spotify__daily_streams', 'stg_apple_music__daily_streams', 'stg_deezer__daily_streams'] %}
    select
        usage_date,
        'day' as date_grain,
        'daily_feed' as source_family,
        platform_code,
        territory_code,
        isrc,
        isrc_as_delivered,
        cast(null as varchar) as upc,
        track_title,
        artist_name,
        'stream' as usage_type,
        streams as units,
        'streams' as platform_measure,
        streams as platform_units,
        revenue,
        currency,
        'daily_feed_estimate' as revenue_basis,
        cast(null as varchar) as adjustment_type,
        cast(null as date) as adjusted_month,
        batch_id,
        file_name,
        line_number,
        delivery_version,
        loaded_at
    from {{ ref(feed) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

statements as (

    {%- for statement in ['stg_dsr_spotify__sales', 'stg_dsr_apple_music__sales', 'stg_dsr_amazon_music__sales',
                          'stg_dsr_deezer__sales'] %}
    select
        usage_period_start as usage_date,
        'month' as date_grain,
        'dsr_statement' as source_family,
        platform_code,
        territory_code,
        isrc,
        isrc_as_delivered,
        upc,
        track_title,
        artist_name,
        case when use_type like '%download%' then 'download' else 'stream' end as usage_type,
        usages as units,
        'usages' as platform_measure,
        usages as platform_units,
        net_revenue as revenue,
        currency,
        'statement_net_revenue' as revenue_basis,
        cast(null as varchar) as adjustment_type,
        cast(null as date) as adjusted_month,
        batch_id,
        file_name,
        line_number,
        delivery_version,
        loaded_at
    from {{ ref(statement) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

itunes as (

    select
        period_start as usage_date,
        'month' as date_grain,
        'download_sales' as source_family,
        'itunes' as platform_code,
        territory_code,
        isrc,
        isrc_as_delivered,
        upc,
        product_title as track_title,
        artist_name,
        'download' as usage_type,
        units,
        'quantity' as platform_measure,
        units as platform_units,
        proceeds as revenue,
        currency,
        'store_proceeds' as revenue_basis,
        cast(null as varchar) as adjustment_type,
        cast(null as date) as adjusted_month,
        batch_id,
        file_name,
        line_number,
        delivery_version,
        loaded_at
    from {{ ref('stg_itunes__sales') }}

),

beatport as (

    select
        sale_date as usage_date,
        'day' as date_grain,
        'download_sales' as source_family,
        'beatport' as platform_code,
        territory_code,
        isrc,
        isrc_as_delivered,
        upc,
        track_title,
        artist_name,
        'download' as usage_type,
        units,
        'quantity' as platform_measure,
        units as platform_units,
        net_amount as revenue,
        currency,
        'store_proceeds' as revenue_basis,
        cast(null as varchar) as adjustment_type,
        cast(null as date) as adjusted_month,
        batch_id,
        file_name,
        line_number,
        delivery_version,
        loaded_at
    from {{ ref('stg_beatport__sales') }}

),

youtube as (

    select
        report_month as usage_date,
        'month' as date_grain,
        'video_report' as source_family,
        'youtube' as platform_code,
        territory_code,
        isrc,
        isrc_as_delivered,
        upc,
        asset_title as track_title,
        artist_name,
        'video_view' as usage_type,
        claimed_views as units,
        'claimed_views' as platform_measure,
        claimed_views as platform_units,
        partner_revenue as revenue,
        currency,
        'statement_net_revenue' as revenue_basis,
        adjustment_type,
        original_month as adjusted_month,
        batch_id,
        file_name,
        line_number,
        delivery_version,
        loaded_at
    from {{ ref('stg_youtube__asset_report') }}

),

tiktok as (

    select
        report_month as usage_date,
        'month' as date_grain,
        'ugc_report' as source_family,
        'tiktok' as platform_code,
        territory_code,
        isrc,
        isrc_as_delivered,
        cast(null as varchar) as upc,
        sound_title as track_title,
        artist_name,
        'ugc_creation' as usage_type,
        video_creations as units,
        'video_creations' as platform_measure,
        video_creations as platform_units,
        revenue,
        currency,
        'statement_net_revenue' as revenue_basis,
        cast(null as varchar) as adjustment_type,
        cast(null as date) as adjusted_month,
        batch_id,
        file_name,
        line_number,
        delivery_version,
        loaded_at
    from {{ ref('stg_tiktok__sound_creations') }}

),

instagram as (

    select
        report_month as usage_date,
        'month' as date_grain,
        'ugc_report' as source_family,
        'instagram' as platform_code,
        territory_code,
        isrc,
        isrc_as_delivered,
        cast(null as varchar) as upc,
        track_title,
        artist_name,
        'ugc_creation' as usage_type,
        reels_created as units,
        'reels_created' as platform_measure,
        reels_created as platform_units,
        cast(null as decimal(18, 6)) as revenue,
        cast(null as varchar) as currency,
        'not_reported' as revenue_basis,
        cast(null as varchar) as adjustment_type,
        cast(null as date) as adjusted_month,
        batch_id,
        file_name,
        line_number,
        delivery_version,
        loaded_at
    from {{ ref('stg_instagram__reels') }}

),

unioned as (

    select * from daily_feeds
    union all
    select * from statements
    union all
    select * from itunes
    union all
    select * from beatport
    union all
    select * from youtube
    union all
    select * from tiktok
    union all
    select * from instagram

),

current_usage as (

    select
        unioned.*,
        {{ month_start('unioned.usage_date') }} as usage_month,
        unioned.adjustment_type is not null as is_adjustment
    from unioned
    where unioned.batch_id in (select batch_id from current_batches)
    {{ new_batches_filter('unioned', ref('int_deliveries_current'), unified_usage_sources()) }}

)

select * from current_usage
