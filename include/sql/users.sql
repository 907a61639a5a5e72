-- Users seen in this interval's events, as of their latest event here, returned only when
-- that event is at least as new as the one the stored row came from. So the stored row is
-- always the user's latest event over every hour loaded, in whatever order hours arrive.
WITH interval_events AS (
    SELECT user_id, first_name, last_name, gender, level, ts, session_id, item_in_session
    FROM {{ table('staging_events') }}
    WHERE source_key = '{{ log_key(data_interval_start) }}'
      AND user_id <> ''
      AND {{ in_interval('ts') }}
),

ranked_events AS (
    SELECT
        interval_events.*,
        ROW_NUMBER() OVER (
            PARTITION BY user_id
            ORDER BY ts DESC, session_id DESC, item_in_session DESC, level, first_name, last_name
        ) AS recency
    FROM interval_events
)

SELECT
    latest.user_id,
    latest.first_name,
    latest.last_name,
    latest.gender,
    latest.level,
    latest.ts AS last_event_at
FROM ranked_events AS latest
LEFT JOIN {{ table('users') }} AS stored
    ON stored.user_id = latest.user_id
WHERE latest.recency = 1
  AND (stored.user_id IS NULL OR latest.ts >= stored.last_event_at)
