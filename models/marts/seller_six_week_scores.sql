{{ week_window_config(weeks_after=5) }}
-- Six-week performance per seller, week W and indicator (SPEC §6, §12): the
-- pooled score over the calendar weeks W-5 ... W (sum of numerators over sum
-- of denominators, not the mean of weekly ratios), judged against the norm
-- version of W (CASE_ITEM_RATIO and RETURNS: the seller's week-W dynamic norm,
-- the static one without items in W). Zero-denominator weeks still add their
-- numerators. REVIEWS repeats its week-W row. Rebuilt per week window, widened
-- by the five weeks after it whose pools include the window's weeks.
with counts as (
    select * from {{ ref('fct_seller_week_indicator_counts') }}
    where week_start >= {{ dbt.dateadd('day', -35, "cast('" ~ week_start_min() ~ "' as date)") }}
        and week_start < {{ dbt.dateadd('day', 35, "cast('" ~ week_start_max() ~ "' as date)") }}
),

platform_weeks as (
    select * from {{ ref('fct_platform_weeks') }}
),

weeks as (
    select * from {{ ref('int_weeks') }}
),

norms as (
    select * from {{ ref('service_norms') }}
),

dynamic_norms as (
    select * from {{ ref('int_dynamic_norms') }}
),

offsets as (
    select 0 as weeks_back union all select 1 union all select 2
    union all select 3 union all select 4 union all select 5
),

-- Each weekly count contributes to the six scoring weeks W = its week ... its week + 5.
pooled as (
    select
        counts.seller_id,
        counts.indicator,
        cast({{ dbt.dateadd('day', '7 * offsets.weeks_back', 'counts.week_start') }} as date) as week_start,
        sum(counts.numerator) as numerator_6w,
        sum(counts.denominator) as denominator_6w
    from counts
    cross join offsets
    group by 1, 2, 3
),

pooled_scores as (
    select
        pooled.seller_id,
        pooled.week_start,
        pooled.indicator,
        pooled.numerator_6w,
        pooled.denominator_6w,
        cast(pooled.numerator_6w as double) / pooled.denominator_6w as value_6w,
        norms.condition as norm_condition,
        {{ applicable_norm_value('pooled.indicator') }} as norm_value
    from pooled
    inner join platform_weeks
        on platform_weeks.week_start = pooled.week_start
    inner join norms
        on norms.indicator = pooled.indicator
        and pooled.week_start >= cast(norms.valid_from as date)
        and pooled.week_start <= cast(norms.valid_to as date)
    left join dynamic_norms
        on dynamic_norms.seller_id = pooled.seller_id
        and dynamic_norms.week_start = pooled.week_start
    where pooled.denominator_6w > 0
        and {{ in_week_window('pooled.week_start', 5) }}
),

review_scores as (
    select
        seller_id,
        week_start,
        indicator,
        numerator as numerator_6w,
        denominator as denominator_6w,
        value as value_6w,
        norm_condition,
        norm_value
    from {{ ref('seller_week_indicators') }}
    where indicator = 'REVIEWS'
        and {{ in_week_window('week_start', 5) }}
),

scores as (
    select * from pooled_scores
    union all
    select * from review_scores
),

final as (
    select
        scores.seller_id,
        scores.week_start,
        weeks.iso_year,
        weeks.iso_week,
        scores.indicator,
        cast(scores.numerator_6w as {{ dbt.type_bigint() }}) as numerator_6w,
        cast(scores.denominator_6w as {{ dbt.type_bigint() }}) as denominator_6w,
        scores.value_6w,
        scores.norm_condition,
        scores.norm_value,
        {{ meets_norm('scores.value_6w', 'scores.norm_condition', 'scores.norm_value') }} as conforms_6w,
        case
            when {{ meets_norm('scores.value_6w', 'scores.norm_condition', 'scores.norm_value') }}
                then 'GREEN'
            else 'RED'
        end as colour
    from scores
    inner join weeks
        on weeks.week_start = scores.week_start
)

select * from final
