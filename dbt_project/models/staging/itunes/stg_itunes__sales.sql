with source as (

    select * from {{ source('itunes', 'sales') }}

),

renamed as (

    select
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        {{ normalize_gtin('upc') }} as upc,
        upc as upc_as_delivered,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        trim(vendor_identifier) as vendor_identifier,
        cast(units as bigint) as units,
        cast(partner_share as decimal(18, 6)) as partner_share,
        cast(proceeds as decimal(18, 6)) as proceeds,
        upper(trim(proceeds_currency)) as currency,
        upper(trim(sale_or_return)) as sale_or_return,
        trim(artist_name) as artist_name,
        trim(title) as product_title,
        trim(label_name) as label_name,
        upper(trim(product_type)) as product_type,
        upper(trim(territory_code)) as territory_code,
        cast(customer_price as decimal(18, 6)) as customer_price,
        upper(trim(customer_currency)) as customer_currency,
        {{ lineage_columns() }}

    from source

)

select * from renamed
