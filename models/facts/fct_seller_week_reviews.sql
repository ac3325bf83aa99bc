{{ week_window_config() }}
-- REVIEWS per seller and week (SPEC §4, §12): the reviews submitted in the
-- three calendar months up to the end of the week (local dates in
-- [end - 3 months, end), end = week_start + 7 days); with fewer than 5 there,
-- every review dated before the end. One row per spine week from the seller's
-- first review on; numerator = sum of grades, denominator = count.
with reviews as (
    select * from {{ ref('int_reviews') }}
),

first_review as (
    select seller_id, min(submitted_week) as first_week
    from reviews
    group by seller_id
),

seller_weeks as (
    select
        first_review.seller_id,
        weeks.week_start,
        cast({{ dbt.dateadd('day', 7, 'weeks.week_start') }} as date) as window_end,
        cast({{ dbt.dateadd('month', -3, dbt.dateadd('day', 7, 'weeks.week_start')) }} as date) as window_start
    from first_review
    inner join {{ ref('fct_platform_weeks') }} as weeks
        on weeks.week_start >= first_review.first_week
    where {{ in_week_window('weeks.week_start') }}
),

daily as (
    select
        seller_id,
        submitted_date,
        count(*) as reviews,
        sum(grade) as grade_sum
    from reviews
    group by seller_id, submitted_date
),

windowed as (
    select
        seller_weeks.seller_id,
        seller_weeks.week_start,
        sum(case when daily.submitted_date >= seller_weeks.window_start then daily.reviews else 0 end) as reviews_3m,
        sum(case when daily.submitted_date >= seller_weeks.window_start then daily.grade_sum else 0 end) as grade_sum_3m,
        sum(daily.reviews) as reviews_all,
        sum(daily.grade_sum) as grade_sum_all
    from seller_weeks
    inner join daily
        on daily.seller_id = seller_weeks.seller_id
        and daily.submitted_date < seller_weeks.window_end
    group by seller_weeks.seller_id, seller_weeks.week_start
),

final as (
    select
        seller_id,
        week_start,
        'REVIEWS' as indicator,
        cast(case when reviews_3m >= 5 then grade_sum_3m else grade_sum_all end as {{ dbt.type_bigint() }}) as numerator,
        cast(case when reviews_3m >= 5 then reviews_3m else reviews_all end as {{ dbt.type_bigint() }}) as denominator
    from windowed
)

select * from final
