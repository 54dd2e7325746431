{#- ISRC in its 12-character canonical form: no 'ISRC' prefix, hyphens or spaces; upper case
    (shared/domain.md: US-S1Z-99-00001 and USS1Z9900001 are the same recording). -#}
{% macro normalize_isrc(column) -%}
    {{ return(adapter.dispatch('normalize_isrc', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__normalize_isrc(column) -%}
    regexp_replace(regexp_replace(upper(trim({{ column }})), '^ISRC', ''), '[- ]', '', 'g')
{%- endmacro %}

{% macro clickhouse__normalize_isrc(column) -%}
    replaceRegexpAll(replaceRegexpOne(upper(trim({{ column }})), '^ISRC', ''), '[- ]', '')
{%- endmacro %}

{#- First day of the month of a date. -#}
{% macro month_start(column) -%}
    {{ return(adapter.dispatch('month_start', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__month_start(column) -%}
    cast(date_trunc('month', {{ column }}) as date)
{%- endmacro %}

{% macro clickhouse__month_start(column) -%}
    toStartOfMonth({{ column }})
{%- endmacro %}
