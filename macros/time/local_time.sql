{#- Every rule is evaluated in local wall-clock time (SPEC §2). These macros are
    the only place that knows how the engine converts time zones. -#}

{#- A UTC instant (timestamptz) as a local wall-clock timestamp (no zone). -#}
{% macro to_local(ts) -%}
    {{ return(adapter.dispatch('to_local', 'servicenorms')(ts)) }}
{%- endmacro %}

{% macro default__to_local(ts) -%}
    ({{ ts }} at time zone '{{ var("local_timezone") }}')
{%- endmacro %}

{% macro duckdb__to_local(ts) -%}
    timezone('{{ var("local_timezone") }}', {{ ts }})
{%- endmacro %}

{% macro spark__to_local(ts) -%}
    from_utc_timestamp({{ ts }}, '{{ var("local_timezone") }}')
{%- endmacro %}

{#- The local calendar date of a UTC instant. -#}
{% macro local_date(ts) -%}
    cast({{ servicenorms.to_local(ts) }} as date)
{%- endmacro %}

{#- The ISO-week Monday of a DATE. -#}
{% macro iso_week_start(d) -%}
    {{ return(adapter.dispatch('iso_week_start', 'servicenorms')(d)) }}
{%- endmacro %}

{% macro default__iso_week_start(d) -%}
    cast({{ dbt.date_trunc('week', d) }} as date)
{%- endmacro %}

{% macro duckdb__iso_week_start(d) -%}
    cast(date_trunc('week', {{ d }}) as date)
{%- endmacro %}

{#- ISO year and week number of a DATE. -#}
{% macro iso_year(d) -%}
    {{ return(adapter.dispatch('iso_year', 'servicenorms')(d)) }}
{%- endmacro %}

{% macro default__iso_year(d) -%}
    cast(extract(isoyear from {{ d }}) as integer)
{%- endmacro %}

{% macro spark__iso_year(d) -%}
    cast(extract(yearofweek from {{ d }}) as integer)
{%- endmacro %}

{% macro iso_week(d) -%}
    {{ return(adapter.dispatch('iso_week', 'servicenorms')(d)) }}
{%- endmacro %}

{% macro default__iso_week(d) -%}
    cast(extract(week from {{ d }}) as integer)
{%- endmacro %}

{#- ISO day of week of a DATE: Monday = 1 ... Sunday = 7. -#}
{% macro iso_day_of_week(d) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'servicenorms')(d)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(d) -%}
    cast(extract(isodow from {{ d }}) as integer)
{%- endmacro %}

{% macro spark__iso_day_of_week(d) -%}
    cast(extract(dayofweek_iso from {{ d }}) as integer)
{%- endmacro %}

{#- A DATE plus a number of microseconds, as a local timestamp. -#}
{% macro date_plus_microseconds(d, microseconds) -%}
    {{ return(adapter.dispatch('date_plus_microseconds', 'servicenorms')(d, microseconds)) }}
{%- endmacro %}

{% macro default__date_plus_microseconds(d, microseconds) -%}
    {{ dbt.dateadd('microsecond', microseconds, 'cast(' ~ d ~ ' as timestamp)') }}
{%- endmacro %}

{#- DuckDB multiplies an interval by a 32-bit count only (dbt.dateadd's form). -#}
{% macro duckdb__date_plus_microseconds(d, microseconds) -%}
    (cast({{ d }} as timestamp) + to_microseconds(cast({{ microseconds }} as bigint)))
{%- endmacro %}

{#- The SQL type of an instant (a UTC moment), as the marts store it. -#}
{% macro type_timestamptz() -%}
    {{ return(adapter.dispatch('type_timestamptz', 'servicenorms')()) }}
{%- endmacro %}

{% macro default__type_timestamptz() -%}
    timestamp with time zone
{%- endmacro %}

{#- Spark's timestamp is an instant already. -#}
{% macro spark__type_timestamptz() -%}
    timestamp
{%- endmacro %}

{#- An instant written as ISO-8601 text with its offset, as a SQL literal. -#}
{% macro timestamptz_literal(text) -%}
    cast('{{ text }}' as {{ servicenorms.type_timestamptz() }})
{%- endmacro %}
