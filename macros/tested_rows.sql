{#- Which rows a data test reads (dbt's `where` hook for every generic test).

    A full build tests every row. A weekly run tests what it changed:
    * a model rebuilt per week window (week_window_config) only changed the
      window's weeks, so its tests read those weeks;
    * a model incremental by key (keyed_incremental_config) only rewrote the keys
      whose inputs changed, and every rewritten row carries a `_load_id` above
      the model's watermark before the run. The orchestrator passes those
      watermarks as the var `tested_since_load_id` ({model: load id}); the
      tests read every row of the keys (the model's unique_key) written above
      it, so a written row duplicating an older one is caught. A key re-ranked
      to a version it already had keeps its (already tested) row and load id.
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
        {%- do return('(select * from ' ~ relation ~ ' as tested where ' ~ filters | join(' and ') ~ ') dbt_subquery') -%}
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
        {%- set since = var('tested_since_load_id', {}).get(node.name) -%}
        {%- set key = node.config.unique_key -%}
        {%- if since is not none and key -%}
            {%- set key = [key] if key is string else key -%}
            {%- set matches = [] -%}
            {%- for column in key -%}{%- do matches.append('written.' ~ column ~ ' = tested.' ~ column) -%}{%- endfor -%}
            {%- do return('exists (select 1 from ' ~ relation ~ ' as written where written._load_id > '
                ~ (since | int) ~ ' and ' ~ matches | join(' and ') ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return('') -%}
{%- endmacro %}
