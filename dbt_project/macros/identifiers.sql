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

{#- UPC / EAN / ICPN in its GTIN-14 form: trimmed and left-padded with zeros to 14 digits, so a UPC-A and the
    EAN-13 with a leading 0 compare equal (shared/domain.md; ingestion/identifiers.py normalize_gtin does the
    same). The landing contract has already refused anything but 12-14 digits; an empty cell stays NULL.
    The check digit is not touched: the `valid_gtin` test verifies it. -#}
{% macro normalize_gtin(column) -%}
    {{ return(adapter.dispatch('normalize_gtin', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__normalize_gtin(column) -%}
    lpad(nullif(trim({{ column }}), ''), 14, '0')
{%- endmacro %}

{% macro clickhouse__normalize_gtin(column) -%}
    leftPad(nullIf(trim({{ column }}), ''), 14, '0')
{%- endmacro %}

{#- ISWC in its display form T-ddd.ddd.ddd-C (ISO 15707), whatever dots and hyphens it arrived with; upper case.
    The landing contract has already refused anything but a T and ten digits. The check digit is not touched:
    the `valid_iswc` test verifies it. -#}
{% macro normalize_iswc(column) -%}
    {{ return(adapter.dispatch('normalize_iswc', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__normalize_iswc(column) -%}
    regexp_replace(upper(trim({{ column }})), '^T-?([0-9]{3})\.?([0-9]{3})\.?([0-9]{3})-?([0-9])$', 'T-\1.\2.\3-\4')
{%- endmacro %}

{% macro clickhouse__normalize_iswc(column) -%}
    replaceRegexpOne(upper(trim({{ column }})), '^T-?([0-9]{3})\\.?([0-9]{3})\\.?([0-9]{3})-?([0-9])$', 'T-\\1.\\2.\\3-\\4')
{%- endmacro %}
