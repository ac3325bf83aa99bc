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
    holiday seed does not cover the calendar's years (macros/time/calendar.sql). -#}
{% test every_year_has_a_holiday(model, date_column, group_column, holiday_column) %}
select {{ group_column }}, {{ dbt.date_trunc('year', date_column) }} as calendar_year
from {{ model }}
group by {{ group_column }}, {{ dbt.date_trunc('year', date_column) }}
having sum(case when {{ holiday_column }} then 1 else 0 end) = 0
{% endtest %}

{#- Keys whose number of rows in `model` differs from `count_column` of the
    matching row of `counts` (rows of `counts` matching `counts_where`; a key
    missing on one side counts 0 there). Both sides are read like any tested
    model: a weekly run compares the rows it wrote (dbt_project.yml, data_tests). -#}
{% test rows_per_key_equal_count(model, counts, key_columns, count_column, counts_where=none) %}
with listed as (
    select {{ key_columns | join(', ') }}, count(*) as listed_rows
    from {{ model }}
    group by {{ key_columns | join(', ') }}
),

expected as (
    select {{ key_columns | join(', ') }}, {{ count_column }} as expected_rows
    from {{ get_where_subquery(counts) }}
    {% if counts_where %}where {{ counts_where }}{% endif %}
)

select
    {% for key in key_columns %}coalesce(expected.{{ key }}, listed.{{ key }}) as {{ key }},
    {% endfor %}coalesce(expected.expected_rows, 0) as expected_rows,
    coalesce(listed.listed_rows, 0) as listed_rows
from expected
full outer join listed
    on {% for key in key_columns %}{% if not loop.first %}and {% endif %}listed.{{ key }} = expected.{{ key }}
    {% endfor %}
where coalesce(expected.expected_rows, 0) <> coalesce(listed.listed_rows, 0)
{% endtest %}
