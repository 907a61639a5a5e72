-- The run's UTC day's ten most played artists of the catalogue, with how many listeners each
-- had; ties go to the smaller artist_id, so a rebuilt day ranks the same.
WITH artist_plays AS (
    SELECT artist_id, COUNT(*) AS plays, COUNT(DISTINCT user_id) AS listeners
    FROM {{ table('songplays') }}
    WHERE {{ in_interval('start_time') }} AND artist_id IS NOT NULL
    GROUP BY artist_id
),

ranked AS (
    SELECT
        artist_id,
        plays,
        listeners,
        ROW_NUMBER() OVER (ORDER BY plays DESC, artist_id) AS play_rank
    FROM artist_plays
)

SELECT
    {{ run_date() }} AS report_date,
    ranked.play_rank,
    ranked.artist_id,
    artists.name,
    ranked.plays,
    ranked.listeners
FROM ranked
LEFT JOIN {{ table('artists') }} AS artists ON artists.artist_id = ranked.artist_id
WHERE ranked.play_rank <= 10
