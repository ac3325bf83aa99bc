-- The latest row per circumstance wins; a withdrawn row retracts it (SPEC §8).
with latest as (
    {{ latest_per_key(source('raw', 'mitigating_circumstances'), ['circumstance_id']) }}
),

final as (
    select
        circumstance_id,
        starts_on,
        ends_on,
        scope,
        transporter_code,
        country,
        upper(trim(indicators)) as indicators,
        effect,
        description,
        coalesce(withdrawn, false) as is_withdrawn,
        -- this version's load: what the keyed models compare (macros/incremental/by_key.sql)
        _load_id
    from latest
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
