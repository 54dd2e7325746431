{#- Exact decimal products and quotients. DuckDB and PostgreSQL widen a DECIMAL product's precision as needed;
    ClickHouse keeps the operands' width (Decimal(18, 6) * Decimal(18, 6) is Decimal(18, 12)) and raises
    DECIMAL_OVERFLOW beyond it, and scales a quotient's dividend by the divisor's scale first. Its
    multiplyDecimal / divideDecimal compute in 256 bits at a given result scale instead. Cast the result to the
    precision the model means (e.g. decimal(38, 12)). The default forms are the plain operators, so DuckDB's SQL
    is unchanged. -#}
{% macro decimal_multiply(left, right, scale=12) -%}
    {{ return(adapter.dispatch('decimal_multiply', 'tunemantra')(left, right, scale)) }}
{%- endmacro %}

{% macro default__decimal_multiply(left, right, scale=12) -%}
    {{ left }} * {{ right }}
{%- endmacro %}

{% macro clickhouse__decimal_multiply(left, right, scale=12) -%}
    multiplyDecimal({{ left }}, {{ right }}, {{ scale }})
{%- endmacro %}

{% macro decimal_divide(dividend, divisor, scale=12) -%}
    {{ return(adapter.dispatch('decimal_divide', 'tunemantra')(dividend, divisor, scale)) }}
{%- endmacro %}

{% macro default__decimal_divide(dividend, divisor, scale=12) -%}
    {{ dividend }} / {{ divisor }}
{%- endmacro %}

{% macro clickhouse__decimal_divide(dividend, divisor, scale=12) -%}
    divideDecimal({{ dividend }}, {{ divisor }}, {{ scale }})
{%- endmacro %}
