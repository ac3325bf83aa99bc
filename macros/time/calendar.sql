{#- The local days the time rules know (SPEC §2): from calendar_first_day() up
    to calendar_end_day(), exclusive. The holiday seed covers the same years
    (scripts/build_holiday_seed.py; the data test `calendar_years_have_holidays`
    checks it); an event dated outside them is in no week. -#}
{% macro calendar_first_day() -%}
    {{ return('2000-01-01') }}
{%- endmacro %}

{% macro calendar_end_day() -%}
    {{ return('2051-01-01') }}
{%- endmacro %}
