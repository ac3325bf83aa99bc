{{ week_window_config() }}
-- The weekly verdict per seller, week and indicator (SPEC §4, §5, §9): value
-- against the norm version valid at week_start (for CASE_ITEM_RATIO and
-- RETURNS the seller's dynamic norm), breach (with the incident floor),
-- strike (strike-eligible, past GroeiStart, not neutralised by a NO_STRIKE
-- circumstance). A week with a zero denominator has no row. Rebuilt per week
-- window, like the facts it reads.
{{ seller_week_verdicts(
    counts=ref('fct_seller_week_indicator_counts'),
    reviews=ref('fct_seller_week_reviews'),
    dynamic_norms=ref('int_dynamic_norms'),
    measured_weeks=ref('fct_platform_weeks'),
) }}
