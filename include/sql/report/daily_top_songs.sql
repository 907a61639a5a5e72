-- The run's UTC day's ten most played songs of the catalogue (plays that matched no song are
-- not ranked); ties go to the smaller song_id, so a rebuilt day ranks the same.
WITH song_plays AS (
    SELECT song_id, COUNT(*) AS plays
    FROM {{ table('songplays') }}
    WHERE {{ in_interval('start_time') }} AND song_id IS NOT NULL
    GROUP BY song_id
),

ranked AS (
    SELECT song_id, plays, ROW_NUMBER() OVER (ORDER BY plays DESC, song_id) AS play_rank
    FROM song_plays
)

SELECT
    {{ run_date() }} AS report_date,
    ranked.play_rank,
    ranked.song_id,
    songs.title,
    artists.name AS artist_name,
    ranked.plays
FROM ranked
LEFT JOIN {{ table('songs') }} AS songs ON songs.song_id = ranked.song_id
LEFT JOIN {{ table('artists') }} AS artists ON artists.artist_id = songs.artist_id
WHERE ranked.play_rank <= 10
