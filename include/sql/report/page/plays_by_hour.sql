-- Paid and free plays in each hour of the day that had any.
SELECT hour_of_day, paid_plays, free_plays
FROM {{ table('daily_plays_by_hour') }}
WHERE report_date = {{ run_date() }}
ORDER BY hour_of_day
