{#- Dates, times and durations as text a seller reads (the incidents' reasons).
    Formatting is engine-specific only for timestamps. -#}

{#- A DATE as 'YYYY-MM-DD'. -#}
{% macro date_text(d) -%}
    cast({{ d }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- A local wall-clock timestamp as 'YYYY-MM-DD HH:MM' (seconds left out). -#}
{% macro local_minute_text(ts) -%}
    {{ return(adapter.dispatch('local_minute_text', 'servicenorms')(ts)) }}
{%- endmacro %}

{% macro default__local_minute_text(ts) -%}
    substring(cast({{ ts }} as {{ dbt.type_string() }}), 1, 16)
{%- endmacro %}

{% macro duckdb__local_minute_text(ts) -%}
    strftime({{ ts }}, '%Y-%m-%d %H:%M')
{%- endmacro %}

{% macro spark__local_minute_text(ts) -%}
    date_format({{ ts }}, 'yyyy-MM-dd HH:mm')
{%- endmacro %}

{#- The time from `since` to `until` (both local, or both instants) as
    '5 h 12 min', '12 min' or 'less than a minute' (whole minutes, rounded down). -#}
{% macro duration_text(since, until) -%}
    {%- set us = dbt.datediff(since, until, 'microsecond') -%}
    {%- set hours = 'cast(floor((' ~ us ~ ') / cast(3600000000 as double)) as ' ~ dbt.type_bigint() ~ ')' -%}
    {%- set minutes = 'cast(floor(((' ~ us ~ ') - 3600000000 * ' ~ hours ~ ') / cast(60000000 as double)) as ' ~ dbt.type_bigint() ~ ')' -%}
    case
        when ({{ us }}) < 60000000 then 'less than a minute'
        when ({{ us }}) < 3600000000 then {{ dbt.concat([dbt.cast(minutes, dbt.type_string()), "' min'"]) }}
        else {{ dbt.concat([dbt.cast(hours, dbt.type_string()), "' h '", dbt.cast(minutes, dbt.type_string()), "' min'"]) }}
    end
{%- endmacro %}

{#- `text` (a Jinja string, e.g. read from a seed) as a SQL string literal. -#}
{% macro text_literal(text) -%}
    {{ return(adapter.dispatch('text_literal', 'servicenorms')(text)) }}
{%- endmacro %}

{% macro default__text_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{#- Spark reads a backslash in a literal as an escape (and two adjacent
    literals as one): both the backslash and the quote are escaped. -#}
{% macro spark__text_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
