-- Numerator and denominator per seller, week in progress and indicator (all
-- but REVIEWS), from what has landed so far, by the rules of the weekly counts
-- (macros/rules/indicator_events.sql), with the run's moment where the rules use the
-- cut-off (macros/time/provisional.sql). Rebuilt whole each run: a week or two.
{{ config(materialized='table') }}
{{ seller_week_indicator_counts(weeks=provisional_weeks(), as_of=provisional_as_of_local()) }}
