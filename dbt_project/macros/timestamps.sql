{#- The UTC instant of a wall-clock timestamp given with its offset from UTC as text '+hh:mm' / '-hh:mm' (the
    landing contract checked the form): local time minus the offset. -#}
{% macro utc_from_local(timestamp_column, offset_column) -%}
    {{ return(adapter.dispatch('utc_from_local', 'tunemantra')(timestamp_column, offset_column)) }}
{%- endmacro %}

{% macro default__utc_from_local(timestamp_column, offset_column) -%}
    ({{ timestamp_column }} - (case when substr({{ offset_column }}, 1, 1) = '-' then -1 else 1 end)
        * (cast(substr({{ offset_column }}, 2, 2) as integer) * 60 + cast(substr({{ offset_column }}, 5, 2) as integer))
        * interval '1 minute')
{%- endmacro %}

{% macro clickhouse__utc_from_local(timestamp_column, offset_column) -%}
    ({{ timestamp_column }} - toIntervalMinute((if(substring({{ offset_column }}, 1, 1) = '-', -1, 1))
        * (toInt32(substring({{ offset_column }}, 2, 2)) * 60 + toInt32(substring({{ offset_column }}, 5, 2)))))
{%- endmacro %}
