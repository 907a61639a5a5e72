-- The songplays of one data interval: one row per NextSong event whose ts falls in
-- [data_interval_start, data_interval_end), read from that interval's day file. Song and
-- artist come from the catalogue when title, artist name and duration all match, and stay
-- NULL otherwise: a play is never dropped because the catalogue lacks its song.
WITH interval_plays AS (
    SELECT *
    FROM {{ table('staging_events') }}
    WHERE source_key = '{{ log_key(data_interval_start) }}'
      AND page = 'NextSong'
      AND {{ in_interval('ts') }}
),

-- One catalogue entry per (title, artist, duration), so a play matches at most one song.
catalogue AS (
    SELECT
        song_id,
        artist_id,
        title,
        artist_name,
        duration,
        ROW_NUMBER() OVER (
            PARTITION BY title, artist_name, duration ORDER BY song_id, artist_id
        ) AS pick
    FROM {{ table('staging_songs') }}
),

plays AS (
    SELECT
        MD5(
            plays.user_id
            || '|' || CAST(plays.session_id AS VARCHAR(20))
            || '|' || CAST(plays.item_in_session AS VARCHAR(20))
            || '|' || TO_CHAR(plays.ts, 'YYYY-MM-DD HH24:MI:SS.MS')
        ) AS songplay_id,
        plays.ts AS start_time,
        NULLIF(plays.user_id, '') AS user_id,
        plays.level,
        catalogue.song_id,
        catalogue.artist_id,
        plays.session_id,
        plays.location,
        plays.user_agent
    FROM interval_plays AS plays
    LEFT JOIN catalogue
        ON catalogue.pick = 1
        AND catalogue.title = plays.song
        AND catalogue.artist_name = plays.artist
        AND catalogue.duration = plays.length
),

-- The same event logged twice is one songplay.
distinct_plays AS (
    SELECT
        plays.*,
        ROW_NUMBER() OVER (
            PARTITION BY songplay_id ORDER BY level, location, user_agent
        ) AS copy_number
    FROM plays
)

SELECT
    songplay_id,
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    location,
    user_agent
FROM distinct_plays
WHERE copy_number = 1
