-- The day's most played songs, best first.
SELECT title, artist_name, plays
FROM {{ table('daily_top_songs') }}
WHERE report_date = {{ run_date() }}
ORDER BY play_rank
