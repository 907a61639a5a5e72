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
    FROM {{ table('staging_songs') }}
)

SELECT artist_id, name, location, latitude, longitude
FROM artist_rows
WHERE pick = 1
