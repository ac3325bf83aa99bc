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

{% macro iso_week(d) -%}
    {{ return(adapter.dispatch('iso_week', 'servicenorms')(d)) }}
{%- endmacro %}

{% macro default__iso_week(d) -%}
    cast(extract(week from {{ d }}) as integer)
{%- endmacro %}

{#- Hours (possibly fractional) from a to b, both local wall-clock timestamps. -#}
{% macro hours_between(a, b) -%}
    ({{ dbt.datediff(a, b, 'second') }} / 3600.0)
{%- endmacro %}

{#- ISO day of week of a DATE: Monday = 1 ... Sunday = 7. -#}
{% macro iso_day_of_week(d) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'servicenorms')(d)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(d) -%}
    cast(extract(isodow from {{ d }}) as integer)
{%- endmacro %}

{#- A DATE plus a number of seconds, as a local timestamp. -#}
{% macro date_plus_seconds(d, seconds) -%}
    {{ dbt.dateadd('second', seconds, 'cast(' ~ d ~ ' as timestamp)') }}
{%- endmacro %}
