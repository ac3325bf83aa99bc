-- Monthly NPS per seller (SPEC §4, §12): 100 x (promoters 9-10 - detractors
-- 0-6) / responses, by the month of the local response date; reliable from 25
-- responses; judged against the norm version valid at the month's start
-- (conforms ignores reliability). Circumstances never affect NPS.
with responses as (
    select nps.*
    from {{ ref('stg_raw__nps_responses') }} as nps
    inner join {{ ref('int_sellers') }} as sellers
        on sellers.seller_id = nps.seller_id
),

norms as (
    select * from {{ ref('service_norms') }}
    where indicator = 'NPS'
),

monthly as (
    select
        seller_id,
        cast({{ dbt.date_trunc('month', 'responded_date') }} as date) as month_start,
        count(*) as responses,
        sum(case when score >= 9 then 1 else 0 end) as promoters,
        sum(case when score <= 6 then 1 else 0 end) as detractors
    from responses
    group by 1, 2
),

final as (
    select
        monthly.seller_id,
        monthly.month_start,
        cast(monthly.responses as {{ dbt.type_bigint() }}) as responses,
        cast(monthly.promoters as {{ dbt.type_bigint() }}) as promoters,
        cast(monthly.detractors as {{ dbt.type_bigint() }}) as detractors,
        cast(monthly.responses - monthly.promoters - monthly.detractors as {{ dbt.type_bigint() }}) as passives,
        cast(100 * (monthly.promoters - monthly.detractors) as double) / monthly.responses as nps,
        monthly.responses >= 25 as reliable,
        norms.condition as norm_condition,
        norms.norm_value,
        cast(100 * (monthly.promoters - monthly.detractors) as double) / monthly.responses >= norms.norm_value as conforms
    from monthly
    inner join norms
        on monthly.month_start >= cast(norms.valid_from as date)
        and monthly.month_start <= cast(norms.valid_to as date)
)

select * from final
