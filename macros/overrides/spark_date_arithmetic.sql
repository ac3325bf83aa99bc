{#- dbt.dateadd and dbt.datediff on Spark, computed as DuckDB computes them.
    dbt-spark's own versions stop the query on a NULL argument (assert_true),
    go through whole unix seconds (microseconds are read back from the text of
    the timestamp) and return a day added to a date at midnight through the
    session's time zone; the rules pass NULLs (an unanswered question) and need
    microseconds (response deadlines). Spark's timestampadd and unix_micros are
    exact. -#}

{#- A timestamp `interval` dateparts after `from_date_or_timestamp` (a date is
    taken at midnight), as DuckDB's date + interval. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, cast(({{ interval }}) as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}

{#- The number of datepart boundaries from `first_date` to `second_date`, as
    DuckDB's date_diff: days between calendar dates, and for units of a day or
    less the whole units of each, subtracted. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set micros = {'hour': 3600000000, 'minute': 60000000, 'second': 1000000,
        'millisecond': 1000, 'microsecond': 1} -%}
    {%- if datepart == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif datepart in micros -%}
        {%- set first = 'unix_micros(cast(' ~ first_date ~ ' as timestamp))' -%}
        {%- set second = 'unix_micros(cast(' ~ second_date ~ ' as timestamp))' -%}
        {%- if datepart == 'microsecond' -%}
        ({{ second }} - {{ first }})
        {%- else -%}
        (floor({{ second }} / {{ micros[datepart] }}) - floor({{ first }} / {{ micros[datepart] }}))
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff by '" ~ datepart ~ "' is not implemented for Spark (macros/overrides/spark_date_arithmetic.sql)") }}
    {%- endif -%}
{%- endmacro %}
