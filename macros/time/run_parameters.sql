{#- Parameters of one run: the week window, the end of the measured weeks and
    the moment taken as now.

    A dbt var passed on the command line wins (`dbt build --vars
    '{week_start_min: "2026-03-02", week_start_max: "2026-03-09"}'` rebuilds those
    weeks by hand). The orchestrator instead sets SERVICENORMS_<NAME> in the
    environment, read only while models run: a new value of a --vars changes
    dbt's vars and forces a full re-parse of the project every run (~4 s a dbt
    step), an environment variable read at execution does not. Without either,
    the default: every week, every row tested. -#}
{% macro run_parameter(name, default) -%}
    {%- set given = var(name, none) -%}
    {%- if given is not none -%}{{ return(given) }}{%- endif -%}
    {%- if execute -%}{{ return(env_var('SERVICENORMS_' ~ (name | upper), default)) }}{%- endif -%}
    {{ return(default) }}
{%- endmacro %}

{#- First Monday of the weeks the week-window models rebuild (inclusive). -#}
{% macro week_start_min() -%}
    {{ return(run_parameter('week_start_min', '1900-01-01')) }}
{%- endmacro %}

{#- The Monday after the last week the week-window models rebuild (exclusive). -#}
{% macro week_start_max() -%}
    {{ return(run_parameter('week_start_max', no_week_end())) }}
{%- endmacro %}

{#- The Monday after the last finalised week as of the run (exclusive): the
    platform's measured weeks end here whatever weeks the run rebuilds, so a
    re-run of a past week measures the same weeks as the run that built the
    latest one, and the week in progress is never measured. -#}
{% macro measured_weeks_end() -%}
    {{ return(run_parameter('measured_weeks_end', no_week_end())) }}
{%- endmacro %}

{#- The end of every window that has none: after every week the warehouse holds. -#}
{% macro no_week_end() -%}
    {{ return('2999-01-01') }}
{%- endmacro %}

{#- The moment the run takes as now, as ISO-8601 text with its offset, or none
    when the run does not say (macros/time/provisional.sql then takes the cut-off of
    the last finalised week). The week in progress is measured as of it. -#}
{% macro run_as_of() -%}
    {{ return(run_parameter('as_of', '') or none) }}
{%- endmacro %}
