{#- An enumeration value as a lower-case snake_case code: CamelCase words split ('OnDemandStream' ->
    'on_demand_stream', DDEX allowed values), spaces and hyphens become one underscore ('Sound Recording' ->
    'sound_recording', 'Apple Music' -> 'apple_music'); trimmed. Values already in that form are unchanged. -#}
{% macro normalize_code(column) -%}
    {{ return(adapter.dispatch('normalize_code', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__normalize_code(column) -%}
    lower(regexp_replace(regexp_replace(trim({{ column }}), '([a-z0-9])([A-Z])', '\1_\2', 'g'), '[ _-]+', '_', 'g'))
{%- endmacro %}

{% macro clickhouse__normalize_code(column) -%}
    lower(replaceRegexpAll(replaceRegexpAll(trim({{ column }}), '([a-z0-9])([A-Z])', '\\1_\\2'), '[ _-]+', '_'))
{%- endmacro %}
