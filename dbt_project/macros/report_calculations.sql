{#- Calculations the report marts share. Every macro dispatches; `default__` works on DuckDB and PostgreSQL. -#}

{#- Relative change of `current_value` over `previous_value` as a double: (current - previous) / previous.
    NULL when the previous period is NULL (no history) or 0 (no base to grow from), never a division error. -#}
{% macro growth_rate(current_value, previous_value) -%}
    {{ return(adapter.dispatch('growth_rate', 'tunemantra')(current_value, previous_value)) }}
{%- endmacro %}

{% macro default__growth_rate(current_value, previous_value) -%}
    (cast({{ current_value }} as double precision) - cast({{ previous_value }} as double precision))
        / cast(nullif({{ previous_value }}, 0) as double precision)
{%- endmacro %}

{#- `numerator` / `denominator` as a double, NULL when the denominator is 0 or NULL. -#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'tunemantra')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double precision) / cast(nullif({{ denominator }}, 0) as double precision))
{%- endmacro %}

{#- Median of a column as an aggregate (use with GROUP BY; PostgreSQL has no median() and no ordered-set
    aggregates over windows). -#}
{% macro median_value(column) -%}
    {{ return(adapter.dispatch('median_value', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__median_value(column) -%}
    percentile_cont(0.5) within group (order by {{ column }})
{%- endmacro %}

{#- Whole days from `start_date` to `end_date` (dates): end - start. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'tunemantra')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    (cast({{ end_date }} as date) - cast({{ start_date }} as date))
{%- endmacro %}

{#- A date shifted by a whole number of days / months (result: date). -#}
{% macro add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('add_days', 'tunemantra')(date_expression, days)) }}
{%- endmacro %}

{% macro default__add_days(date_expression, days) -%}
    cast(cast({{ date_expression }} as date) + ({{ days }}) * interval '1 day' as date)
{%- endmacro %}

{% macro add_months(date_expression, months) -%}
    {{ return(adapter.dispatch('add_months', 'tunemantra')(date_expression, months)) }}
{%- endmacro %}

{% macro default__add_months(date_expression, months) -%}
    cast(cast({{ date_expression }} as date) + ({{ months }}) * interval '1 month' as date)
{%- endmacro %}

{#- Monday of the ISO week of a date. -#}
{% macro week_start(column) -%}
    {{ return(adapter.dispatch('week_start', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__week_start(column) -%}
    cast(date_trunc('week', {{ column }}) as date)
{%- endmacro %}

{#- First day of the calendar quarter / year of a date. -#}
{% macro quarter_start(column) -%}
    {{ return(adapter.dispatch('quarter_start', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__quarter_start(column) -%}
    cast(date_trunc('quarter', {{ column }}) as date)
{%- endmacro %}

{% macro year_start(column) -%}
    {{ return(adapter.dispatch('year_start', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__year_start(column) -%}
    cast(date_trunc('year', {{ column }}) as date)
{%- endmacro %}

{#- ISO day of the week of a date as an integer: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_day_of_week(column) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(column) -%}
    cast(extract(isodow from {{ column }}) as integer)
{%- endmacro %}

{#- Month of the year of a date as an integer: 1 = January ... 12 = December. -#}
{% macro month_of_year(column) -%}
    {{ return(adapter.dispatch('month_of_year', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__month_of_year(column) -%}
    cast(extract(month from {{ column }}) as integer)
{%- endmacro %}

{#- A period as the text the royalty system and the ledger use: 'YYYY-MM' of a date. -#}
{% macro period_label(column) -%}
    {{ return(adapter.dispatch('period_label', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__period_label(column) -%}
    (cast(cast(extract(year from cast({{ column }} as date)) as integer) as varchar(4)) || '-'
        || lpad(cast(cast(extract(month from cast({{ column }} as date)) as integer) as varchar(2)), 2, '0'))
{%- endmacro %}
