{#- Incremental models with on_schema_change='fail' (fct_usage_daily) compare the new rows' column types with the
    table's. On PostgreSQL a contract's `varchar` makes a `character varying` column while the same expression in
    a query is `text`: the same type there (unbounded, same storage and operators), which dbt's default comparison
    reports as a change. This PostgreSQL variant of dbt's own diff_column_data_types (dbt looks in the root
    project first) treats the two as one; every other difference still fails. DuckDB has one VARCHAR and needs
    nothing. -#}
{% macro postgres__diff_column_data_types(source_columns, target_columns) %}
    {%- set result = [] -%}
    {%- for sc in source_columns -%}
        {%- set tc = target_columns | selectattr("name", "equalto", sc.name) | list | first -%}
        {%- if tc and _postgres_comparable_type(sc) != _postgres_comparable_type(tc)
                and not sc.can_expand_to(other_column=tc) -%}
            {%- do result.append({'column_name': tc.name, 'new_type': sc.expanded_data_type}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(result) }}
{% endmacro %}

{% macro _postgres_comparable_type(column) -%}
    {%- if column.dtype | lower in ('text', 'character varying') and column.char_size is none -%}
        {{ return('text') }}
    {%- endif -%}
    {{ return(column.expanded_data_type) }}
{%- endmacro %}
