-- The dynamic norms of the weeks in progress (macros/rules/dynamic_norms.sql, the
-- rules of int_dynamic_norms): the previous month's ratios, the seller's items
-- landed so far. Rebuilt whole each run.
{{ config(materialized='table') }}
{{ dynamic_norms(weeks=provisional_weeks()) }}
