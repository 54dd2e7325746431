{#- Model contracts on ClickHouse. The contracts name their types the way DuckDB and PostgreSQL do (varchar, date,
    boolean, double precision, bigint, decimal(p, s), timestamp); ClickHouse describes a query's columns in its own
    names (String, Date, UInt8, Float64, Int64, Decimal(p, s), DateTime64), and dbt-clickhouse compares the two
    spellings literally. This override compares the type *families* instead: every name, and the number of columns,
    must still match, and a column's family must be the contract's. The table itself is then created with the
    contract's column types and the query inserted into it, so ClickHouse converts within the family (a
    comparison's UInt8 becomes the contract's boolean, count()'s UInt64 its bigint).
    Overrides the adapter's macro of the same name (the root project's macros come first in dbt's dispatch). -#}

{% macro clickhouse__get_assert_columns_equivalent(sql) -%}
  {%- set user_defined_columns = model['columns'] -%}
  {%- if not user_defined_columns -%}
      {{ exceptions.raise_contract_error([], []) }}
  {%- endif -%}
  {%- set yaml_columns = user_defined_columns.values() -%}
  {%- set query_settings = config.get('query_settings', {}) or {} -%}
  {%- set sql_columns = adapter.format_columns(adapter.get_column_schema_from_query(sql, query_settings=query_settings)) -%}
  {%- if sql_columns | length != yaml_columns | length -%}
    {%- do exceptions.raise_contract_error(yaml_columns, sql_columns) -%}
  {%- endif -%}
  {%- for sql_col in sql_columns -%}
    {%- set yaml_col = [] -%}
    {%- for this_col in yaml_columns -%}
      {%- if this_col['name'] == sql_col['name'] -%}
        {%- do yaml_col.append(this_col) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- if not yaml_col -%}
      {%- do exceptions.raise_contract_error(yaml_columns, sql_columns) -%}
    {%- endif -%}
    {%- set query_family = tm_clickhouse_type_family(sql_col['data_type'], from_query=true) -%}
    {%- set contract_family = tm_clickhouse_type_family(yaml_col[0]['data_type']) -%}
    {%- if query_family != contract_family
           and not (query_family == 'boolean_or_integer' and contract_family in ('boolean', 'integer')) -%}
      {%- do exceptions.raise_contract_error(yaml_columns, sql_columns) -%}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{#- The family of a type name, in either spelling: string, date, timestamp, boolean, integer, float,
    decimal(p,s) or the name itself. A query's UInt8 (what ClickHouse's comparisons and logical operators return)
    is 'boolean' when the contract says boolean, else 'integer': from_query=true lets it stand for either. -#}
{% macro tm_clickhouse_type_family(data_type, from_query=false) -%}
  {%- set ns = namespace(t=(data_type or '') | trim | lower | replace(' ', '')) -%}
  {%- for wrapper in ('lowcardinality(', 'nullable(', 'lowcardinality(', 'nullable(') -%}
    {%- if ns.t.startswith(wrapper) and ns.t.endswith(')') -%}{%- set ns.t = ns.t[wrapper | length:-1] -%}{%- endif -%}
  {%- endfor -%}
  {%- set t = ns.t -%}
  {%- set base = t.split('(')[0] -%}
  {%- if base in ('varchar', 'text', 'string', 'char', 'charactervarying', 'character', 'fixedstring', 'uuid') -%}string
  {%- elif base in ('date', 'date32') -%}date
  {%- elif base in ('timestamp', 'datetime', 'datetime64', 'timestamptz', 'timestampwithtimezone', 'timestampwithouttimezone') -%}timestamp
  {%- elif base in ('boolean', 'bool') -%}boolean
  {%- elif base == 'uint8' and from_query -%}boolean_or_integer
  {%- elif base in ('tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint', 'int2', 'int4', 'int8', 'int16', 'int32', 'int64', 'int128', 'int256', 'uint8', 'uint16', 'uint32', 'uint64', 'uint128', 'uint256') -%}integer
  {%- elif base in ('double', 'doubleprecision', 'float', 'float4', 'float8', 'float32', 'float64', 'real') -%}float
  {%- elif base in ('decimal', 'numeric') -%}decimal{{ t[base | length:] }}
  {%- else -%}{{ t }}
  {%- endif -%}
{%- endmacro %}
