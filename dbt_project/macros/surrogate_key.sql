{#- A stable hash key over one or more columns; NULLs hash to a marker so (NULL, 'a') <> ('a', NULL). -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'tunemantra')(columns)) }}
{%- endmacro %}

{% macro default__surrogate_key(columns) -%}
    md5(
    {%- for column in columns %}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), '_tm_null_'){% if not loop.last %} || '-' ||{% endif %}
    {%- endfor %}
    )
{%- endmacro %}

{% macro clickhouse__surrogate_key(columns) -%}
    lower(hex(MD5(concat(
    {%- for column in columns %}
        coalesce(toString({{ column }}), '_tm_null_'){% if not loop.last %}, '-',{% endif %}
    {%- endfor %}
    ))))
{%- endmacro %}
