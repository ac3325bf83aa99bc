{#- Which rows a data test reads (dbt's `where` hook for every generic test).

    A full build tests every row. A weekly run tests what it changed:
    * a model rebuilt per week window (week_window_config) only changed the
      window's weeks, so its tests read those weeks;
    * a model incremental by key (keyed_incremental_config) only rewrote the keys
      whose inputs changed, and a row whose content changed carries a
      `_load_id` above the model's watermark before the run. The orchestrator
      passes those watermarks ({model: load id}, macros/run_parameters.sql);
      the tests read the rows above them. The delete+insert removed the
      older rows of every key it wrote, so a duplicate can only come from the
      rows written together; a key re-ranked to the version it already had
      gets back its (already tested) row and load id. Reading every row of the
      written keys instead would probe the whole table (~30 s per test at
      marketplace scale).
    Rows a run did not write were tested by the run that wrote them, so testing
    the rest again over the whole history (minutes at marketplace scale) adds
    nothing. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}{%- do filters.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set changed = changed_rows_filter(relation) -%}
    {%- if changed -%}{%- do filters.append(changed) -%}{%- endif -%}
    {%- if filters -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ filters | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The filter selecting the rows of `relation` the current run wrote, or '' for all rows. -#}
{% macro changed_rows_filter(relation) -%}
    {%- if flags.FULL_REFRESH or not execute -%}{%- do return('') -%}{%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.alias | lower == (relation.identifier or '') | lower
        and node.schema | lower == (relation.schema or '') | lower -%}
        {%- if 'week_window_weeks_after' in node.config.meta -%}
            {%- do return(in_week_window('week_start', node.config.meta['week_window_weeks_after'])) -%}
        {%- endif -%}
        {%- set since = watermarks_before_run().get(node.name) -%}
        {%- if since is not none -%}
            {%- do return('_load_id > ' ~ (since | int)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return('') -%}
{%- endmacro %}
