with source as (

    select * from {{ source('youtube', 'asset_report') }}

),

renamed as (

    select
        cast(report_month as date) as report_month,
        {{ normalize_code('adjustment_type') }} as adjustment_type,
        cast(original_month as date) as original_month,
        upper(trim(territory_code)) as territory_code,
        trim(asset_id) as asset_id,
        {{ normalize_code('asset_type') }} as asset_type,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        {{ normalize_gtin('upc') }} as upc,
        upc as upc_as_delivered,
        {{ normalize_iswc('iswc') }} as iswc,
        iswc as iswc_as_delivered,
        trim(asset_title) as asset_title,
        trim(artist_name) as artist_name,
        trim(label_name) as label_name,
        cast(claimed_views as bigint) as claimed_views,
        cast(active_claims as bigint) as active_claims,
        cast(partner_revenue as decimal(18, 6)) as partner_revenue,
        upper(trim(currency)) as currency,
        {{ lineage_columns() }}

    from source

)

select * from renamed
