-- REVIEWS per seller and week in progress (macros/rules/reviews.sql, the rules of
-- fct_seller_week_reviews) from the reviews landed so far. Rebuilt whole each run.
{{ config(materialized='table') }}
{{ seller_week_reviews(weeks=provisional_weeks()) }}
