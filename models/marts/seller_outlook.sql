-- What each seller faces, per indicator, as of the latest finalised week (the
-- platform's last measured week): the six-week score against its norm, what
-- it takes to conform next week and to bring the six-week score back to the
-- norm, the risk of a strike next week, and how far the improvement
-- trajectory is from closure or completion. The figures and the risk model:
-- macros/rules/outlook.sql and docs/metrics.md. Rebuilt whole every run (one row per
-- seller and indicator).
with {{ seller_outlook_ctes(
    "select max(week_start) as week_start from " ~ ref('fct_platform_weeks')
) }}

select * from outlook
