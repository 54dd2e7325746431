{#- The staging select shared by the DDEX DSR statements, whose raw layout the DSR reader makes identical for
    every DSP (ingestion/connectors/dsr.py: one row per SU02 usage record with its HEAD, summary, release and
    resource resolved): rename, cast and normalise only. Each staging model still exists per source. -#}
{% macro stage_dsr_statement(source_name, platform_code) -%}
with source as (

    select * from {{ source(source_name, 'sales') }}

),

renamed as (

    select
        trim(message_id) as message_id,
        cast(usage_period_start as date) as usage_period_start,
        cast(usage_period_end as date) as usage_period_end,
        '{{ platform_code }}' as platform_code,
        trim(service_description) as service_description,
        {{ normalize_code('commercial_model') }} as commercial_model,
        {{ normalize_code('use_type') }} as use_type,
        upper(trim(territory)) as territory_code,
        upper(trim(currency)) as currency,
        trim(summary_record_id) as summary_record_id,
        trim(block_id) as block_id,
        trim(sales_transaction_id) as sales_transaction_id,
        trim(dsp_release_id) as dsp_release_id,
        {{ normalize_gtin('upc') }} as upc,
        upc as upc_as_delivered,
        trim(catalog_number) as catalog_number,
        trim(release_title) as release_title,
        trim(dsp_resource_id) as dsp_resource_id,
        {{ normalize_isrc('isrc') }} as isrc,
        isrc as isrc_as_delivered,
        trim(resource_title) as track_title,
        trim(display_artist) as artist_name,
        cast(duration_seconds as integer) as duration_seconds,
        cast(royalty_bearing as boolean) as is_royalty_bearing,
        cast(usages as bigint) as usages,
        cast(net_revenue as decimal(18, 6)) as net_revenue,
        {{ lineage_columns() }}

    from source

)

select * from renamed
{%- endmacro %}
