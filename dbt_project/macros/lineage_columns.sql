{#- The landing contract's lineage, renamed the same way in every staging model: which batch, file and line a
    row came from, which delivery version of its period, and when it landed (ingestion/contract.py). -#}
{% macro lineage_columns() -%}
_batch_id as batch_id,
        _file_name as file_name,
        _line_number as line_number,
        _delivery_version as delivery_version,
        _loaded_at as loaded_at
{%- endmacro %}
