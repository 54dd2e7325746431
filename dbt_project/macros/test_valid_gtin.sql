{#- Generic test: a GTIN-14 (see normalize_gtin) whose mod-10 check digit is wrong (shared/domain.md: weights
    3, 1, 3, … from the rightmost data digit, check = (10 - sum mod 10) mod 10). NULLs pass. Written with
    substr and cast only, so it runs on every target. -#}
{% test valid_gtin(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and (10 - (
    {%- for position in range(1, 14) %}
        cast(substr({{ column_name }}, {{ position }}, 1) as integer) * {{ 3 if position % 2 == 1 else 1 }}{% if not loop.last %} +{% endif %}
    {%- endfor %}
    ) % 10) % 10 <> cast(substr({{ column_name }}, 14, 1) as integer)
{% endtest %}
