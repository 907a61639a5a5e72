-- The quality checks that did not pass in the day's hours, hour by hour.
SELECT
    EXTRACT(HOUR FROM interval_start) AS hour_of_day,
    check_name,
    value,
    comparison,
    expected,
    on_failure
FROM {{ table('quality_results') }}
WHERE {{ in_interval('interval_start') }}
  AND NOT passed
ORDER BY interval_start, check_name
