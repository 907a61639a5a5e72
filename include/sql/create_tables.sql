-- The Sparkify warehouse: two staging tables, the songplays fact and four dimensions.
-- Rendered for the connection's dialect: Redshift gets distribution and sort keys, PostgreSQL
-- an advisory lock so that parallel runs creating the tables do not race.
{% if dialect == 'postgres' %}
SELECT pg_advisory_xact_lock(7468021);
{% endif %}

-- Raw events as the app logs them (JSONPaths order), one day file at a time. source_key
-- records the object each row came from, so a stage replaces only its own objects' rows.
CREATE TABLE IF NOT EXISTS {{ table('staging_events') }} (
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
){% if dialect == 'redshift' %}
DISTSTYLE EVEN
SORTKEY (source_key, ts){% endif %};

-- The song catalogue, one row per song object ('auto' mapping: columns named as the keys).
CREATE TABLE IF NOT EXISTS {{ table('staging_songs') }} (
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
){% if dialect == 'redshift' %}
DISTSTYLE ALL{% endif %};

-- One row per NextSong event. songplay_id is an md5 of user, session, item and time, so a
-- re-run computes the same ids. Sorted by start_time: every load and most queries range on it.
CREATE TABLE IF NOT EXISTS {{ table('songplays') }} (
    songplay_id VARCHAR(32)   NOT NULL PRIMARY KEY,
    start_time  TIMESTAMP     NOT NULL,
    user_id     VARCHAR(64),
    level       VARCHAR(16),
    song_id     VARCHAR(64),
    artist_id   VARCHAR(64),
    session_id  BIGINT,
    location    VARCHAR(1024),
    user_agent  VARCHAR(2048)
){% if dialect == 'redshift' %}
DISTKEY (user_id)
SORTKEY (start_time){% endif %};

-- Users, as of their latest event. last_event_at lets a load keep the newest state whatever
-- order hours are loaded in. Small: a copy on every node.
CREATE TABLE IF NOT EXISTS {{ table('users') }} (
    user_id       VARCHAR(64)  NOT NULL PRIMARY KEY,
    first_name    VARCHAR(256),
    last_name     VARCHAR(256),
    gender        VARCHAR(16),
    level         VARCHAR(16),
    last_event_at TIMESTAMP    NOT NULL
){% if dialect == 'redshift' %}
DISTSTYLE ALL
SORTKEY (user_id){% endif %};

CREATE TABLE IF NOT EXISTS {{ table('songs') }} (
    song_id   VARCHAR(64)   NOT NULL PRIMARY KEY,
    title     VARCHAR(1024),
    artist_id VARCHAR(64),
    year      INTEGER,
    duration  DOUBLE PRECISION
){% if dialect == 'redshift' %}
DISTSTYLE ALL
SORTKEY (song_id){% endif %};

CREATE TABLE IF NOT EXISTS {{ table('artists') }} (
    artist_id VARCHAR(64)   NOT NULL PRIMARY KEY,
    name      VARCHAR(1024),
    location  VARCHAR(1024),
    latitude  DOUBLE PRECISION,
    longitude DOUBLE PRECISION
){% if dialect == 'redshift' %}
DISTSTYLE ALL
SORTKEY (artist_id){% endif %};

-- One row per distinct songplays start_time. It grows with the fact, so it is distributed
-- and sorted on start_time like songplays' range scans rather than copied to every node.
CREATE TABLE IF NOT EXISTS {{ table('time') }} (
    start_time TIMESTAMP NOT NULL PRIMARY KEY,
    hour       INTEGER   NOT NULL,
    day        INTEGER   NOT NULL,
    week       INTEGER   NOT NULL,
    month      INTEGER   NOT NULL,
    year       INTEGER   NOT NULL,
    weekday    INTEGER   NOT NULL
){% if dialect == 'redshift' %}
DISTKEY (start_time)
SORTKEY (start_time){% endif %};
-- Bookkeeping for stages with skip_unchanged (the song catalogue): the fingerprint of the
-- listing each one last loaded, so an unchanged source is not loaded again.
CREATE TABLE IF NOT EXISTS {{ table('staged_sources') }} (
    table_name  VARCHAR(128)  NOT NULL,
    source      VARCHAR(4096) NOT NULL,
    fingerprint VARCHAR(64)   NOT NULL,
    row_count   BIGINT        NOT NULL,
    PRIMARY KEY (table_name, source)
){% if dialect == 'redshift' %}
DISTSTYLE ALL{% endif %};

-- Bookkeeping for stages with staging retention (the day files): when each source was last
-- staged or kept, so that a source unused for longer than the retention can be pruned.
CREATE TABLE IF NOT EXISTS {{ table('staged_source_uses') }} (
    table_name   VARCHAR(128)  NOT NULL,
    source       VARCHAR(4096) NOT NULL,
    last_used_at TIMESTAMP     NOT NULL,
    PRIMARY KEY (table_name, source)
){% if dialect == 'redshift' %}
DISTSTYLE ALL{% endif %};

-- Which intervals of a fact table are loaded: written in the load's own transaction and
-- replaced when the interval is reloaded. The hourly load announces a day as complete from it.
CREATE TABLE IF NOT EXISTS {{ table('loaded_intervals') }} (
    table_name     VARCHAR(128)  NOT NULL,
    interval_start TIMESTAMP     NOT NULL,
    interval_end   TIMESTAMP     NOT NULL,
    rows_loaded    BIGINT        NOT NULL,
    run_id         VARCHAR(256),
    loaded_at      TIMESTAMP     NOT NULL,
    PRIMARY KEY (table_name, interval_start)
){% if dialect == 'redshift' %}
SORTKEY (interval_start){% endif %};

-- Every quality check's result for every interval (replaced when the interval is re-run), so
-- that a person can chart a check over time.
CREATE TABLE IF NOT EXISTS {{ table('quality_results') }} (
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
){% if dialect == 'redshift' %}
SORTKEY (interval_start){% endif %};
{% if dialect == 'postgres' %}

-- PostgreSQL has no sort keys; these indexes do their work. An hour's loads read one hour of
-- staging_events: a BRIN index on ts skips the blocks of other hours and days (a day file's
-- rows are written in time order) and costs the COPY almost nothing to keep. songplays'
-- start_time index serves the fact's replacement of its interval and the time load.
CREATE INDEX IF NOT EXISTS staging_events_ts_brin ON {{ table('staging_events') }} USING brin (ts);
CREATE INDEX IF NOT EXISTS songplays_start_time ON {{ table('songplays') }} (start_time);
{% endif %}
