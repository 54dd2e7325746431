{#- One row per day from start_date to end_date inclusive, column date_day. -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'tunemantra')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    select cast(day_ts as date) as date_day
    from generate_series(
        cast('{{ start_date }}' as timestamp), cast('{{ end_date }}' as timestamp), interval '1 day'
    ) as spine(day_ts)
{%- endmacro %}

{% macro clickhouse__date_spine(start_date, end_date) -%}
    select addDays(toDate('{{ start_date }}'), number) as date_day
    from numbers(toUInt64(dateDiff('day', toDate('{{ start_date }}'), toDate('{{ end_date }}')) + 1))
{%- endmacro %}
