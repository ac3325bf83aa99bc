{{ week_window_config() }}
-- REVIEWS per seller and week (SPEC §4, §12): the reviews submitted in the
-- three calendar months up to the end of the week (local dates in
-- [end - 3 months, end), end = week_start + 7 days); with fewer than 5 there,
-- every review dated before the end. One row per spine week from the seller's
-- first review on; numerator = sum of grades, denominator = count.
-- One pass over the reviews: those from the window's first three-month start
-- on are counted per day, the older ones (needed by the fallback alone) as
-- one group per seller (`recent_date` NULL), so a weekly run does not group
-- the whole history by day.
{{ seller_week_reviews() }}
