{#- dbt's `where` test config, with one placeholder: `__invocation_id__` stands
    for the id of the dbt invocation running the test. A weekly run's tests read
    the rows that invocation wrote (`_invocation_id`, dbt_project.yml). The
    placeholder is replaced here, when the test compiles: `{{ invocation_id }}`
    in a yml `where` would be rendered once, when the project is parsed, and a
    later invocation reusing that parse would test another run's rows. This is
    the override dbt's documentation gives for a `where` that needs a value
    known only at run time (docs: "where" config, "Custom logic"). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') | replace('__invocation_id__', invocation_id) -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
