-- Active mitigating circumstances (latest row per id, not withdrawn), one row
-- per circumstance and listed indicator. 'ALL' means the nine weekly
-- indicators, never NPS (SPEC §8, §12).
with circumstances as (
    select * from {{ ref('stg_raw__mitigating_circumstances') }}
    where not is_withdrawn
),

weekly_indicators as (
    select distinct indicator
    from {{ ref('service_norms') }}
    where indicator <> 'NPS'
),

listed as (
    select
        circumstances.circumstance_id,
        weekly_indicators.indicator,
        circumstances.starts_on,
        circumstances.ends_on,
        circumstances.scope,
        circumstances.transporter_code,
        circumstances.country,
        circumstances.effect,
        circumstances.description
    from circumstances
    cross join weekly_indicators
    -- Indicator names contain no whitespace: dropping it (spaces, tabs, line
    -- breaks) trims every listed name.
    {%- set listed = dbt.concat(["'|'", without_whitespace('circumstances.indicators'), "'|'"]) %}
    where {{ dbt.position("'|ALL|'", listed) }} > 0
        or {{ dbt.position(dbt.concat(["'|'", "weekly_indicators.indicator", "'|'"]), listed) }} > 0
)

select
    *,
    '{{ invocation_id }}' as _invocation_id
from listed
