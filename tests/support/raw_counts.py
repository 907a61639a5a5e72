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


@dataclass(frozen=True)
class ExpectedDay:
    """The daily report's figures for one UTC day, from the raw JSON."""

    plays: int
    listeners: int
    paid_plays: int
    free_plays: int
    paid_listeners: int
    free_listeners: int
    matched_plays: int
    by_hour: dict[int, tuple[int, int]]  # hour: (paid plays, free plays)
    song_plays: dict[tuple[str, str], int]  # (title, artist) of matched plays: count


def expected_day(root: Path, day: dt.date) -> ExpectedDay:
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    lo, hi = _ms(midnight), _ms(midnight + dt.timedelta(days=1))
    plays = {
        (e["userId"], e["sessionId"], e["itemInSession"], e["ts"]): e
        for e in read_events(root)
        if e["page"] == "NextSong" and lo <= e["ts"] < hi
    }.values()
    catalogue = {(s["title"], s["artist_name"], s["duration"]) for s in read_songs(root)}
    by_hour: dict[int, list[int]] = {}
    song_plays: dict[tuple[str, str], int] = {}
    for play in plays:
        hour = dt.datetime.fromtimestamp(play["ts"] / 1000, dt.UTC).hour
        by_hour.setdefault(hour, [0, 0])[play["level"] != "paid"] += 1
        if (play["song"], play["artist"], play["length"]) in catalogue:
            key = (play["song"], play["artist"])
            song_plays[key] = song_plays.get(key, 0) + 1

    def users(level=None):
        return len({p["userId"] for p in plays if level in (None, p["level"])})

    return ExpectedDay(
        plays=len(plays),
        listeners=users(),
        paid_plays=sum(1 for p in plays if p["level"] == "paid"),
        free_plays=sum(1 for p in plays if p["level"] == "free"),
        paid_listeners=users("paid"),
        free_listeners=users("free"),
        matched_plays=sum(song_plays.values()),
        by_hour={hour: (paid, free) for hour, (paid, free) in by_hour.items()},
        song_plays=song_plays,
    )
