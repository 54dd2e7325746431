{#- The export for the royalty system: one row per DSR statement line that counts (the current delivery of each
    platform's period; superseded, rejected and incomplete statements count nothing), with the period,
    platform, territory, recording and release identifiers and titles, the rights holder, the units, the net
    revenue exactly as paid (DECIMAL, the statement's currency), the EUR conversion at full precision (the
    month's reference rate, no rounding per line) and the statement's message id, file and line for audit.
    The rights holder is the label (and sub-label) that owned the recording during the statement period
    (dim_track_history, the version valid on the period's first day), not necessarily today's owner
    (current_label_key, what the other marts use): a catalogue that changed labels is paid to the label that
    held it then. Lines of recordings outside the catalogue keep a NULL label_key ('Unmatched') so the
    export's totals equal the statements'. orchestration/export_royalties.py writes it to CSV per period. -#}
{%- set statements = ['stg_dsr_spotify__sales', 'stg_dsr_apple_music__sales', 'stg_dsr_amazon_music__sales',
                      'stg_dsr_deezer__sales'] -%}
with usage as (

    select * from {{ ref('fct_usage') }}
    where source_family = 'dsr_statement'

),

statement_lines as (

    {%- for statement in statements %}
    select
        batch_id,
        line_number,
        message_id,
        sales_transaction_id,
        commercial_model,
        use_type,
        track_title,
        release_title,
        artist_name
    from {{ ref(statement) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

track_versions as (

    select * from {{ ref('dim_track_history') }}

),

platforms as (

    select * from {{ ref('dim_platform') }}

),

final as (

    select
        usage.usage_key as usage_key,
        {{ period_label('usage.usage_month') }} as period_label,
        usage.usage_month as statement_period,
        usage.platform_code as platform_code,
        platforms.platform_name as platform_name,
        usage.territory_code as territory_code,
        usage.isrc as isrc,
        usage.upc as upc,
        coalesce(track_versions.track_title, statement_lines.track_title) as track_title,
        coalesce(track_versions.release_title, statement_lines.release_title) as release_title,
        coalesce(track_versions.artist_name, statement_lines.artist_name) as artist_name,
        track_versions.label_key as label_key,
        coalesce(track_versions.label_name, 'Unmatched') as label_name,
        track_versions.sub_label_key as sub_label_key,
        track_versions.sub_label_name as sub_label_name,
        usage.label_key as current_label_key,
        usage.is_catalogue_match as is_catalogue_match,
        statement_lines.commercial_model as commercial_model,
        statement_lines.use_type as use_type,
        cast(usage.units as bigint) as units,
        cast(usage.revenue as decimal(18, 6)) as net_revenue,
        usage.currency as currency,
        cast(usage.revenue_eur as decimal(38, 12)) as revenue_eur,
        statement_lines.message_id as message_id,
        statement_lines.sales_transaction_id as sales_transaction_id,
        usage.file_name as file_name,
        cast(usage.line_number as integer) as line_number,
        usage.batch_id as batch_id,
        cast(usage.delivery_version as integer) as delivery_version

    from usage
    left join statement_lines
        on statement_lines.batch_id = usage.batch_id
        and statement_lines.line_number = usage.line_number
    left join track_versions
        on usage.is_catalogue_match
        and track_versions.isrc = usage.isrc
        and track_versions.valid_from <= usage.usage_month
        and (track_versions.valid_to is null or track_versions.valid_to > usage.usage_month)
    left join platforms on platforms.platform_code = usage.platform_code

)

select * from final
