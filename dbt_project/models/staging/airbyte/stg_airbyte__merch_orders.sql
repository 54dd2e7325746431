with source as (

    select * from {{ source('airbyte', 'merch_orders') }}

),

renamed as (

    select
        trim(airbyte_raw_id) as airbyte_raw_id,
        cast(airbyte_extracted_at as timestamp) as airbyte_extracted_at,
        cast(airbyte_generation_id as bigint) as airbyte_generation_id,
        airbyte_meta,
        trim(order_id) as order_id,
        cast(ordered_at as timestamp) as ordered_at,
        trim(artist_name) as artist_name,
        lower(trim(product_type)) as product_type,
        trim(sku) as sku,
        cast(quantity as bigint) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        upper(trim(currency)) as currency,
        upper(trim(country_code)) as territory_code,
        {{ lineage_columns() }}

    from source

)

select * from renamed
