{#- Rows whose combination of `columns` is not unique. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Rows for which `expression` is not true (optionally only rows matching `where_clause`). -#}
{% test expression_true(model, expression, where_clause=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% if where_clause %}and ({{ where_clause }}){% endif %}
{% endtest %}

{#- Years of a calendar in which a group (country) has no holiday flagged: the
    holiday seed does not cover the calendar's years (macros/calendar.sql). -#}
{% test every_year_has_a_holiday(model, date_column, group_column, holiday_column) %}
select {{ group_column }}, {{ dbt.date_trunc('year', date_column) }} as calendar_year
from {{ model }}
group by {{ group_column }}, {{ dbt.date_trunc('year', date_column) }}
having sum(case when {{ holiday_column }} then 1 else 0 end) = 0
{% endtest %}
