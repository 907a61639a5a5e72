"""Where Sparkify's data lives under the source root, as in s3://udacity-dend.

- ``song_data/``: the catalogue, one JSON object per song, under letter folders;
- ``log_data/YYYY/MM/YYYY-MM-DD-events.json``: one newline-delimited file of events per UTC day;
- ``log_json_path.json``: the JSONPaths file mapping an event onto staging_events' columns.
"""

from __future__ import annotations

import datetime as dt

SONG_DATA_PREFIX = "song_data/"
LOG_JSONPATHS_KEY = "log_json_path.json"
_LOG_KEY_FORMAT = "log_data/%Y/%m/%Y-%m-%d-events.json"


def log_key(moment: dt.datetime) -> str:
    """The key of the day file holding the events of ``moment``'s UTC day."""
    return moment.astimezone(dt.UTC).strftime(_LOG_KEY_FORMAT)
