-- sparkify_etl: the statements sent to Redshift for the hour [2018-11-15 13:00, 14:00) UTC, in order. Credentials are masked.

-- task create_tables
BEGIN;
CREATE TABLE IF NOT EXISTS "staging_events" (
    artist          VARCHAR(1024),
    auth            VARCHAR(32),
    first_name      VARCHAR(256),
    gender          VARCHAR(16),
    item_in_session INTEGER          NOT NULL,
    last_name       VARCHAR(256),
    length          DOUBLE PRECISION,
    level           VARCHAR(16),
    location        VARCHAR(1024),
    method          VARCHAR(16),
    page            VARCHAR(64)      NOT NULL,
    registration    DOUBLE PRECISION,
    session_id      BIGINT           NOT NULL,
    song            VARCHAR(1024),
    status          INTEGER,
    ts              TIMESTAMP        NOT NULL,
    user_agent      VARCHAR(2048),
    user_id         VARCHAR(64)      NOT NULL,
    source_key      VARCHAR(1024)
)
DISTSTYLE EVEN
SORTKEY (source_key, ts);
CREATE TABLE IF NOT EXISTS "staging_songs" (
    num_songs        INTEGER,
    artist_id        VARCHAR(64)   NOT NULL,
    artist_latitude  DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION,
    artist_location  VARCHAR(1024),
    artist_name      VARCHAR(1024) NOT NULL,
    song_id          VARCHAR(64)   NOT NULL,
    title            VARCHAR(1024) NOT NULL,
    duration         DOUBLE PRECISION,
    year             INTEGER
)
DISTSTYLE ALL;
CREATE TABLE IF NOT EXISTS "songplays" (
    songplay_id VARCHAR(32)   NOT NULL PRIMARY KEY,
    start_time  TIMESTAMP     NOT NULL,
    user_id     VARCHAR(64),
    level       VARCHAR(16),
    song_id     VARCHAR(64),
    artist_id   VARCHAR(64),
    session_id  BIGINT,
    location    VARCHAR(1024),
    user_agent  VARCHAR(2048)
)
DISTKEY (user_id)
SORTKEY (start_time);
CREATE TABLE IF NOT EXISTS "users" (
    user_id       VARCHAR(64)  NOT NULL PRIMARY KEY,
    first_name    VARCHAR(256),
    last_name     VARCHAR(256),
    gender        VARCHAR(16),
    level         VARCHAR(16),
    last_event_at TIMESTAMP    NOT NULL
)
DISTSTYLE ALL
SORTKEY (user_id);
CREATE TABLE IF NOT EXISTS "songs" (
    song_id   VARCHAR(64)   NOT NULL PRIMARY KEY,
    title     VARCHAR(1024),
    artist_id VARCHAR(64),
    year      INTEGER,
    duration  DOUBLE PRECISION
)
DISTSTYLE ALL
SORTKEY (song_id);
CREATE TABLE IF NOT EXISTS "artists" (
    artist_id VARCHAR(64)   NOT NULL PRIMARY KEY,
    name      VARCHAR(1024),
    location  VARCHAR(1024),
    latitude  DOUBLE PRECISION,
    longitude DOUBLE PRECISION
)
DISTSTYLE ALL
SORTKEY (artist_id);
CREATE TABLE IF NOT EXISTS "time" (
    start_time TIMESTAMP NOT NULL PRIMARY KEY,
    hour       INTEGER   NOT NULL,
    day        INTEGER   NOT NULL,
    week       INTEGER   NOT NULL,
    month      INTEGER   NOT NULL,
    year       INTEGER   NOT NULL,
    weekday    INTEGER   NOT NULL
)
DISTKEY (start_time)
SORTKEY (start_time);
CREATE TABLE IF NOT EXISTS "staged_sources" (
    table_name  VARCHAR(128)  NOT NULL,
    source      VARCHAR(4096) NOT NULL,
    fingerprint VARCHAR(64)   NOT NULL,
    row_count   BIGINT        NOT NULL,
    PRIMARY KEY (table_name, source)
)
DISTSTYLE ALL;
CREATE TABLE IF NOT EXISTS "staged_source_uses" (
    table_name   VARCHAR(128)  NOT NULL,
    source       VARCHAR(4096) NOT NULL,
    last_used_at TIMESTAMP     NOT NULL,
    PRIMARY KEY (table_name, source)
)
DISTSTYLE ALL;
CREATE TABLE IF NOT EXISTS "loaded_intervals" (
    table_name     VARCHAR(128)  NOT NULL,
    interval_start TIMESTAMP     NOT NULL,
    interval_end   TIMESTAMP     NOT NULL,
    rows_loaded    BIGINT        NOT NULL,
    run_id         VARCHAR(256),
    loaded_at      TIMESTAMP     NOT NULL,
    PRIMARY KEY (table_name, interval_start)
)
SORTKEY (interval_start);
CREATE TABLE IF NOT EXISTS "quality_results" (
    interval_start TIMESTAMP     NOT NULL,
    interval_end   TIMESTAMP     NOT NULL,
    check_name     VARCHAR(128)  NOT NULL,
    value          DOUBLE PRECISION,
    comparison     VARCHAR(64)   NOT NULL,
    expected       DOUBLE PRECISION,
    passed         BOOLEAN       NOT NULL,
    on_failure     VARCHAR(8)    NOT NULL,
    run_id         VARCHAR(256),
    checked_at     TIMESTAMP     NOT NULL,
    PRIMARY KEY (interval_start, check_name)
)
SORTKEY (interval_start);
COMMIT;

