with source as (

    select * from {{ source('beatport', 'sales') }}

),

renamed as (

    select
        cast(sale_date as date) as sale_date,
        cast(beatport_track_id as bigint) as beatport_track_id,
        trim(track_title) as track_title,
        trim(mix_name) as mix_name,
        trim(artist_name) as artist_name,
        trim(label_name) as label_name,
        trim(catalog_number) as catalog_number,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        {{ normalize_gtin('upc') }} as upc,
        upc as upc_as_delivered,
        lower(trim(file_format)) as file_format,
        cast(units as bigint) as units,
        cast(unit_net as decimal(18, 6)) as unit_net,
        cast(net_amount as decimal(18, 6)) as net_amount,
        upper(trim(currency)) as currency,
        upper(trim(territory_code)) as territory_code,
        {{ lineage_columns() }}

    from source

)

select * from renamed
