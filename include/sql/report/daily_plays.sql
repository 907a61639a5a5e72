-- One row for the run's UTC day: plays and listeners, paid against free, and how many plays
-- matched a song of the catalogue. A day without plays still gets its row, of zeros.
WITH day_plays AS (
    SELECT user_id, level, song_id
    FROM {{ table('songplays') }}
    WHERE {{ in_interval('start_time') }}
)

SELECT
    {{ run_date() }} AS report_date,
    COUNT(*) AS plays,
    COUNT(DISTINCT user_id) AS listeners,
    COALESCE(SUM(CASE WHEN level = 'paid' THEN 1 ELSE 0 END), 0) AS paid_plays,
    COALESCE(SUM(CASE WHEN level = 'free' THEN 1 ELSE 0 END), 0) AS free_plays,
    COUNT(DISTINCT CASE WHEN level = 'paid' THEN user_id END) AS paid_listeners,
    COUNT(DISTINCT CASE WHEN level = 'free' THEN user_id END) AS free_listeners,
    COUNT(song_id) AS matched_plays
FROM day_plays
