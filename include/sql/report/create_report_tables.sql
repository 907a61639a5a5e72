-- The daily report's tables: one set of rows per UTC day, replaced when the day is rebuilt.
CREATE TABLE IF NOT EXISTS {{ table('daily_plays') }} (
    report_date    DATE   NOT NULL PRIMARY KEY,
    plays          BIGINT NOT NULL,
    listeners      BIGINT NOT NULL,
    paid_plays     BIGINT NOT NULL,
    free_plays     BIGINT NOT NULL,
    paid_listeners BIGINT NOT NULL,
    free_listeners BIGINT NOT NULL,
    matched_plays  BIGINT NOT NULL
){% if dialect == 'redshift' %}
DISTSTYLE ALL
SORTKEY (report_date){% endif %};

CREATE TABLE IF NOT EXISTS {{ table('daily_plays_by_hour') }} (
    report_date DATE    NOT NULL,
    hour_of_day INTEGER NOT NULL,
    plays       BIGINT  NOT NULL,
    paid_plays  BIGINT  NOT NULL,
    free_plays  BIGINT  NOT NULL,
    PRIMARY KEY (report_date, hour_of_day)
){% if dialect == 'redshift' %}
DISTSTYLE ALL
SORTKEY (report_date){% endif %};

CREATE TABLE IF NOT EXISTS {{ table('daily_top_songs') }} (
    report_date DATE          NOT NULL,
    play_rank   INTEGER       NOT NULL,
    song_id     VARCHAR(64)   NOT NULL,
    title       VARCHAR(1024),
    artist_name VARCHAR(1024),
    plays       BIGINT        NOT NULL,
    PRIMARY KEY (report_date, play_rank)
){% if dialect == 'redshift' %}
DISTSTYLE ALL
SORTKEY (report_date){% endif %};

CREATE TABLE IF NOT EXISTS {{ table('daily_top_artists') }} (
    report_date DATE          NOT NULL,
    play_rank   INTEGER       NOT NULL,
    artist_id   VARCHAR(64)   NOT NULL,
    name        VARCHAR(1024),
    plays       BIGINT        NOT NULL,
    listeners   BIGINT        NOT NULL,
    PRIMARY KEY (report_date, play_rank)
){% if dialect == 'redshift' %}
DISTSTYLE ALL
SORTKEY (report_date){% endif %};
