-- The day's most played artists, best first.
SELECT name, plays, listeners
FROM {{ table('daily_top_artists') }}
WHERE report_date = {{ run_date() }}
ORDER BY play_rank
