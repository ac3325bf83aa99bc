{{ week_window_config() }}
-- Numerator and denominator per seller, week and indicator (all weekly
-- indicators but REVIEWS), after EXCLUDE_EVENTS circumstances (SPEC §4, §8).
-- The events are those of macros/rules/indicator_events.sql, which the incidents
-- and the week in progress read too; each carries the date its circumstances
-- are matched on. Rows with a zero denominator are kept: their numerator
-- events still count in the six-week pools. Rebuilt per week window
-- [week_start_min, week_start_max).
{{ seller_week_indicator_counts() }}
