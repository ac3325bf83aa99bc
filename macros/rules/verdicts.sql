{#- The weekly verdict per seller, week and indicator, as seller_week_indicators
    documents it, of the weekly `counts` and `reviews` (relations of seller_id,
    week_start, indicator, numerator, denominator) with their `dynamic_norms`:
    the finalised weeks (the run's window, `in_window`, of the `measured_weeks`)
    and the week in progress (seller_week_provisional). -#}
{% macro seller_week_verdicts(counts, reviews, dynamic_norms, measured_weeks=none, in_window=true) -%}
with counts as (
    select seller_id, week_start, indicator, numerator, denominator
    from {{ counts }}
    where denominator > 0{% if in_window %} and {{ in_week_window('week_start') }}{% endif %}
    union all
    select seller_id, week_start, indicator, numerator, denominator
    from {{ reviews }}
    where denominator > 0{% if in_window %} and {{ in_week_window('week_start') }}{% endif %}
),

weeks as (
    select * from {{ ref('int_weeks') }}
),

sellers as (
    select * from {{ ref('int_sellers') }}
),

norms as (
    select * from {{ ref('service_norms') }}
),

dynamic_norms as (
    select * from {{ dynamic_norms }}
),

neutralised as (
    select * from {{ ref('int_neutralised_weeks') }}
),

{% if measured_weeks is not none -%}
platform_weeks as (
    select * from {{ measured_weeks }}
),

{% endif -%}
joined as (
    select
        counts.seller_id,
        counts.week_start,
        weeks.iso_year,
        weeks.iso_week,
        counts.indicator,
        case when norms.strike_eligible then 'STRIKE' else 'MAIL' end as indicator_kind,
        counts.numerator,
        counts.denominator,
        cast(counts.numerator as double) / counts.denominator as value,
        norms.condition as norm_condition,
        {{ applicable_norm_value('counts.indicator') }} as norm_value,
        case
            when counts.indicator in ('CASE_ITEM_RATIO', 'RETURNS') and dynamic_norms.seller_id is not null
                then 'DYNAMIC'
            else 'STATIC'
        end as norm_kind,
        norms.valid_from as norm_valid_from,
        norms.incident_floor,
        norms.strike_eligible,
        case
            when counts.indicator in ('CANCELLATIONS', 'CASE_ITEM_RATIO', 'RETURNS') then counts.numerator
            when counts.indicator = 'REVIEWS' then null
            else counts.denominator - counts.numerator
        end as incident_count,
        (sellers.groeistart_last_week is null or counts.week_start <= sellers.groeistart_last_week) as in_groeistart,
        neutralised.seller_id is not null as neutralised
    from counts
    {%- if measured_weeks is not none %}
    inner join platform_weeks
        on platform_weeks.week_start = counts.week_start
    {%- endif %}
    inner join weeks
        on weeks.week_start = counts.week_start
    inner join sellers
        on sellers.seller_id = counts.seller_id
    inner join norms
        on norms.indicator = counts.indicator
        and counts.week_start >= cast(norms.valid_from as date)
        and counts.week_start <= cast(norms.valid_to as date)
    left join dynamic_norms
        on dynamic_norms.seller_id = counts.seller_id
        and dynamic_norms.week_start = counts.week_start
    left join neutralised
        on neutralised.seller_id = counts.seller_id
        and neutralised.week_start = counts.week_start
        and neutralised.indicator = counts.indicator
),

judged as (
    select
        joined.*,
        {{ meets_norm('value', 'norm_condition', 'norm_value') }} as conforms
    from joined
),

final as (
    select
        seller_id,
        week_start,
        iso_year,
        iso_week,
        indicator,
        indicator_kind,
        numerator,
        denominator,
        value,
        norm_condition,
        norm_value,
        norm_kind,
        conforms,
        value - norm_value as distance_to_norm,
        incident_count,
        incident_floor,
        -- REVIEWS has no floor: failing the norm is the breach.
        (not conforms and (incident_count is null or incident_count >= incident_floor)) as is_breach,
        in_groeistart,
        neutralised,
        (
            not conforms
            and (incident_count is null or incident_count >= incident_floor)
            and strike_eligible
            and not in_groeistart
            and not neutralised
        ) as is_strike
    from judged
)

select * from final
{%- endmacro %}
