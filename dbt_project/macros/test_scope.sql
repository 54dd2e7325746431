{#- What a generic test reads. dbt's own behaviour (a test's `where` config filters the tested model), plus one
    rule for the daily incremental path: in a build given a date window (--vars '{usage_from: …, usage_to: …}',
    what Dagster's daily partitions pass), the tests of the line-level usage models (var usage_window_models,
    10^7 rows and more) read the window's lines only, so a day's build tests the day it built instead of
    re-reading every stored line. Their grains include the day or the (batch, line) of a line, so a duplicate
    of a window line is inside the window too. A build without a window — the nightly full build, `dbt build`,
    `dbt test` — tests every line. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set usage_from = var('usage_from', none) -%}
    {%- if usage_from and relation.identifier in var('usage_window_models', []) -%}
        {%- do conditions.append("usage_date between cast('" ~ usage_from ~ "' as date) and cast('"
                                 ~ var('usage_to', usage_from) ~ "' as date)") -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
