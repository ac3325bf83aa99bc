{#- Parameters of one run, all dbt vars: the orchestrator passes them as the
    invocation's `--vars` (orchestration/weeks.py), a person by hand
    (`dbt build --vars '{week_start_min: "2026-03-02", week_start_max: "2026-03-09"}'`
    rebuilds those weeks). The defaults, in dbt_project.yml, cover every week. -#}

{#- First Monday of the weeks the week-window models rebuild (inclusive). -#}
{% macro week_start_min() -%}
    {{ return(var('week_start_min')) }}
{%- endmacro %}

{#- The Monday after the last week the week-window models rebuild (exclusive). -#}
{% macro week_start_max() -%}
    {{ return(var('week_start_max')) }}
{%- endmacro %}

{#- The Monday after the last finalised week as of the run (exclusive): the
    platform's measured weeks end here whatever weeks the run rebuilds, so a
    re-run of a past week measures the same weeks as the run that built the
    latest one, and the week in progress is never measured. -#}
{% macro measured_weeks_end() -%}
    {{ return(var('measured_weeks_end')) }}
{%- endmacro %}

{#- The moment the run takes as now, as ISO-8601 text with its offset, or none
    when the run does not say (macros/time/provisional.sql then takes the cut-off of
    the last finalised week). The week in progress is measured as of it. -#}
{% macro run_as_of() -%}
    {{ return(var('as_of', none) or none) }}
{%- endmacro %}
