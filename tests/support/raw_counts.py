"""What the warehouse should hold, computed straight from the raw JSON, without any SQL.

The tests compare every load with these numbers; nothing here shares code with the pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Expected:
    songplays: int
    matched_songplays: int
    users: int
    paid_users: int
    songs: int
    artists: int
    time: int


def read_events(root: Path) -> list[dict]:
    events = []
    for path in sorted((root / "log_data").rglob("*.json")):
        with path.open(encoding="utf-8") as lines:
            events.extend(json.loads(line) for line in lines if line.strip())
    return events


def read_songs(root: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in (root / "song_data").rglob("*.json")]


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def expected_warehouse(root: Path, hours: list[dt.datetime] | None = None) -> Expected:
    """The star schema after loading ``hours`` (default: every hour of the data)."""
    events = read_events(root)
    songs = read_songs(root)
    if hours is not None:
        windows = [(_ms(h), _ms(h + dt.timedelta(hours=1))) for h in hours]
        events = [e for e in events if any(lo <= e["ts"] < hi for lo, hi in windows)]
    plays = {
        (e["userId"], e["sessionId"], e["itemInSession"], e["ts"]): e
        for e in events
        if e["page"] == "NextSong"
    }
    catalogue = {(s["title"], s["artist_name"], s["duration"]) for s in songs}
    latest: dict[str, dict] = {}
    for event in events:
        if event["userId"] == "":
            continue
        rank = (event["ts"], event["sessionId"], event["itemInSession"])
        current = latest.get(event["userId"])
        if current is None or rank > (
            current["ts"],
            current["sessionId"],
            current["itemInSession"],
        ):
            latest[event["userId"]] = event
    return Expected(
        songplays=len(plays),
        matched_songplays=sum(
            1 for e in plays.values() if (e["song"], e["artist"], e["length"]) in catalogue
        ),
        users=len(latest),
        paid_users=sum(1 for e in latest.values() if e["level"] == "paid"),
        songs=len({s["song_id"] for s in songs}),
        artists=len({s["artist_id"] for s in songs}),
        time=len({e["ts"] for e in plays.values()}),
    )


def actual_warehouse(db) -> Expected:
    return Expected(
        songplays=db.count("songplays"),
        matched_songplays=db.query("SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL")[0][
            0
        ],
        users=db.count("users"),
        paid_users=db.query("SELECT COUNT(*) FROM users WHERE level = 'paid'")[0][0],
        songs=db.count("songs"),
        artists=db.count("artists"),
        time=db.count("time"),
    )
