{#- accepted_values on ClickHouse: a boolean expression there is UInt8 (comparisons, match(), and/or), which
    ClickHouse will not compare with a quoted 'True'. When every accepted value is a boolean, the column is read
    as one (cast to Bool); otherwise the test is dbt's own. -#}
{% macro clickhouse__test_accepted_values(model, column_name, values, quote=True) %}
{%- set booleans = values | map('string') | map('lower') | select('in', ['true', 'false']) | list -%}
{%- if values and booleans | length == values | length %}
with all_values as (

    select
        cast({{ column_name }} as Bool) as value_field,
        count(*) as n_records

    from {{ model }}
    group by value_field

)

select *
from all_values
where value_field not in ({{ booleans | join(', ') }})
{%- else -%}
{{ default__test_accepted_values(model, column_name, values, quote) }}
{%- endif %}
{% endmacro %}
