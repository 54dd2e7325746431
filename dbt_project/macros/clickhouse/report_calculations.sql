{#- ClickHouse forms of the report calculations (macros/report_calculations.sql): ClickHouse has no ordered-set
    aggregates (percentile_cont … within group), does not multiply an interval by a number and has no isodow. -#}

{#- percentile_cont(0.5): the inclusive, interpolating quantile -#}
{% macro clickhouse__median_value(column) -%}
    quantileExactInclusive(0.5)({{ column }})
{%- endmacro %}

{% macro clickhouse__days_between(start_date, end_date) -%}
    dateDiff('day', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}

{% macro clickhouse__add_days(date_expression, days) -%}
    cast(addDays(cast({{ date_expression }} as date), {{ days }}) as date)
{%- endmacro %}

{#- like DuckDB and PostgreSQL, addMonths keeps the day and clamps it to the month's last day -#}
{% macro clickhouse__add_months(date_expression, months) -%}
    cast(addMonths(cast({{ date_expression }} as date), {{ months }}) as date)
{%- endmacro %}

{% macro clickhouse__iso_day_of_week(column) -%}
    cast(toDayOfWeek({{ column }}) as integer)
{%- endmacro %}
