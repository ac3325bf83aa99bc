{#- The latest landed row per natural key (SPEC §3, §12): the file whose path
    relative to the landing root sorts last wins; a file landed again under the
    same path (its content changed) wins over its earlier loads; inside one
    file, the last row.

    In a model incremental by key (macros/incremental/by_key.sql), only the
    keys touched by loads landed since the table was last built are re-ranked,
    over every landed version of those keys, so the result is what a full
    rebuild gives; the model's delete+insert on the natural key replaces their
    rows. A load whose rows all lose leaves the table's greatest `_load_id`
    where it is and is simply re-ranked (to the same winners) next time. -#}
{% macro latest_per_key(relation, key_columns) -%}
select *
from (
    select
        landed.*,
        row_number() over (
            partition by {% for k in key_columns %}landed.{{ k }}{% if not loop.last %}, {% endif %}{% endfor %}
            order by landed._source_file desc, landed._load_id desc, landed._row_number desc
        ) as _version_rank
    from {{ relation }} as landed
    {{- join_touched_keys(relation, key_columns) }}
) as ranked
where _version_rank = 1
{%- endmacro %}

{#- In an incremental build, keeps only the rows of `relation` (aliased `landed`)
    whose key has a version landed since the model was last built. -#}
{% macro join_touched_keys(relation, key_columns) -%}
    {%- if is_incremental() %}
    inner join (
        select distinct {{ key_columns | join(', ') }}
        from {{ relation }}
        where {{ changed_since_built() }}
    ) as touched
        on {% for k in key_columns %}touched.{{ k }} = landed.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
    {%- endif %}
{%- endmacro %}
