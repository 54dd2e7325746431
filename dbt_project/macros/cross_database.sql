{#- Small SQL differences between the warehouses that are not about one domain (see entity_resolution.sql,
    timestamps.sql, report_calculations.sql for those). `default__` is DuckDB and PostgreSQL where the SQL is
    standard, a dialect's own variant where it is not. -#}

{#- A floating-point value rounded to `places` decimals, half away from zero. PostgreSQL has round(numeric, int)
    only: the double goes through numeric (its shortest exact decimal form) first. -#}
{% macro round_double(expression, places) -%}
    {{ return(adapter.dispatch('round_double', 'tunemantra')(expression, places)) }}
{%- endmacro %}

{% macro default__round_double(expression, places) -%}
    round({{ expression }}, {{ places }})
{%- endmacro %}

{% macro postgres__round_double(expression, places) -%}
    round(cast({{ expression }} as numeric), {{ places }})
{%- endmacro %}