-- task stage_events
BEGIN;
LOCK "staging_events";
SELECT column_name, data_type, character_maximum_length, is_nullable
        FROM information_schema.columns
        WHERE table_schema = COALESCE(NULL, current_schema()) AND table_name = 'staging_events'
        ORDER BY ordinal_position;
SELECT fingerprint, row_count FROM "staged_sources" WHERE table_name = 'staging_events' AND source = 's3://udacity-dend/log_data/2018/11/2018-11-15-events.json';
DELETE FROM "staging_events" WHERE "source_key" IN ('log_data/2018/11/2018-11-15-events.json');
SELECT SYSDATE;
COPY "staging_events" ("artist", "auth", "first_name", "gender", "item_in_session", "last_name", "length", "level", "location", "method", "page", "registration", "session_id", "song", "status", "ts", "user_agent", "user_id")
FROM 's3://udacity-dend/log_data/2018/11/2018-11-15-events.json'
IAM_ROLE '***'
FORMAT AS JSON 's3://udacity-dend/log_json_path.json'
TIMEFORMAT 'epochmillisecs'
REGION 'us-west-2'
COMPUPDATE OFF STATUPDATE OFF;
SELECT pg_last_copy_count();
UPDATE "staging_events" SET "source_key" = 'log_data/2018/11/2018-11-15-events.json' WHERE "source_key" IS NULL;
DELETE FROM "staged_sources" WHERE table_name = 'staging_events' AND source = 's3://udacity-dend/log_data/2018/11/2018-11-15-events.json';
INSERT INTO "staged_sources" (table_name, source, fingerprint, row_count) VALUES ('staging_events', 's3://udacity-dend/log_data/2018/11/2018-11-15-events.json', '92f76b70b5cc45afe4b973f9bcc28bdc2d7e0d500c789711ba1955c70a575c0d', '0');
DELETE FROM "staged_source_uses" WHERE table_name = 'staging_events' AND source = 's3://udacity-dend/log_data/2018/11/2018-11-15-events.json';
INSERT INTO "staged_source_uses" (table_name, source, last_used_at) VALUES ('staging_events', 's3://udacity-dend/log_data/2018/11/2018-11-15-events.json', '2018-11-15 14:00:00');
INSERT INTO "staged_source_uses" (table_name, source, last_used_at) SELECT table_name, source, '2018-11-15 14:00:00' FROM "staged_sources" AS records WHERE table_name = 'staging_events' AND NOT EXISTS (SELECT 1 FROM "staged_source_uses" AS uses WHERE uses.table_name = records.table_name AND uses.source = records.source);
SELECT source FROM "staged_source_uses" WHERE table_name = 'staging_events' AND last_used_at < '2018-11-08 14:00:00' ORDER BY source;
COMMIT;

-- task stage_songs
BEGIN;
LOCK "staging_songs";
SELECT column_name, data_type, character_maximum_length, is_nullable
        FROM information_schema.columns
        WHERE table_schema = COALESCE(NULL, current_schema()) AND table_name = 'staging_songs'
        ORDER BY ordinal_position;
SELECT fingerprint, row_count FROM "staged_sources" WHERE table_name = 'staging_songs' AND source = 's3://udacity-dend/song_data/';
DELETE FROM "staging_songs";
SELECT SYSDATE;
COPY "staging_songs" ("num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location", "artist_name", "song_id", "title", "duration", "year")
FROM 's3://udacity-dend/song_data/'
IAM_ROLE '***'
FORMAT AS JSON 'auto'
BLANKSASNULL
EMPTYASNULL
REGION 'us-west-2'
COMPUPDATE OFF STATUPDATE OFF;
SELECT pg_last_copy_count();
DELETE FROM "staged_sources" WHERE table_name = 'staging_songs' AND source = 's3://udacity-dend/song_data/';
INSERT INTO "staged_sources" (table_name, source, fingerprint, row_count) VALUES ('staging_songs', 's3://udacity-dend/song_data/', '9c2c588085ad285fadbb9a45881e6d83fba7f0be769a80e8f73ed267cc689e68', '0');
COMMIT;

