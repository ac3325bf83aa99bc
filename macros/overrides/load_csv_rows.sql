{#- Seeds on Spark: dbt-spark's session method substitutes seed values into the
    insert without escaping them, so a value with a quote ("New Year's Day" in
    the holiday seed) breaks the statement. This writes each value as an escaped
    Spark string literal cast to its column type, as dbt-spark's own macro does
    otherwise (batches of get_batch_size() rows). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
      insert into {{ this.render() }} values
      {% for row in chunk -%}
        ({%- for value in row -%}
          {%- set col_name = agate_table.column_names[loop.index0] -%}
          {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
          {%- if value is none -%}cast(null as {{ type }})
          {%- else -%}cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
          {%- endif -%}
          {%- if not loop.last %}, {% endif -%}
        {%- endfor -%})
        {%- if not loop.last %},{% endif %}
      {% endfor %}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0]) }}
{% endmacro %}
