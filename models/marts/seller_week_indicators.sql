{{ week_window_config() }}
-- The weekly verdict per seller, week and indicator (SPEC §4, §5, §9): value
-- against the norm version valid at week_start (for CASE_ITEM_RATIO and
-- RETURNS the seller's dynamic norm), breach (with the incident floor),
-- strike (strike-eligible, past GroeiStart, not neutralised by a NO_STRIKE
-- circumstance). A week with a zero denominator has no row. Rebuilt per week
-- window, like the facts it reads.
with counts as (
    select seller_id, week_start, indicator, numerator, denominator
    from {{ ref('fct_seller_week_indicator_counts') }}
    where denominator > 0 and {{ in_week_window('week_start') }}
    union all
    select seller_id, week_start, indicator, numerator, denominator
    from {{ ref('fct_seller_week_reviews') }}
    where denominator > 0 and {{ in_week_window('week_start') }}
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
    select * from {{ ref('int_dynamic_norms') }}
),

neutralised as (
    select * from {{ ref('int_neutralised_weeks') }}
),

platform_weeks as (
    select * from {{ ref('fct_platform_weeks') }}
),

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
        counts.numerator * 1.0 / counts.denominator as value,
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
    inner join platform_weeks
        on platform_weeks.week_start = counts.week_start
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
