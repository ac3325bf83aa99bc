{#- REVIEWS per seller and week, as fct_seller_week_reviews documents it: for
    the measured weeks of the run's window (`weeks` none), or for `weeks`
    ([first, end) as SQL dates: the week in progress, int_provisional_week_reviews). -#}
{% macro seller_week_reviews(weeks=none) -%}
{%- set first = weeks[0] if weeks is not none else "cast('" ~ week_start_min() ~ "' as date)" %}
{%- set recent_from = "cast(" ~ dbt.dateadd('month', -3, dbt.dateadd('day', 7, first)) ~ " as date)" %}
{%- set recent_date = "case when submitted_date >= " ~ recent_from ~ " then submitted_date end" %}
with daily as (
    select
        seller_id,
        {{ recent_date }} as recent_date,
        min(submitted_week) as first_week,
        count(*) as reviews,
        sum(grade) as grade_sum
    from {{ ref('int_reviews') }}
    group by seller_id, {{ recent_date }}
),

per_seller as (
    select
        seller_id,
        min(first_week) as first_week,
        coalesce(sum(case when recent_date is null then reviews end), 0) as reviews_before,
        coalesce(sum(case when recent_date is null then grade_sum end), 0) as grade_sum_before
    from daily
    group by seller_id
),

seller_weeks as (
    select
        per_seller.seller_id,
        per_seller.reviews_before,
        per_seller.grade_sum_before,
        weeks.week_start,
        cast({{ dbt.dateadd('day', 7, 'weeks.week_start') }} as date) as window_end,
        cast({{ dbt.dateadd('month', -3, dbt.dateadd('day', 7, 'weeks.week_start')) }} as date) as window_start
    from per_seller
    inner join {{ ref('fct_platform_weeks') if weeks is none else ref('int_weeks') }} as weeks
        on weeks.week_start >= per_seller.first_week
    where {{ in_event_weeks('weeks.week_start', weeks) }}
),

-- A window week's three-month start is never before `recent_from`.
windowed as (
    select
        seller_weeks.seller_id,
        seller_weeks.week_start,
        coalesce(sum(case when daily.recent_date >= seller_weeks.window_start then daily.reviews end), 0)
            as reviews_3m,
        coalesce(sum(case when daily.recent_date >= seller_weeks.window_start then daily.grade_sum end), 0)
            as grade_sum_3m,
        max(seller_weeks.reviews_before) + coalesce(sum(daily.reviews), 0) as reviews_all,
        max(seller_weeks.grade_sum_before) + coalesce(sum(daily.grade_sum), 0) as grade_sum_all
    from seller_weeks
    -- left: a seller's reviews may all be older than `recent_from`
    left join daily
        on daily.seller_id = seller_weeks.seller_id
        and daily.recent_date < seller_weeks.window_end
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

select
    *,
    '{{ invocation_id }}' as _invocation_id
from final
{%- endmacro %}
