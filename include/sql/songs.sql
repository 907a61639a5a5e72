-- One row per song of the staged catalogue. A year of 0 means "unknown" in the catalogue.
WITH catalogue AS (
    SELECT
        song_id,
        title,
        artist_id,
        NULLIF(year, 0) AS year,
        duration,
        ROW_NUMBER() OVER (PARTITION BY song_id ORDER BY title, artist_id, duration) AS pick
    FROM {{ table('staging_songs') }}
)

SELECT song_id, title, artist_id, year, duration
FROM catalogue
WHERE pick = 1
