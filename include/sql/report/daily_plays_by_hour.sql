-- Plays in each hour of the run's UTC day that had any, paid against free.
WITH day_plays AS (
    SELECT
        CAST(EXTRACT(HOUR FROM start_time) AS INTEGER) AS hour_of_day,
        level
    FROM {{ table('songplays') }}
    WHERE {{ in_interval('start_time') }}
)

SELECT
    {{ run_date() }} AS report_date,
    hour_of_day,
    COUNT(*) AS plays,
    SUM(CASE WHEN level = 'paid' THEN 1 ELSE 0 END) AS paid_plays,
    SUM(CASE WHEN level = 'free' THEN 1 ELSE 0 END) AS free_plays
FROM day_plays
GROUP BY hour_of_day
