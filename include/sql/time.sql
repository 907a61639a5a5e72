-- One row per distinct start_time of this interval's songplays, broken into calendar parts.
-- week is the ISO week; weekday counts from 0 = Sunday.
WITH play_times AS (
    SELECT DISTINCT start_time
    FROM {{ table('songplays') }}
    WHERE {{ in_interval('start_time') }}
)

SELECT
    start_time,
    CAST(EXTRACT(HOUR FROM start_time) AS INTEGER) AS hour,
    CAST(EXTRACT(DAY FROM start_time) AS INTEGER) AS day,
    CAST(EXTRACT(WEEK FROM start_time) AS INTEGER) AS week,
    CAST(EXTRACT(MONTH FROM start_time) AS INTEGER) AS month,
    CAST(EXTRACT(YEAR FROM start_time) AS INTEGER) AS year,
    CAST(EXTRACT(DOW FROM start_time) AS INTEGER) AS weekday
FROM play_times
