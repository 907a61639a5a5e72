-- The day's totals, as build_daily_plays wrote them: no row means the day was not built.
SELECT plays, listeners, paid_plays, free_plays, paid_listeners, free_listeners, matched_plays
FROM {{ table('daily_plays') }}
WHERE report_date = {{ run_date() }}
