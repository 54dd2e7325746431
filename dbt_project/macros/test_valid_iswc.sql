{#- Generic test: an ISWC in its display form T-ddd.ddd.ddd-C (see normalize_iswc) whose check digit is wrong
    (shared/domain.md: S = 1 + sum of i * d_i over the nine digits, C = (10 - S mod 10) mod 10). NULLs pass. -#}
{% test valid_iswc(model, column_name) %}
{%- set digit_positions = [3, 4, 5, 7, 8, 9, 11, 12, 13] %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and (10 - (1
    {%- for position in digit_positions %}
        + {{ loop.index }} * cast(substr({{ column_name }}, {{ position }}, 1) as integer)
    {%- endfor %}
    ) % 10) % 10 <> cast(substr({{ column_name }}, 15, 1) as integer)
{% endtest %}
