{#- dbt's `where` test config, with one placeholder: `__invocation_id__` stands
    for the id of the dbt invocation running the test. A `dbt build` (the weekly
    run, a full build) tests the rows it wrote (`_invocation_id`, dbt_project.yml);
    a `dbt test` on its own wrote nothing, so it tests every row. The placeholder
    is replaced here, when the test compiles: `{{ invocation_id }}` in a yml
    `where` is rendered once, when the project is parsed, and a later invocation
    reusing that parse would test another run's rows. dbt's documentation gives
    this override for a `where` that needs a value known only at run time
    ("where" config, "Custom logic"). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if '__invocation_id__' in where -%}
        {%- set where = where | replace('__invocation_id__', invocation_id) if flags.WHICH == 'build' else '' -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