-- task load_songplays_fact
BEGIN;
LOCK "songplays";
CREATE TEMP TABLE "incoming_rows" AS
-- The songplays of one data interval: one row per NextSong event whose ts falls in
-- [data_interval_start, data_interval_end), read from that interval's day file. Song and
-- artist come from the catalogue when title, artist name and duration all match, and stay
-- NULL otherwise: a play is never dropped because the catalogue lacks its song.
WITH interval_plays AS (
    SELECT *
    FROM "staging_events"
    WHERE source_key = 'log_data/2018/11/2018-11-15-events.json'
      AND page = 'NextSong'
      AND "ts" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "ts" < TIMESTAMP '2018-11-15 14:00:00.000000'
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
    FROM "staging_songs"
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
WHERE copy_number = 1;
SELECT * FROM "incoming_rows" LIMIT 0;
SELECT COUNT(*) FROM "incoming_rows" WHERE "start_time" IS NULL OR NOT ("start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "start_time" < TIMESTAMP '2018-11-15 14:00:00.000000');
DELETE FROM "songplays" WHERE "start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "start_time" < TIMESTAMP '2018-11-15 14:00:00.000000';
INSERT INTO "songplays" ("songplay_id", "start_time", "user_id", "level", "song_id", "artist_id", "session_id", "location", "user_agent") SELECT "songplay_id", "start_time", "user_id", "level", "song_id", "artist_id", "session_id", "location", "user_agent" FROM "incoming_rows";
DROP TABLE "incoming_rows";
DELETE FROM "loaded_intervals" WHERE table_name = 'songplays' AND interval_start = '2018-11-15 13:00:00';
INSERT INTO "loaded_intervals" (table_name, interval_start, interval_end, rows_loaded, run_id, loaded_at) SELECT 'songplays', '2018-11-15 13:00:00', '2018-11-15 14:00:00', COUNT(*), 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00' FROM "songplays" WHERE "start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "start_time" < TIMESTAMP '2018-11-15 14:00:00.000000';
SELECT EXTRACT(EPOCH FROM interval_start), EXTRACT(EPOCH FROM interval_end) FROM "loaded_intervals" WHERE table_name = 'songplays' AND interval_start >= '2018-11-15 00:00:00' AND interval_start < '2018-11-16 00:00:00';
COMMIT;

-- task load_user_dim
BEGIN;
LOCK "users";
CREATE TEMP TABLE "incoming_rows" AS
-- Users seen in this interval's events, as of their latest event here, returned only when
-- that event is at least as new as the one the stored row came from. So the stored row is
-- always the user's latest event over every hour loaded, in whatever order hours arrive.
WITH interval_events AS (
    SELECT user_id, first_name, last_name, gender, level, ts, session_id, item_in_session
    FROM "staging_events"
    WHERE source_key = 'log_data/2018/11/2018-11-15-events.json'
      AND user_id <> ''
      AND "ts" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "ts" < TIMESTAMP '2018-11-15 14:00:00.000000'
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
LEFT JOIN "users" AS stored
    ON stored.user_id = latest.user_id
WHERE latest.recency = 1
  AND (stored.user_id IS NULL OR latest.ts >= stored.last_event_at);
SELECT * FROM "incoming_rows" LIMIT 0;
SELECT (SELECT COUNT(*) FROM (SELECT "user_id" FROM "incoming_rows" GROUP BY "user_id" HAVING COUNT(*) > 1) AS repeated), (SELECT COUNT(*) FROM "incoming_rows" WHERE "user_id" IS NULL);
DELETE FROM "users" USING "incoming_rows" WHERE "users"."user_id" = "incoming_rows"."user_id";
INSERT INTO "users" ("user_id", "first_name", "last_name", "gender", "level", "last_event_at") SELECT "user_id", "first_name", "last_name", "gender", "level", "last_event_at" FROM "incoming_rows";
DROP TABLE "incoming_rows";
COMMIT;

-- task load_song_dim
BEGIN;
LOCK "songs";
CREATE TEMP TABLE "incoming_rows" AS
-- One row per song of the staged catalogue. A year of 0 means "unknown" in the catalogue.
WITH catalogue AS (
    SELECT
        song_id,
        title,
        artist_id,
        NULLIF(year, 0) AS year,
        duration,
        ROW_NUMBER() OVER (PARTITION BY song_id ORDER BY title, artist_id, duration) AS pick
    FROM "staging_songs"
)

SELECT song_id, title, artist_id, year, duration
FROM catalogue
WHERE pick = 1;
SELECT * FROM "incoming_rows" LIMIT 0;
SELECT (SELECT COUNT(*) FROM (SELECT "song_id" FROM "incoming_rows" GROUP BY "song_id" HAVING COUNT(*) > 1) AS repeated), (SELECT COUNT(*) FROM "incoming_rows" WHERE "song_id" IS NULL);
DELETE FROM "songs" USING "incoming_rows" WHERE "songs"."song_id" = "incoming_rows"."song_id";
INSERT INTO "songs" ("song_id", "title", "artist_id", "year", "duration") SELECT "song_id", "title", "artist_id", "year", "duration" FROM "incoming_rows";
DROP TABLE "incoming_rows";
COMMIT;

-- task load_artist_dim
BEGIN;
LOCK "artists";
CREATE TEMP TABLE "incoming_rows" AS
-- One row per artist of the staged catalogue. An artist's songs may disagree on location;
-- the row that knows the most wins (coordinates, then a location), ties broken by song_id.
WITH artist_rows AS (
    SELECT
        artist_id,
        artist_name AS name,
        artist_location AS location,
        artist_latitude AS latitude,
        artist_longitude AS longitude,
        ROW_NUMBER() OVER (
            PARTITION BY artist_id
            ORDER BY
                CASE WHEN artist_latitude IS NULL THEN 1 ELSE 0 END,
                CASE WHEN artist_location IS NULL THEN 1 ELSE 0 END,
                song_id
        ) AS pick
    FROM "staging_songs"
)

SELECT artist_id, name, location, latitude, longitude
FROM artist_rows
WHERE pick = 1;
SELECT * FROM "incoming_rows" LIMIT 0;
SELECT (SELECT COUNT(*) FROM (SELECT "artist_id" FROM "incoming_rows" GROUP BY "artist_id" HAVING COUNT(*) > 1) AS repeated), (SELECT COUNT(*) FROM "incoming_rows" WHERE "artist_id" IS NULL);
DELETE FROM "artists" USING "incoming_rows" WHERE "artists"."artist_id" = "incoming_rows"."artist_id";
INSERT INTO "artists" ("artist_id", "name", "location", "latitude", "longitude") SELECT "artist_id", "name", "location", "latitude", "longitude" FROM "incoming_rows";
DROP TABLE "incoming_rows";
COMMIT;

-- task load_time_dim
BEGIN;
LOCK "time";
CREATE TEMP TABLE "incoming_rows" AS
-- One row per distinct start_time of this interval's songplays, broken into calendar parts.
-- week is the ISO week; weekday counts from 0 = Sunday.
WITH play_times AS (
    SELECT DISTINCT start_time
    FROM "songplays"
    WHERE "start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "start_time" < TIMESTAMP '2018-11-15 14:00:00.000000'
)

SELECT
    start_time,
    CAST(EXTRACT(HOUR FROM start_time) AS INTEGER) AS hour,
    CAST(EXTRACT(DAY FROM start_time) AS INTEGER) AS day,
    CAST(EXTRACT(WEEK FROM start_time) AS INTEGER) AS week,
    CAST(EXTRACT(MONTH FROM start_time) AS INTEGER) AS month,
    CAST(EXTRACT(YEAR FROM start_time) AS INTEGER) AS year,
    CAST(EXTRACT(DOW FROM start_time) AS INTEGER) AS weekday
FROM play_times;
SELECT * FROM "incoming_rows" LIMIT 0;
SELECT (SELECT COUNT(*) FROM (SELECT "start_time" FROM "incoming_rows" GROUP BY "start_time" HAVING COUNT(*) > 1) AS repeated), (SELECT COUNT(*) FROM "incoming_rows" WHERE "start_time" IS NULL);
DELETE FROM "time" USING "incoming_rows" WHERE "time"."start_time" = "incoming_rows"."start_time";
INSERT INTO "time" ("start_time", "hour", "day", "week", "month", "year", "weekday") SELECT "start_time", "hour", "day", "week", "month", "year", "weekday" FROM "incoming_rows";
DROP TABLE "incoming_rows";
COMMIT;

-- task run_quality_checks
BEGIN;
SELECT
  (SELECT COUNT(*) FROM "songplays"
    WHERE "start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "start_time" < TIMESTAMP '2018-11-15 14:00:00.000000')
  -
  (SELECT COUNT(*) FROM (
    SELECT DISTINCT user_id, session_id, item_in_session, ts
    FROM "staging_events"
    WHERE source_key = 'log_data/2018/11/2018-11-15-events.json'
      AND page = 'NextSong'
      AND "ts" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "ts" < TIMESTAMP '2018-11-15 14:00:00.000000') AS staged_plays);
SELECT COUNT(*) FROM "songplays"
WHERE "start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "start_time" < TIMESTAMP '2018-11-15 14:00:00.000000'
  AND (songplay_id IS NULL OR user_id IS NULL);
SELECT COUNT(*) - COUNT(DISTINCT songplay_id) FROM "songplays"
WHERE "start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "start_time" < TIMESTAMP '2018-11-15 14:00:00.000000';
SELECT COUNT(*) FROM "songplays" AS plays
LEFT JOIN "users" AS users ON users.user_id = plays.user_id
WHERE "plays"."start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "plays"."start_time" < TIMESTAMP '2018-11-15 14:00:00.000000'
  AND users.user_id IS NULL;
SELECT COUNT(*) FROM "songplays" AS plays
LEFT JOIN "time" AS t ON t.start_time = plays.start_time
WHERE "plays"."start_time" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "plays"."start_time" < TIMESTAMP '2018-11-15 14:00:00.000000'
  AND t.start_time IS NULL;
SELECT LEAST(
  (SELECT COUNT(*) FROM "songs"),
  (SELECT COUNT(*) FROM "artists"));
SELECT
  (SELECT COUNT(*) FROM "users" WHERE user_id IS NULL)
  + (SELECT COUNT(*) FROM "songs" WHERE song_id IS NULL)
  + (SELECT COUNT(*) FROM "artists" WHERE artist_id IS NULL)
  + (SELECT COUNT(*) FROM "time" WHERE start_time IS NULL);
SELECT
  (SELECT COUNT(*) - COUNT(DISTINCT user_id) FROM "users")
  + (SELECT COUNT(*) - COUNT(DISTINCT song_id) FROM "songs")
  + (SELECT COUNT(*) - COUNT(DISTINCT artist_id) FROM "artists")
  + (SELECT COUNT(*) - COUNT(DISTINCT start_time) FROM "time");
SELECT COUNT(*) FROM (
  SELECT user_id, MAX(ts) AS latest_ts FROM "staging_events"
  WHERE source_key = 'log_data/2018/11/2018-11-15-events.json'
    AND user_id <> ''
    AND "ts" >= TIMESTAMP '2018-11-15 13:00:00.000000' AND "ts" < TIMESTAMP '2018-11-15 14:00:00.000000'
  GROUP BY user_id) AS seen
LEFT JOIN "users" AS users ON users.user_id = seen.user_id
WHERE users.user_id IS NULL OR users.last_event_at < seen.latest_ts;
SELECT COUNT(*) FROM "staging_events"
WHERE source_key = 'log_data/2018/11/2018-11-15-events.json'
  AND NOT ("ts" >= TIMESTAMP '2018-11-15 00:00:00.000000' AND "ts" < TIMESTAMP '2018-11-16 00:00:00.000000');
COMMIT;
BEGIN;
LOCK "quality_results";
DELETE FROM "quality_results" WHERE interval_start = '2018-11-15 13:00:00';
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'songplays_match_staged_plays', '0.0', 'equal_to', '0.0', 'true', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'songplays_keys_not_null', '0.0', 'equal_to', '0.0', 'true', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'songplays_ids_unique', '0.0', 'equal_to', '0.0', 'true', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'songplays_users_exist', '0.0', 'equal_to', '0.0', 'true', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'songplays_times_exist', '0.0', 'equal_to', '0.0', 'true', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'catalogue_not_empty', '0.0', 'greater_than', '0.0', 'false', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'dimension_keys_not_null', '0.0', 'equal_to', '0.0', 'true', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'dimension_keys_unique', '0.0', 'equal_to', '0.0', 'true', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'interval_users_loaded', '0.0', 'equal_to', '0.0', 'true', 'fail', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
INSERT INTO "quality_results" (interval_start, interval_end, check_name, value, comparison, expected, passed, on_failure, run_id, checked_at) VALUES ('2018-11-15 13:00:00', '2018-11-15 14:00:00', 'events_in_their_day_file', '0.0', 'equal_to', '0.0', 'true', 'warn', 'scheduled__2018-11-15T13:00:00+00:00', '2018-11-15 14:00:00');
COMMIT;
