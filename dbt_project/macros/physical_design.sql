{#- How a large usage table is stored, per warehouse: the config a model passes to config(**...).

    - ClickHouse: a MergeTree sorted by `order_by` (the columns the reports filter and group by, and the
      incremental rebuild's platform-day slices, so a day's delete and insert touch a few granules), one partition
      per month of `month_column`. Supersession needs no ReplacingMergeTree: which batch counts is decided once,
      from the ledger (int_deliveries_current), and an incremental build deletes the rows of batches that stopped
      counting (macros/incremental_usage.sql). The key columns are Nullable under the contracts, hence
      allow_nullable_key.
    - PostgreSQL: B-tree indexes on `pg_indexes` (each a list of columns): the dashboards' and the read API's
      filters (a day range, a label for row-level security, a recording). No declarative partitioning: dbt-postgres
      builds a table with CREATE TABLE AS, and at 10^7 rows an index range scan answers a day or a label as fast
      as partition pruning would.
    - DuckDB: nothing; its zone maps (min/max per row group) prune by day, and insertion order keeps days
      together. -#}
{% macro usage_table_storage(order_by, month_column, pg_indexes=[]) %}
    {%- if target.type == 'clickhouse' -%}
        {{ return({'order_by': '(' ~ order_by | join(', ') ~ ')', 'partition_by': 'toYYYYMM(' ~ month_column ~ ')',
                   'settings': {'allow_nullable_key': 1}}) }}
    {%- elif target.type == 'postgres' -%}
        {%- set indexes = [] -%}
        {%- for columns in pg_indexes -%}
            {%- do indexes.append({'columns': columns}) -%}
        {%- endfor -%}
        {{ return({'indexes': indexes}) }}
    {%- endif -%}
    {{ return({}) }}
{% endmacro %}
