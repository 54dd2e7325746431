{#- lag / lead that are NULL outside the partition, as in standard SQL. ClickHouse's lag and lead return the
    type's default (0, '', 1970-01-01) there unless the argument is Nullable, so its form wraps the argument in
    toNullable. Use as `{{ window_lag('x') }} over (...)`. -#}
{% macro window_lag(expression) -%}
    {{ return(adapter.dispatch('window_lag', 'tunemantra')(expression)) }}
{%- endmacro %}

{% macro default__window_lag(expression) -%}
    lag({{ expression }})
{%- endmacro %}

{% macro clickhouse__window_lag(expression) -%}
    lag(toNullable({{ expression }}))
{%- endmacro %}

{% macro window_lead(expression) -%}
    {{ return(adapter.dispatch('window_lead', 'tunemantra')(expression)) }}
{%- endmacro %}

{% macro default__window_lead(expression) -%}
    lead({{ expression }})
{%- endmacro %}

{% macro clickhouse__window_lead(expression) -%}
    lead(toNullable({{ expression }}))
{%- endmacro %}
