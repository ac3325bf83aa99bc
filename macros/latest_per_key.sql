{#- The latest landed row per natural key (SPEC §3, §12): the file whose path
    relative to the landing root sorts last wins; inside one file, the last row. -#}
{% macro latest_per_key(relation, key_columns) -%}
select *
from (
    select
        landed.*,
        row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by _source_file desc, _row_number desc
        ) as _version_rank
    from {{ relation }} as landed
) as ranked
where _version_rank = 1
{%- endmacro %}
